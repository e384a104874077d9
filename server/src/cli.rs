//! The command line: a stable contract for scripts and tests.
//!
//! `server serve [--addr] [--database-url] [--dist]` and
//! `server operator create --username EMAIL --role ROLE --password-stdin`.

use clap::{Args, Parser, Subcommand};
use std::num::NonZeroU32;
use std::path::PathBuf;

use shared::Role;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/backoffice.db";

#[derive(Parser, Debug)]
#[command(name = "server", version, about = "Back office for a banking-as-a-service provider")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serves the dashboard and its API.
    Serve(ServeArgs),
    /// Manages operators (Dashboard users) from the command line.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// Fills the database with N realistic demo end users (with wallets and children).
    SeedDemo(SeedDemoArgs),
    /// Manages OAuth2 API clients of the REST API.
    ApiClient {
        #[command(subcommand)]
        command: ApiClientCommand,
    },
}

#[derive(Args, Debug)]
pub struct SeedDemoArgs {
    /// How many end users to add.
    #[arg(long, default_value_t = 1000)]
    pub users: u64,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Subcommand, Debug)]
pub enum ApiClientCommand {
    /// Creates an API client; prints `client_id=...` and `client_secret=...` (shown once).
    Create(CreateApiClientArgs),
}

#[derive(Args, Debug)]
pub struct CreateApiClientArgs {
    /// A name to recognise the client by.
    #[arg(long)]
    pub name: String,
    /// Space-separated scopes it may be granted: read_only read_all read_write legal
    /// support_user_management admin.
    #[arg(long)]
    pub scopes: String,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// `sqlite://path/to/file.db` (created if missing) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Where KYC documents' files go: `file:///srv/documents`, or `s3://bucket/prefix` (with
    /// the `AWS_*` variables; needs a build with the backend's `s3` feature). Unset: a
    /// `documents` folder beside the SQLite file (the working directory for Postgres).
    #[arg(long, env = "DOCUMENTS_URL")]
    pub documents_url: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DASHBOARD_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: String,
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Folder of the built front end (`scripts/front.sh`'s output).
    #[arg(long, env = "DASHBOARD_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// The address people use to reach the dashboard. An `https://` URL turns on secure
    /// (`__Host-`, `Secure`) session cookies. Defaults to `http://<addr>`.
    #[arg(long, env = "DASHBOARD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// TLS ends before this server (a proxy that serves https): plain http on a non-loopback
    /// address is then accepted. Without it, the server refuses to start there with an
    /// `http://` public URL, where passwords and session cookies would cross the network in
    /// clear.
    #[arg(long, env = "DASHBOARD_BEHIND_TLS")]
    pub behind_tls: bool,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "DASHBOARD_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u64,
    /// Hours after login after which a session ends, used or not.
    #[arg(long, env = "DASHBOARD_SESSION_ABSOLUTE_HOURS", default_value_t = 12)]
    pub session_absolute_hours: u64,
    /// Lifetime of an OAuth2 access token, in seconds.
    #[arg(long, env = "DASHBOARD_API_TOKEN_SECONDS", default_value_t = 3600)]
    pub api_token_seconds: u64,
    /// Where emails go, in lettre's URL form (`smtp://127.0.0.1:2525`, `smtps://user:pass@host`).
    /// Unset: emails wait in the outbox and the log says mail delivery is off.
    #[arg(long, env = "DASHBOARD_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of emails.
    #[arg(long, env = "DASHBOARD_MAIL_FROM", default_value = "Back office <no-reply@localhost>")]
    pub mail_from: String,
    /// Username of the Administrator created on first start (when there is no operator).
    #[arg(long, env = "DASHBOARD_INITIAL_ADMIN", default_value = "admin@backoffice.local")]
    pub initial_admin: String,
    /// Seconds a payout stays cancelable before it is sent (the executor runs every few seconds).
    #[arg(long, env = "PAYOUT_CANCEL_WINDOW_SECONDS", default_value_t = 60)]
    pub payout_cancel_window_seconds: u64,
    /// Minutes between two sweeps of expired sessions, tokens, links and sent mail.
    #[arg(long, env = "DASHBOARD_SWEEP_MINUTES", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=24 * 60))]
    pub sweep_minutes: u64,
    #[command(flatten)]
    pub limits: RateLimitArgs,
}

/// Per-address limits at the credential doors (login, `/oauth/token`, sign-up, activation,
/// password reset).
#[derive(Args, Debug, Clone)]
pub struct RateLimitArgs {
    /// Requests at the credential doors one address may send per minute.
    #[arg(long, env = "DASHBOARD_AUTH_ATTEMPTS_PER_MINUTE", default_value_t = NonZeroU32::MIN.saturating_add(29))]
    pub auth_attempts_per_minute: NonZeroU32,
    /// Wrong passwords or client secrets one address may give per window before it is
    /// refused (so that one address cannot block every operator by their lockout).
    #[arg(long, env = "DASHBOARD_FAILED_LOGINS_PER_ADDRESS", default_value_t = NonZeroU32::MIN.saturating_add(9))]
    pub failed_logins_per_address: NonZeroU32,
    /// The window, in minutes, over which an address's failed logins come back.
    #[arg(long, env = "DASHBOARD_FAILED_LOGIN_WINDOW_MINUTES", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=24 * 60))]
    pub failed_login_window_minutes: u64,
    /// Milliseconds a refusal at a credential door (429, or 503 when the machine is busy
    /// hashing) is held before it is answered, so that a guessing tool's requests come at
    /// the pace of its connections, not of the server's answers (0: answered at once).
    #[arg(long, env = "DASHBOARD_REFUSAL_DELAY_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub refusal_delay_ms: u64,
    /// A header set by the proxy in front (e.g. `X-Forwarded-For`) whose last address is the
    /// client's. Without it the client is the TCP peer; set it only behind a proxy that
    /// writes the header, or anyone may claim any address.
    #[arg(long, env = "DASHBOARD_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
}

impl RateLimitArgs {
    pub fn settings(&self) -> backend::rate_limit::RateLimitSettings {
        backend::rate_limit::RateLimitSettings {
            attempts_per_minute: self.auth_attempts_per_minute,
            failures_per_window: self.failed_logins_per_address,
            failure_window: std::time::Duration::from_secs(self.failed_login_window_minutes * 60),
            refusal_delay: std::time::Duration::from_millis(self.refusal_delay_ms),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum OperatorCommand {
    /// Creates an operator. The password is read from standard input.
    Create(CreateOperatorArgs),
    /// Lifts the block of an operator blocked by failed logins (for the machine's owner: it
    /// works when no Administrator can log in).
    Unblock(UnblockOperatorArgs),
    /// Removes an operator's two-factor authentication (a lost phone and lost recovery codes
    /// when no other Administrator can do it); every session of the operator ends.
    ResetTwoFactor(UnblockOperatorArgs),
}

/// Names one operator (unblock, reset-two-factor).
#[derive(Args, Debug)]
pub struct UnblockOperatorArgs {
    /// The operator's email address.
    #[arg(long)]
    pub username: String,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Args, Debug)]
pub struct CreateOperatorArgs {
    /// The operator's email address.
    #[arg(long)]
    pub username: String,
    /// One of: support-read-only, support, support-legal, manager, administrator.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Read the password from standard input (the only way: never on the command line).
    #[arg(long, required = true)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role {s:?}; expected one of: {}", names.join(", "))
    })
}

/// Why `serve` must not start: plain http reachable beyond this machine, unless TLS ends in
/// front of it (`--behind-tls`).
pub fn plain_http_refusal(addr: &str, public_url: &str, behind_tls: bool) -> Option<String> {
    let loopback = match addr.parse::<std::net::SocketAddr>() {
        Ok(socket) => socket.ip().is_loopback(),
        Err(_) => addr.rsplit_once(':').is_some_and(|(host, _)| host == "localhost"),
    };
    if loopback || behind_tls || public_url.starts_with("https://") {
        return None;
    }
    Some(format!(
        "refusing to serve plain http on {addr} (public URL {public_url}): give an https:// --public-url, \
         or --behind-tls when a proxy serves https in front of this server"
    ))
}

#[cfg(test)]
mod tests {
    use super::plain_http_refusal;

    #[test]
    fn plain_http_is_served_on_loopback_only_unless_tls_ends_in_front() {
        assert!(plain_http_refusal("127.0.0.1:3000", "http://127.0.0.1:3000", false).is_none());
        assert!(plain_http_refusal("[::1]:3000", "http://[::1]:3000", false).is_none());
        assert!(plain_http_refusal("localhost:3000", "http://localhost:3000", false).is_none());
        assert!(plain_http_refusal("0.0.0.0:3000", "http://0.0.0.0:3000", false).is_some());
        assert!(plain_http_refusal("10.0.0.5:3000", "http://bank.internal", false).is_some());
        assert!(plain_http_refusal("0.0.0.0:3000", "https://backoffice.example.com", false).is_none());
        assert!(plain_http_refusal("0.0.0.0:3000", "http://backoffice.example.com", true).is_none());
    }
}
