//! The Axum router: server functions, health check, and the single-page app.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::trace::TraceLayer;

use app::ssr::RequestContext;
use backend::RequestMeta;

use crate::AppState;
use crate::security;

pub fn router(state: AppState) -> Router {
    let dist: &Path = state.dist.as_ref();
    let spa = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn_with_state(Arc::new(dist.to_path_buf()), crate::assets::cache_policy))
        .service(crate::assets::service(dist));
    let policy = Arc::new(security::HeaderPolicy { csp: CspForDist::new(dist), hsts: state.cookie.secure });
    let public_host = Arc::new(state.public_host.clone());
    let client_ip_header = Arc::new(state.client_ip_header.clone());
    Router::new()
        .route("/api/{*fn_name}", post(server_fn_handler).get(server_fn_handler))
        .route("/healthz", get(healthz))
        .merge(crate::rest::router())
        // Only browser routes fall back to the app: an unknown API path is a 404 in the
        // API's own envelope, not the app's index.html.
        .route("/v1/{*rest}", axum::routing::any(crate::rest::unknown_path))
        .route("/core-connect/{*rest}", axum::routing::any(crate::rest::unknown_path))
        .route("/oauth/{*rest}", axum::routing::any(crate::rest::unknown_path))
        .fallback_service(spa)
        .with_state(state)
        .layer(axum::middleware::from_fn(security::limit_body))
        .layer(axum::middleware::from_fn_with_state(public_host, security::check_host))
        .layer(axum::middleware::from_fn_with_state(policy, security::security_headers))
        .layer(axum::middleware::from_fn_with_state(client_ip_header, security::request_id))
        .layer(TraceLayer::new_for_http().on_failure(log_failure))
}

/// A 5xx is logged as an ERROR, except 503: the server refusing work on purpose when every
/// argon2 slot is taken (a burst of logins must not flood the error log; the answer says
/// busy, and `is_healthy` logs a database that does not answer).
fn log_failure(class: ServerErrorsFailureClass, latency: std::time::Duration, _span: &tracing::Span) {
    let latency_ms = latency.as_millis();
    match class {
        ServerErrorsFailureClass::StatusCode(StatusCode::SERVICE_UNAVAILABLE) => {
            tracing::debug!(latency_ms, "answered 503: busy");
        }
        other => tracing::error!(classification = %other, latency_ms, "response failed"),
    }
}

async fn healthz(State(state): State<AppState>) -> StatusCode {
    if state.backend.is_healthy().await { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }
}

/// Every server function goes through here: refuse cross-site calls, then hand the request
/// to Leptos with the backend, the request facts and the session cookie in its context.
async fn server_fn_handler(State(state): State<AppState>, req: Request<Body>) -> Response {
    if let Err(refusal) = security::check_same_site_call(req.method(), req.headers()) {
        return security::refused_response(refusal);
    }
    let meta = req.extensions().get::<RequestMeta>().cloned().unwrap_or_else(RequestMeta::local);
    let context = RequestContext {
        backend: state.backend.clone(),
        meta,
        session: state.cookie.read(req.headers()),
        cookie: state.cookie,
    };
    let response =
        leptos_axum::handle_server_fns_with_context(move || leptos::prelude::provide_context(context.clone()), req)
            .await
            .into_response();
    with_refusal_status(response).await
}

/// Leptos answers every server-function error with 500. A refusal (bad input, bad
/// credentials, a missing scope...) gets the status its `AppError` kind says instead; the
/// allow-listed body stays as it is.
async fn with_refusal_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are a few hundred bytes of our own JSON.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        parts.status = error.status();
        if let app::error::AppError::RateLimited { retry_after_secs } = error {
            parts.headers.insert(axum::http::header::RETRY_AFTER, retry_after_secs.into());
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The Content-Security-Policy for the app's `index.html`, recomputed when the file changes
/// (a `scripts/front.sh` while the server runs changes the boot script it inlines).
pub struct CspForDist {
    index: PathBuf,
    cached: Mutex<Option<(Option<SystemTime>, Arc<String>)>>,
}

impl CspForDist {
    pub fn new(dist: &Path) -> Self {
        CspForDist { index: dist.join("index.html"), cached: Mutex::new(None) }
    }

    pub fn current(&self) -> Arc<String> {
        let modified = std::fs::metadata(&self.index).and_then(|m| m.modified()).ok();
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        match cached.as_ref() {
            Some((seen, csp)) if *seen == modified => csp.clone(),
            _ => {
                let html = std::fs::read_to_string(&self.index).unwrap_or_default();
                let csp = Arc::new(security::content_security_policy(&html));
                *cached = Some((modified, csp.clone()));
                csp
            }
        }
    }
}
