//! The dashboard: a client-side rendered Leptos app, and the declarations of the server
//! functions it calls (whose bodies exist only with the `ssr` feature).

pub mod api;
pub mod client;
pub mod error;
#[cfg(feature = "ssr")]
pub mod ssr;

mod components;
mod pages;
mod shell;

pub use shell::App;
