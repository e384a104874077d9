pub mod audit_log;
pub mod dashboard_users;
