//! The dashboard: a client-side rendered Leptos app, and the declarations of the server
//! functions it calls (whose bodies exist only with the `ssr` feature).

// Outside the browser build (no type-erased components there) a lazy page is an async block
// holding the page's whole view type, deeper than the compiler's default limit of 128.
#![recursion_limit = "256"]

pub mod api;
pub mod client;
pub mod error;
#[cfg(feature = "ssr")]
pub mod ssr;

mod components;
mod pages;
mod shell;

pub use shell::App;
