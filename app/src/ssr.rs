//! Server-side glue of the server functions: the per-request context the Axum handler
//! provides, the session cookie, and the one function that turns a request into an actor.

use axum::http::{HeaderMap, HeaderValue, header};
use backend::sessions::SessionToken;
use backend::{Actor, Backend, RequestMeta};
use leptos::prelude::*;

use crate::error::AppError;

/// How the session cookie is named and flagged. Over HTTPS it gets `Secure` and the
/// `__Host-` prefix (which browsers only accept with `Secure`, `Path=/` and no domain).
#[derive(Clone, Copy, Debug)]
pub struct SessionCookie {
    pub secure: bool,
}

impl SessionCookie {
    pub fn name(self) -> &'static str {
        if self.secure { "__Host-backoffice_session" } else { "backoffice_session" }
    }

    /// The session token in the request's cookies, if any.
    pub fn read(self, headers: &HeaderMap) -> Option<SessionToken> {
        let name = self.name();
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| SessionToken(v.to_string()))
    }

    /// Tokens are base64url, so the header is always valid; an error is a fault of ours.
    fn header(self, value: &str, max_age_secs: i64) -> Result<HeaderValue, AppError> {
        let secure = if self.secure { "; Secure" } else { "" };
        let cookie =
            format!("{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}", self.name());
        HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal("session-cookie".into()))
    }

    pub fn set(self, token: &SessionToken, max_age_secs: i64) -> Result<HeaderValue, AppError> {
        self.header(&token.0, max_age_secs)
    }

    pub fn clear(self) -> Result<HeaderValue, AppError> {
        self.header("", 0)
    }
}

/// What the Axum handler provides to every server function call.
#[derive(Clone)]
pub struct RequestContext {
    pub backend: Backend,
    pub meta: RequestMeta,
    pub session: Option<SessionToken>,
    pub cookie: SessionCookie,
}

pub fn request_context() -> Result<RequestContext, AppError> {
    use_context::<RequestContext>().ok_or_else(|| AppError::Internal("request context missing".to_string()))
}

impl RequestContext {
    pub fn error(&self, e: backend::Error) -> AppError {
        AppError::from_backend(e, &self.meta.request_id)
    }

    /// The logged-in operator as an actor, or `Unauthenticated`.
    pub async fn actor(&self) -> Result<Actor, AppError> {
        let token = self.session.as_ref().ok_or(AppError::Unauthenticated)?;
        let operator = self.backend.authenticate(token).await.map_err(|e| self.error(e))?;
        Ok(Actor::Operator(operator))
    }

    /// Sets a response header of the server function's response.
    pub fn set_cookie(&self, value: HeaderValue) {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.append_header(header::SET_COOKIE, value);
        }
    }
}

/// Runs `f` with the request context and the logged-in operator.
pub async fn with_actor<T, F, Fut>(f: F) -> Result<T, AppError>
where
    F: FnOnce(RequestContext, Actor) -> Fut,
    Fut: std::future::Future<Output = Result<T, backend::Error>>,
{
    let ctx = request_context()?;
    let actor = ctx.actor().await?;
    let request_id = ctx.meta.request_id.clone();
    f(ctx, actor).await.map_err(|e| AppError::from_backend(e, &request_id))
}
