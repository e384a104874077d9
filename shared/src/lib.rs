//! The vocabulary of the back office, shared by the browser (wasm32) and the server.
//!
//! One place per rule: the permission table, the validation of fields the browser must also
//! check, and the shapes that cross the wire. No I/O here.

pub mod banking;
pub mod cards;
pub mod codes;
pub mod documents;
pub mod domain;
pub mod dto;
pub mod money;
pub mod permissions;
pub mod sca;
pub mod secret;
pub mod tax;
pub mod user_fields;
pub mod user_states;
pub mod validation;

pub use permissions::{Action, Role, Scope, View};
