//! The real `server serve` binary as a child process, for what one in-process router cannot
//! show: two servers on one database, and a server killed with SIGKILL.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use backend::{Actor, Backend, RequestMeta};

/// A `server serve` process on a free loopback port; killed (SIGKILL) when dropped.
pub struct ServerProcess {
    pub base_url: String,
    child: Child,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts a server on `database_url` with extra environment `env`, and waits for its
    /// `/healthz`. Its log goes to a file in `dir` (shown when it does not come up).
    pub async fn start(database_url: &str, dir: &Path, env: &[(&str, &str)]) -> ServerProcess {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = dir.join(format!("server-{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--dist"])
            .arg(dir.join("no-front-end"))
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let mut server = ServerProcess { base_url: format!("http://127.0.0.1:{port}"), child, log };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&mut self) {
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(res) = client.get(format!("{}/healthz", self.base_url)).send().await
                && res.status().is_success()
            {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server exited ({status}) before answering:\n{}", self.log_text());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not answer /healthz in 30 s:\n{}", self.log_text());
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `kill -9`: the process ends at once, in the middle of whatever it was doing.
    pub fn kill9(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A bearer token for a new API client holding `scopes`, from a server's `/oauth/token`.
pub async fn bearer_from(server: &ServerProcess, database_url: &str, scopes: &[shared::Scope]) -> String {
    let backend = Backend::connect(database_url, Default::default()).await.unwrap();
    let client =
        backend.create_api_client(&Actor::System, &RequestMeta::local(), "process test", scopes).await.unwrap();
    backend.db.close().await;
    let grant = crate::harness::client_credentials_grant(&server.base_url, &client).await;
    grant["access_token"].as_str().unwrap_or_else(|| panic!("no token: {grant}")).to_string()
}
