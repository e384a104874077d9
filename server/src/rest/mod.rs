//! The Treezor-compatible REST API: thin handlers (parse → backend → Treezor-shaped JSON).

mod error;
mod oauth;
mod products;
mod support_users;
mod tax_residences;
mod users;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;
use backend::{Actor, RequestMeta};

pub use error::ApiError;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .route("/core-connect/support-user", get(support_users::list).post(support_users::create))
        .route(
            "/core-connect/support-user/{support_user_id}",
            get(support_users::get).put(support_users::update).delete(support_users::delete),
        )
        .route("/core-connect/support-user/{support_user_id}/unblock", put(support_users::unblock))
        .route("/v1/users", post(users::create).get(users::search))
        .route("/v1/users/{user_id}", get(users::get).put(users::update).delete(users::deactivate))
        .route("/v1/users/{user_id}/FreezeAssets", put(users::freeze_assets))
        .route("/v1/wallets", get(products::wallets))
        .route("/v1/wallets/{wallet_id}", get(products::wallet))
        .route("/v1/cards", get(products::cards))
        .route("/v1/cards/{card_id}", get(products::card))
        .route("/v1/beneficiaries", get(products::beneficiaries))
        .route("/v1/taxResidences", get(tax_residences::list).post(tax_residences::create))
        .route(
            "/v1/taxResidences/{tax_residence_id}",
            get(tax_residences::get).put(tax_residences::update).delete(tax_residences::delete),
        )
}

/// The request's id and client address, set by the request-id layer.
pub fn request_meta(parts: &Parts) -> RequestMeta {
    parts.extensions.get::<RequestMeta>().cloned().unwrap_or_else(RequestMeta::local)
}

/// The caller of a REST endpoint, from its `Authorization: Bearer` token.
pub struct Caller {
    pub actor: Actor,
    pub meta: RequestMeta,
}

impl Caller {
    /// A backend error as this caller sees it (internal details logged under the request id).
    pub fn error(&self, e: backend::Error) -> ApiError {
        ApiError::from_backend(e, &self.meta.request_id)
    }
}

/// Parses a JSON body; a malformed body or a wrong field type is a 400 naming the problem,
/// never a 500.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request("input_validation_error", format!("Invalid JSON body: {e}."))
    })
}

/// An id from the path or the query: a positive integer, or a 400 naming the parameter.
pub fn positive_id(name: &str, raw: &str) -> Result<i64, ApiError> {
    raw.trim().parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::bad_request("input_validation_error", format!("{name}: {name} must be a positive integer."))
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let meta = request_meta(parts);
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::from_backend(backend::Error::Unauthenticated, &meta.request_id))?;
        let actor = state
            .backend
            .authenticate_bearer(token)
            .await
            .map_err(|e| ApiError::from_backend(e, &meta.request_id))?;
        Ok(Caller { actor, meta })
    }
}
