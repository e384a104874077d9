//! The server: configuration, command line, Axum router and its security layers.
//! Handlers stay thin; rules live in `backend`.

// The OpenAPI document's schema table is one `json!` literal, deeper than the default limit.
#![recursion_limit = "512"]

// Every row, JSON object and request allocates: under 32 connections glibc's malloc took a
// quarter of the CPU (and its arenas' locks some more); mimalloc's per-thread heaps do not.
// With the `override` feature the bundled SQLite allocates from it too. Declared in the
// library so that the benchmark, which serves this router itself, measures the same one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod assets;
pub mod cli;
pub mod http;
pub mod rest;
pub mod security;

use std::path::PathBuf;
use std::sync::Arc;

use app::ssr::SessionCookie;
use backend::Backend;

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub backend: Backend,
    pub cookie: SessionCookie,
    pub dist: Arc<PathBuf>,
    /// The `Host` every request must name (the public URL's), when set: a request for
    /// another name reached this server by a DNS trick (rebinding) and is refused. `None`
    /// accepts any (tests, and a server reached by several names).
    pub public_host: Option<String>,
    /// The header whose last address is the client's (behind a proxy); `None`: the TCP peer.
    pub client_ip_header: Option<axum::http::HeaderName>,
}
