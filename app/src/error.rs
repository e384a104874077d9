//! The error every server function returns. Each variant's text is written by us: a
//! database message or a stack trace can never reach the browser through it.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Bad input; `field` names the form field it concerns.
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("Invalid username or password.")]
    InvalidCredentials,
    #[error("That code is not right. Check your authenticator app and try again.")]
    InvalidCode,
    #[error("Your session has ended. Please log in again.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// Too much work at once: try again shortly.
    #[error("The server is busy: try again in a moment.")]
    Busy,
    /// Too many attempts from this address; the wait is also the `Retry-After` header.
    #[error("Too many attempts: try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    /// Details are in the server log under this request id.
    #[error("Something went wrong on our side (reference {0}).")]
    Internal(String),
    /// The request did not make the round trip (network down, server restarting...).
    #[error("The server could not be reached. Please try again.")]
    Transport(String),
}

impl AppError {
    /// The HTTP status a server function answers with this error: a refusal is a 4xx, and
    /// only a real fault is a 5xx (so monitoring that counts 5xx sees faults, not bad logins).
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            AppError::Invalid { .. } => S::BAD_REQUEST,
            AppError::InvalidCredentials | AppError::InvalidCode | AppError::Unauthenticated => S::UNAUTHORIZED,
            AppError::Forbidden(_) => S::FORBIDDEN,
            AppError::NotFound => S::NOT_FOUND,
            AppError::Conflict(_) => S::CONFLICT,
            AppError::Busy => S::SERVICE_UNAVAILABLE,
            AppError::RateLimited { .. } => S::TOO_MANY_REQUESTS,
            AppError::Internal(_) | AppError::Transport(_) => S::INTERNAL_SERVER_ERROR,
        }
    }

    /// The form field this error concerns, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

/// Lets server-function bodies use `?` on backend calls; the request id comes from the
/// request's scope (see `backend::RequestMeta::scope`).
#[cfg(feature = "ssr")]
impl From<backend::Error> for AppError {
    fn from(error: backend::Error) -> Self {
        AppError::from_backend(error, &backend::auth::current_request_id())
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Maps a business error to what the browser may see; internal details go to the log
    /// with the request id, and only the id goes to the browser.
    pub fn from_backend(error: backend::Error, request_id: &str) -> Self {
        use backend::Error as E;
        match error {
            E::Invalid(f) => AppError::Invalid { field: f.field, message: f.message },
            E::InvalidCredentials => AppError::InvalidCredentials,
            E::InvalidCode => AppError::InvalidCode,
            E::Unauthenticated => AppError::Unauthenticated,
            E::Forbidden(message) => AppError::Forbidden(message.to_string()),
            E::NotFound => AppError::NotFound,
            E::Conflict(message) => AppError::Conflict(message),
            E::Busy => AppError::Busy,
            E::RateLimited { retry_after } => {
                AppError::RateLimited { retry_after_secs: backend::error::retry_after_secs(retry_after) }
            }
            internal => {
                tracing::error!(request_id, error = %internal, "server function failed");
                AppError::Internal(request_id.to_string())
            }
        }
    }
}
