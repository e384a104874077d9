//! Every business rule of the back office and the store behind it.
//!
//! The server functions of the dashboard and the REST API both call `Backend`; neither
//! decides a rule on its own. Each method checks the caller's permission first, then
//! validates, then writes the change and its audit row in one transaction.

pub mod api_clients;
pub mod audit;
pub mod auth;
pub mod bulk_cards;
mod bulk_load;
pub mod card_transactions;
pub mod cards;
pub mod clock;
pub mod db;
pub mod demo;
pub mod documents;
pub mod error;
pub mod kyc;
mod listing;
pub mod mail;
pub mod money;
pub mod oauth;
pub mod onboarding;
pub mod operators;
pub mod password;
pub mod rate_limit;
pub mod restriction_groups;
pub mod sca;
pub mod session_views;
pub mod sessions;
pub mod settings;
pub mod sweeper;
pub mod tax_residences;
pub mod two_factor;
pub mod user_lookup;
pub mod users;
pub mod users_search;

use std::time::Duration;

pub use auth::{Actor, ApiClient, Operator, RequestMeta};
pub use clock::Clock;
pub use db::{Db, DbKind};
pub use error::{Error, Result};
pub use sweeper::SweepReport;

/// How long an operator's session lives.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// Ends a session nobody used for this long.
    pub idle_timeout: Duration,
    /// Ends a session this long after login, used or not.
    pub absolute_timeout: Duration,
    /// Lifetime of an OAuth2 access token.
    pub api_token_lifetime: Duration,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            api_token_lifetime: Duration::from_secs(3600),
        }
    }
}

/// Where emails go and what their links point at.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// lettre's URL form (`smtp://127.0.0.1:2525`); `None` keeps every email in the outbox.
    pub smtp_url: Option<String>,
    pub from: String,
    /// The base of the links in emails (`https://backoffice.example.com`).
    pub public_url: String,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: None,
            from: "Back office <no-reply@localhost>".into(),
            public_url: "http://127.0.0.1:3000".into(),
        }
    }
}

/// The service: one per process, cheap to clone.
#[derive(Clone)]
pub struct Backend {
    pub db: Db,
    pub sessions: SessionSettings,
    pub mail: MailSettings,
    /// The time every expiry rule reads (the system's; tests move it forward).
    pub clock: Clock,
    /// Wakes the mail worker when an email is queued.
    pub mail_queued: std::sync::Arc<tokio::sync::Notify>,
    /// Where the bytes of KYC documents live.
    pub documents: documents::store::DocumentStore,
    /// The secret signing document links, read from the database once.
    link_secret: std::sync::Arc<tokio::sync::OnceCell<Vec<u8>>>,
    /// The argon2 computations this service may run at once.
    pub hash_slots: password::HashSlots,
    /// Per-address limits at the credential doors.
    pub rate_limits: rate_limit::RateLimits,
}

impl Backend {
    /// Connects, applies the migrations and returns a ready service.
    pub async fn connect(database_url: &str, sessions: SessionSettings) -> Result<Backend> {
        let db = Db::connect(database_url).await?;
        Ok(Backend {
            db,
            sessions,
            mail: MailSettings::default(),
            clock: Clock::system(),
            mail_queued: std::sync::Arc::new(tokio::sync::Notify::new()),
            documents: documents::store::DocumentStore::beside_database(database_url)?,
            link_secret: std::sync::Arc::default(),
            hash_slots: password::HashSlots::for_this_machine(),
            rate_limits: rate_limit::RateLimits::new(&rate_limit::RateLimitSettings::default()),
        })
    }

    /// The same service, keeping documents in `store`.
    pub fn with_documents(mut self, store: documents::store::DocumentStore) -> Backend {
        self.documents = store;
        self
    }

    /// The same service, sending email with `mail`.
    pub fn with_mail(mut self, mail: MailSettings) -> Backend {
        self.mail = mail;
        self
    }

    /// Answers whether the database can be reached (for `/healthz`).
    pub async fn is_healthy(&self) -> bool {
        match sqlx::query("SELECT 1").execute(&self.db.pool).await {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(error = %e, "health check: the database does not answer");
                false
            }
        }
    }
}
