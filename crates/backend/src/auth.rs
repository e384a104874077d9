//! Who is calling, and the one place where a caller's permission is checked.

use shared::{Action, Role};

use crate::error::{Error, Result};

/// An authenticated operator (a "Dashboard user", a "Support User" in the API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

/// Whoever asks the backend to do something.
#[derive(Clone, Debug)]
pub enum Actor {
    Operator(Operator),
    /// The server's own command line, run by whoever holds the machine: trusted.
    System,
    /// Nobody logged in yet (login attempts).
    Anonymous,
}

impl Actor {
    /// Refuses unless the caller may take `action`.
    pub fn require(&self, action: Action) -> Result<()> {
        match self {
            Actor::System => Ok(()),
            Actor::Operator(op) if op.role.may(action) => Ok(()),
            Actor::Operator(_) => Err(Error::Forbidden("You are not allowed to do this.")),
            Actor::Anonymous => Err(Error::Unauthenticated),
        }
    }

    /// Refuses unless the caller may manage an operator whose role is `target`.
    pub fn require_may_manage(&self, target: Role) -> Result<()> {
        self.require(Action::ManageDashboardUsers)?;
        match self {
            Actor::Operator(op) if !op.role.may_manage_operator_with_role(target) => Err(
                Error::Forbidden("Only Administrators can manage Administrators."),
            ),
            _ => Ok(()),
        }
    }

    pub fn operator_id(&self) -> Option<i64> {
        match self {
            Actor::Operator(op) => Some(op.id),
            _ => None,
        }
    }

    /// (type, id, label) as the audit log records them.
    pub fn audit_identity(&self) -> (&'static str, Option<i64>, String) {
        match self {
            Actor::Operator(op) => ("operator", Some(op.id), op.username.clone()),
            Actor::System => ("system", None, "server (command line or start-up)".to_string()),
            Actor::Anonymous => ("anonymous", None, "anonymous".to_string()),
        }
    }
}

/// Facts about the request that the audit log keeps.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub request_id: String,
    pub client_ip: Option<String>,
}

impl RequestMeta {
    /// For work that does not come from a request (command line, start-up).
    pub fn local() -> Self {
        RequestMeta { request_id: uuid::Uuid::new_v4().to_string(), client_ip: None }
    }
}
