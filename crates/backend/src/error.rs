//! The one error type of the business layer. Its `Display` of the non-internal variants is
//! written by us and safe to show; `Database` and `Internal` are for the log only.

use shared::validation::FieldError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: names the field and the rule.
    #[error("{0}")]
    Invalid(FieldError),
    /// Login refused. Unknown user, wrong password and blocked account all end here, so
    /// that nobody can tell them apart.
    #[error("Invalid username or password.")]
    InvalidCredentials,
    /// A wrong two-factor code at login: counted like a wrong password.
    #[error("That code is not right. Check your authenticator app and try again.")]
    InvalidCode,
    /// No valid session or token.
    #[error("Your session has ended. Please log in again.")]
    Unauthenticated,
    /// The caller lacks the permission. The message is ours.
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("Not found.")]
    NotFound,
    /// The request contradicts a business rule or existing data. The message is ours.
    #[error("{0}")]
    Conflict(String),
    /// Too much work at once (every argon2 slot taken): try again shortly.
    #[error("The server is busy: try again in a moment.")]
    Busy,
    /// Too many attempts from this address at a credential door (`rate_limit`).
    #[error("Too many attempts: try again in {} seconds.", retry_after_secs(*retry_after))]
    RateLimited { retry_after: std::time::Duration },
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(FieldError::new(field, message))
    }

    /// True for errors whose text must never leave the server.
    pub fn is_internal(&self) -> bool {
        matches!(self, Error::Database(_) | Error::Migration(_) | Error::Internal(_))
    }
}

/// Whole seconds to wait, rounded up, at least one (the `Retry-After` header's unit).
pub fn retry_after_secs(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0 || wait.is_zero())
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::Invalid(e)
    }
}

/// Postgres's "character not in repertoire": a text with a NUL, which no Postgres text can
/// hold. Only input carries one; the checks that name the field come first, and this keeps
/// one they miss a 400, not a 500.
const POSTGRES_NUL_IN_TEXT: &str = "22021";

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e.as_database_error().and_then(|d| d.code()) {
            Some(code) if code == POSTGRES_NUL_IN_TEXT => {
                // Logged: a check that names the field should have refused it first.
                tracing::warn!(error = %e, "a NUL in a text reached Postgres");
                Error::invalid("text", "A text must not contain a NUL character.")
            }
            _ => Error::Database(e),
        }
    }
}

/// True when the database refused a row because of a unique constraint.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

/// For `map_err`: a unique-constraint refusal becomes the business error `conflict` (e.g.
/// "email is already used"), any other database error stays one.
pub fn on_unique_violation(conflict: impl FnOnce() -> Error) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| if is_unique_violation(&e) { conflict() } else { Error::from(e) }
}

impl From<shared::domain::Refusal> for Error {
    fn from(r: shared::domain::Refusal) -> Self {
        Error::Conflict(r.message().to_string())
    }
}
