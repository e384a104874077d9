//! The baseline: a bare axum + sqlx handler doing the same primary-key lookup of an end user
//! on the same database, with sqlx's own driver and no layer at all (no auth, no audit, no
//! security headers), so that the real router's cost is a ratio to the least any Rust
//! service could spend.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

#[derive(Clone)]
enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

type User = (i64, i64, String, Option<String>, Option<String>, Option<String>, Option<String>, String, String);

const SELECT: &str = "SELECT id, user_type_id, user_status, firstname, lastname, legal_name, email, created_date, \
                      modified_date FROM end_users WHERE id = $1";

async fn user(State(pool): State<Pool>, Path(id): Path<i64>) -> Result<Json<Value>, StatusCode> {
    let row: Option<User> = match &pool {
        Pool::Sqlite(p) => sqlx::query_as(SELECT).bind(id).fetch_optional(p).await,
        Pool::Postgres(p) => sqlx::query_as(SELECT).bind(id).fetch_optional(p).await,
    }
    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let (id, user_type_id, status, firstname, lastname, legal_name, email, created, modified) =
        row.ok_or(StatusCode::NOT_FOUND)?;
    Ok(Json(json!({"users": [{
        "userId": id, "userTypeId": user_type_id, "userStatus": status, "firstname": firstname,
        "lastname": lastname, "legalName": legal_name, "email": email, "createdDate": created,
        "modifiedDate": modified,
    }]})))
}

/// Serves `GET /v1/users/{id}` over `url` on a loopback port: its base URL. The pool is
/// the size of the backend's (8 SQLite connections, 16 Postgres).
pub async fn serve(url: &str) -> anyhow::Result<String> {
    let pool = if url.starts_with("sqlite:") {
        Pool::Sqlite(sqlx::sqlite::SqlitePoolOptions::new().max_connections(8).connect(url).await?)
    } else {
        Pool::Postgres(sqlx::postgres::PgPoolOptions::new().max_connections(16).connect(url).await?)
    };
    let router = axum::Router::new().route("/v1/users/{id}", get(user)).with_state(pool);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await {
            eprintln!("the baseline server stopped: {e}");
        }
    });
    Ok(base)
}
