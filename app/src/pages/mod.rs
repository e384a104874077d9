pub mod audit_log;
pub mod dashboard_users;
pub mod onboarding;
pub mod public;
pub mod system_configuration;
pub mod users;
