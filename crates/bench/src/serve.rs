//! The real router in a process of its own: this binary started again with `--serve-for`,
//! so that the memory the benchmark reports is the server's alone (not the load generator's
//! nor the bare baseline's), as `server serve` would hold it.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};

/// What the child prints first: the address it serves on.
const READY: &str = "serving ";

/// The server process (killed when dropped) and its base URL.
pub struct ServerProcess {
    pub base: String,
    _child: tokio::process::Child,
}

/// Starts the router over `url` (already migrated and seeded) in a child process, and waits
/// until it listens.
pub async fn start(url: &str, documents: &Path) -> anyhow::Result<ServerProcess> {
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .arg("--serve-for")
        .arg(url)
        .arg("--documents")
        .arg(documents)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("start the server process")?;
    let stdout = child.stdout.take().context("the server's output")?;
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next_line().await?.context("the server process ended before serving")?;
        if let Some(base) = line.strip_prefix(READY) {
            break base.to_string();
        }
    };
    crate::load::watch_server(child.id().context("the server's pid")?);
    Ok(ServerProcess { base, _child: child })
}

/// The child's side: serves the real router, as `server serve` builds it, until killed.
pub async fn serve_for(url: &str, documents: &Path) -> anyhow::Result<()> {
    let documents = backend::documents::store::DocumentStore::local(documents).map_err(|e| anyhow::anyhow!("{e}"))?;
    let backend =
        backend::Backend::connect(url, Default::default()).await.context("connect")?.with_documents(documents);
    let state = server::AppState {
        backend,
        cookie: app::ssr::SessionCookie { secure: false },
        dist: Arc::new(std::env::temp_dir()),
        public_host: None,
        // The attack measure says where its requests come from, as a proxy would.
        client_ip_header: Some(axum::http::HeaderName::from_static(crate::attack::CLIENT_IP_HEADER)),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{READY}http://{}", listener.local_addr()?);
    axum::serve(listener, server::http::router(state).into_make_service_with_connect_info::<SocketAddr>()).await?;
    Ok(())
}
