//! `spawn_app`: a fresh database (SQLite file or Postgres database), the real router on
//! a random loopback port, and helpers to call server functions as the browser does.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use app::error::AppError;
use app::ssr::SessionCookie;
use backend::{Actor, Backend, RequestMeta, SessionSettings};
use serde::de::DeserializeOwned;
use serde_json::Value;
use shared::Role;
use shared::dto::{Me, OperatorForm};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Flavor)` once on SQLite and once on Postgres.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { super::$name($crate::harness::Flavor::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
               async fn $name() { super::$name($crate::harness::Flavor::Postgres).await } )*
        }
    };
}

pub const PASSWORD: &str = "correct horse battery staple";

/// Where Postgres test databases are created from (trust auth on this machine).
fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A database that exists for one test and is removed afterwards, even on panic.
pub struct TestDb {
    pub url: String,
    /// The test's own directory (the SQLite file, the documents' store), removed after it.
    pub dir: PathBuf,
    postgres_name: Option<String>,
}

impl TestDb {
    pub async fn new(flavor: Flavor) -> TestDb {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("backoffice-test-{unique}"));
        std::fs::create_dir_all(&dir).unwrap();
        match flavor {
            Flavor::Sqlite => {
                TestDb { url: format!("sqlite://{}", dir.join("test.db").display()), dir, postgres_name: None }
            }
            Flavor::Postgres => {
                use sqlx::Connection;
                let name = format!("backoffice_test_{unique}");
                let admin = postgres_admin_url();
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("Postgres must be running for the tests (see README)");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap().to_string();
                TestDb { url: format!("{base}/{name}"), dir, postgres_name: Some(name) }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(name) = self.postgres_name.take() {
            // The name is ours (a UUID), hence AssertSqlSafe. Drop runs inside the test's runtime: use a thread with its own runtime.
            let admin = postgres_admin_url();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let _ =
                            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                                .execute(&mut conn)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub base_url: String,
    pub backend: Backend,
    /// The server's clock: `app.clock.advance(...)` moves time for every expiry rule.
    pub clock: backend::Clock,
    _db: TestDb,
}

pub async fn spawn_app(flavor: Flavor) -> TestApp {
    spawn_app_with(flavor, SessionSettings::default()).await
}

pub async fn spawn_app_with(flavor: Flavor, sessions: SessionSettings) -> TestApp {
    spawn_app_with_mail(flavor, sessions, backend::MailSettings::default()).await
}

/// An app whose emails go to `mail` (its worker runs when an SMTP URL is set).
pub async fn spawn_app_with_mail(flavor: Flavor, sessions: SessionSettings, mail: backend::MailSettings) -> TestApp {
    spawn(flavor, AppOptions { sessions, mail, ..AppOptions::default() }).await
}

/// An app serving the front end's files from `dist`.
pub async fn spawn_app_with_dist(flavor: Flavor, dist: std::path::PathBuf) -> TestApp {
    spawn(flavor, AppOptions { dist, ..AppOptions::default() }).await
}

/// The header through which rate-limit tests say which address a request comes from (as a
/// proxy would).
pub const CLIENT_IP_HEADER: &str = "x-forwarded-for";

/// An app with these rate limits, reading the client's address from `CLIENT_IP_HEADER` when
/// `behind_proxy`, else from the TCP peer (127.0.0.1).
pub async fn spawn_app_with_limits(
    flavor: Flavor,
    limits: backend::rate_limit::RateLimitSettings,
    behind_proxy: bool,
) -> TestApp {
    let client_ip_header = behind_proxy.then(|| axum::http::HeaderName::from_static(CLIENT_IP_HEADER));
    spawn(flavor, AppOptions { limits, client_ip_header, ..AppOptions::default() }).await
}

struct AppOptions {
    sessions: SessionSettings,
    mail: backend::MailSettings,
    dist: std::path::PathBuf,
    limits: backend::rate_limit::RateLimitSettings,
    client_ip_header: Option<axum::http::HeaderName>,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            sessions: SessionSettings::default(),
            mail: backend::MailSettings::default(),
            dist: std::env::temp_dir().join("backoffice-test-empty-dist"),
            // Tests log in many times from one address: the limits have their own tests.
            limits: generous_limits(),
            client_ip_header: None,
        }
    }
}

pub fn generous_limits() -> backend::rate_limit::RateLimitSettings {
    let many = std::num::NonZeroU32::new(100_000).unwrap();
    backend::rate_limit::RateLimitSettings {
        attempts_per_minute: many,
        failures_per_window: many,
        failure_window: Duration::from_secs(60),
        refusal_delay: Duration::ZERO,
    }
}

async fn spawn(flavor: Flavor, options: AppOptions) -> TestApp {
    let db = TestDb::new(flavor).await;
    let documents = backend::documents::store::DocumentStore::local(&db.dir.join("documents")).unwrap();
    let backend = Backend::connect(&db.url, options.sessions)
        .await
        .expect("backend connects")
        .with_mail(options.mail)
        .with_documents(documents)
        .with_rate_limits(&options.limits);
    if backend.mail.smtp_url.is_some() {
        tokio::spawn(backend.clone().run_mail_worker());
    }
    let state = server::AppState {
        backend: backend.clone(),
        cookie: SessionCookie { secure: false },
        dist: Arc::new(options.dist),
        public_host: None,
        client_ip_header: options.client_ip_header,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = server::http::router(state);
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    TestApp { base_url: format!("http://{addr}"), clock: backend.clock.clone(), backend, _db: db }
}

/// A browser: keeps its cookies.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(60)).build().unwrap()
}

impl TestApp {
    /// Calls a server function the way the app's client does.
    pub async fn call<T: DeserializeOwned>(
        &self,
        browser: &reqwest::Client,
        endpoint: &str,
        args: Value,
    ) -> Result<T, AppError> {
        let response = browser
            .post(format!("{}/api/{endpoint}", self.base_url))
            .header("x-backoffice-request", "1")
            .json(&args)
            .send()
            .await
            .expect("server answers");
        let ok = response.status().is_success();
        let body = response.text().await.unwrap();
        if ok {
            Ok(serde_json::from_str(&body).unwrap_or_else(|e| panic!("bad body {body}: {e}")))
        } else {
            Err(serde_json::from_str(&body).unwrap_or_else(|e| panic!("bad error {body}: {e}")))
        }
    }

    pub async fn login(&self, browser: &reqwest::Client, username: &str, password: &str) -> Result<Me, AppError> {
        self.call(browser, "session/login", serde_json::json!({"username": username, "password": password})).await
    }

    /// A browser logged in as a new operator with `role`.
    pub async fn logged_in(&self, username: &str, role: Role) -> (reqwest::Client, i64) {
        let id = self.add_operator(username, role).await;
        let b = browser();
        self.login(&b, username, PASSWORD).await.expect("login succeeds");
        (b, id)
    }

    /// Creates an operator directly through the backend (as the command line does).
    pub async fn add_operator(&self, username: &str, role: Role) -> i64 {
        let form = OperatorForm {
            username: username.into(),
            role: Some(role),
            password: PASSWORD.into(),
            saml_key: String::new(),
        };
        self.backend.create_operator(&Actor::System, &RequestMeta::local(), form).await.unwrap().id
    }

    /// A bearer token from a new API client holding `scopes` (client credentials grant).
    pub async fn bearer(&self, scopes: &[shared::Scope]) -> String {
        let grant = self.grant(scopes).await;
        grant["access_token"].as_str().expect("a token is granted").to_string()
    }

    /// The whole `POST /oauth/token` answer for a new API client holding `scopes`.
    pub async fn grant(&self, scopes: &[shared::Scope]) -> Value {
        let client =
            self.backend.create_api_client(&Actor::System, &RequestMeta::local(), "test client", scopes).await.unwrap();
        client_credentials_grant(&self.base_url, &client).await
    }

    /// An access token of `username` (whose password is `PASSWORD`) by the password grant,
    /// through a new API client holding every scope; `scope` narrows it.
    pub async fn password_grant(&self, username: &str, scope: Option<&str>) -> String {
        let client = self
            .backend
            .create_api_client(&Actor::System, &RequestMeta::local(), "password grant", &shared::Scope::ALL)
            .await
            .unwrap();
        let mut form = vec![
            ("grant_type", "password"),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_str()),
            ("username", username),
            ("password", PASSWORD),
        ];
        form.extend(scope.map(|s| ("scope", s)));
        let grant: Value = browser()
            .post(format!("{}/oauth/token", self.base_url))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        grant["access_token"].as_str().unwrap_or_else(|| panic!("no token for {username}: {grant}")).to_string()
    }

    /// Calls the REST API with a bearer token; a body that is not JSON reads as `null`.
    pub async fn rest(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (reqwest::StatusCode, Value) {
        let mut req = browser().request(method, format!("{}{path}", self.base_url)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn me(&self, browser: &reqwest::Client) -> Option<Me> {
        self.call(browser, "session/me", serde_json::json!({})).await.unwrap()
    }

    /// Audit actions recorded so far, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(&self.backend.db.pool).await.unwrap()
    }
}

/// The whole `POST /oauth/token` answer of the client credentials grant for `client`.
pub async fn client_credentials_grant(base_url: &str, client: &backend::api_clients::NewApiClient) -> Value {
    browser()
        .post(format!("{base_url}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub fn form(username: &str, role: Role, password: &str) -> Value {
    serde_json::json!({ "form": OperatorForm {
        username: username.into(),
        role: Some(role),
        password: password.into(),
        saml_key: String::new(),
    }})
}

/// Sends a POST whose headers declare a body of `length` bytes, and no body: the status the
/// server answers from the headers alone (a body-size refusal comes before any read).
pub async fn declared_post(base_url: &str, path: &str, token: &str, length: usize) -> u16 {
    raw_post(base_url, path, token, &format!("Content-Length: {length}"), |_| Vec::new()).await
}

/// POSTs `chunks` chunks of `size` spaces with `Transfer-Encoding: chunked` (no
/// Content-Length); answers the status code.
pub async fn chunked_post(base_url: &str, path: &str, token: &str, chunks: usize, size: usize) -> u16 {
    raw_post(base_url, path, token, "Transfer-Encoding: chunked", |k| match k {
        k if k < chunks => format!("{size:x}\r\n{}\r\n", " ".repeat(size)).into_bytes(),
        k if k == chunks => b"0\r\n\r\n".to_vec(),
        _ => Vec::new(),
    })
    .await
}

/// A POST over a raw connection: the headers (with `framing`), then the pieces `piece(0)`,
/// `piece(1)`, ... until an empty one; the server may answer and close before the end.
async fn raw_post(base_url: &str, path: &str, token: &str, framing: &str, piece: impl Fn(usize) -> Vec<u8>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\n{framing}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for k in 0.. {
        let bytes = piece(k);
        if bytes.is_empty() || stream.write_all(&bytes).await.is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}
