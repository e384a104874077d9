//! Shapes that cross the wire between the browser and the server functions.

use crate::permissions::Role;
use serde::{Deserialize, Serialize};

/// The logged-in operator, as the browser sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

/// One row of the Dashboard Users table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorSummary {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub saml_key: Option<String>,
    pub blocked: bool,
    /// Consecutive failed logins since the last success.
    pub failed_logins: i64,
    /// RFC 3339, UTC.
    pub last_login_at: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// What the "Add a new user" / "Update" dialog submits. On update, an empty password keeps
/// the current one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorForm {
    pub username: String,
    pub role: Option<Role>,
    pub password: String,
    pub saml_key: String,
}

/// One row of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub request_id: String,
    pub client_ip: Option<String>,
}

/// A page of results, with the total for the pager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}
