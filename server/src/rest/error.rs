//! Treezor's error envelope: `{"errors":[{"type","code","message","docUrl"}]}`. Messages
//! come from our own allow-listed texts; internal details go to the log only.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

const DOC_URL: &str = "https://docs.treezor.com/guide/api-basics/response-codes.html";

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Seconds to wait, sent as `Retry-After` (rate limits).
    pub retry_after_secs: Option<u64>,
    pub kind: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, retry_after_secs: None, kind, code, message: message.into() }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", code, message)
    }

    pub fn from_backend(error: backend::Error, request_id: &str) -> Self {
        use backend::Error as E;
        match error {
            E::Invalid(f) => ApiError::bad_request("input_validation_error", format!("{}: {}", f.field, f.message)),
            E::InvalidCredentials | E::InvalidCode => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "invalid_client", "Invalid credentials.")
            }
            E::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "unauthorized",
                "A valid access token is required.",
            ),
            E::Forbidden(message) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", "insufficient_scope", message),
            E::NotFound => ApiError::new(
                StatusCode::NOT_FOUND,
                "invalid_request",
                "resource_not_found_error",
                "The resource was not found.",
            ),
            E::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "invalid_request", "conflict_error", message),
            E::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "server_busy",
                "The server is busy: try again in a moment.",
            ),
            E::RateLimited { retry_after } => {
                // The backend's own text, so that every door says the same.
                let message = E::RateLimited { retry_after }.to_string();
                ApiError {
                    retry_after_secs: Some(backend::error::retry_after_secs(retry_after)),
                    ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "rate_limited", message)
                }
            }
            internal => {
                tracing::error!(request_id, error = %internal, "REST request failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "unexpected_internal_server_error",
                    "unexpected_internal_server_error",
                    format!("Internal error (reference {request_id})."),
                )
            }
        }
    }
}

/// Lets handlers use `?` on backend calls; the request id comes from the request's scope
/// (set by the request-id layer), so internal errors still name it.
impl From<backend::Error> for ApiError {
    fn from(error: backend::Error) -> Self {
        ApiError::from_backend(error, &backend::auth::current_request_id())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "errors": [{
            "type": self.kind,
            "code": self.code,
            "message": self.message,
            "docUrl": DOC_URL,
        }]});
        let mut response = (self.status, Json(body)).into_response();
        if let Some(wait) = self.retry_after_secs {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, wait.into());
        }
        response
    }
}
