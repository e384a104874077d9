//! The Treezor-compatible REST API: thin handlers (parse → backend → Treezor-shaped JSON).

mod error;
mod oauth;
mod support_users;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::routing::{get, post};
use backend::{Actor, RequestMeta};

pub use error::ApiError;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .route("/core-connect/support-user", get(support_users::list))
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
