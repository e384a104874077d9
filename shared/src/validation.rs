//! Field rules the browser checks as the user types and the server checks again.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A refusal that names the field and the rule it broke.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError { field: field.to_string(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

pub const EMAIL_MAX_LEN: usize = 200;
pub const PASSWORD_MIN_LEN: usize = 12;
pub const PASSWORD_MAX_LEN: usize = 128;
pub const SAML_KEY_MAX_LEN: usize = 200;

/// Is `s` a plausible email address? Deliberately simple (one `@`, a dotted domain, no
/// spaces): the real proof of an address is a message that reaches it.
pub fn is_valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    let ok_chars =
        |part: &str| !part.is_empty() && part.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '@');
    ok_chars(local)
        && ok_chars(domain)
        && local.len() <= 64
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.contains('.')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

/// An operator's username: an email address, compared without regard to case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, FieldError> {
        let normalized = raw.trim().to_lowercase();
        if normalized.is_empty() {
            return Err(FieldError::new("username", "Username is required."));
        }
        if normalized.chars().count() > EMAIL_MAX_LEN {
            return Err(FieldError::new("username", format!("Username must be at most {EMAIL_MAX_LEN} characters.")));
        }
        if normalized.chars().any(is_invisible) {
            return Err(FieldError::new("username", "Username must not contain invisible or control characters."));
        }
        if !is_valid_email(&normalized) {
            return Err(FieldError::new("username", "Username must be a valid email address."));
        }
        Ok(Username(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text from a client: trimmed, empty meaning none, at most `max` characters, and no
/// control character (Postgres text cannot even hold a NUL; a 400, never a 500).
pub fn clean_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(FieldError::new(field, format!("{field} is at most {max} characters.")));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(field, format!("{field} must not contain control characters.")));
    }
    Ok(Some(text.to_string()))
}

/// Control characters, and the format characters that show nothing (zero-width spaces and
/// joiners, direction marks and overrides, the soft hyphen, the byte-order mark): two
/// usernames that look the same must be the same.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Length is what makes a password strong (NIST SP 800-63B); we also refuse one that
/// repeats the username or a single character.
pub fn check_password_strength(password: &str, username: &str) -> Result<(), FieldError> {
    let len = password.chars().count();
    if len < PASSWORD_MIN_LEN {
        return Err(FieldError::new("password", format!("Password must be at least {PASSWORD_MIN_LEN} characters.")));
    }
    if len > PASSWORD_MAX_LEN {
        return Err(FieldError::new("password", format!("Password must be at most {PASSWORD_MAX_LEN} characters.")));
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(FieldError::new("password", "Password must not repeat a single character."));
    }
    let local_part = username.split('@').next().unwrap_or_default().to_lowercase();
    if local_part.len() >= 3 && password.to_lowercase().contains(&local_part) {
        return Err(FieldError::new("password", "Password must not contain the username."));
    }
    Ok(())
}

pub fn check_saml_key(saml_key: &str) -> Result<(), FieldError> {
    if saml_key.chars().count() > SAML_KEY_MAX_LEN {
        return Err(FieldError::new("samlKey", format!("SAML Key must be at most {SAML_KEY_MAX_LEN} characters.")));
    }
    if saml_key.chars().any(char::is_control) {
        return Err(FieldError::new("samlKey", "SAML Key must not contain control characters."));
    }
    Ok(())
}

/// Every problem of an operator form ("Add a new user" / "Update"), by field. The password
/// is required when creating; on update an empty one keeps the current password.
pub fn operator_form_errors(form: &crate::dto::OperatorForm, creating: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(e) = Username::parse(&form.username) {
        errors.push(e);
    }
    if form.role.is_none() {
        errors.push(FieldError::new("role", "Role is required."));
    }
    if form.password.is_empty() {
        if creating {
            errors.push(FieldError::new("password", "Password is required."));
        }
    } else if let Err(e) = check_password_strength(form.password.expose(), form.username.trim()) {
        errors.push(e);
    }
    if let Err(e) = check_saml_key(form.saml_key.trim()) {
        errors.push(e);
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;
    use crate::dto::OperatorForm;

    #[test]
    fn operator_forms_report_every_field() {
        let empty = OperatorForm::default();
        let fields: Vec<String> = operator_form_errors(&empty, true).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["username", "role", "password"]);
        let update = OperatorForm {
            username: "ada@example.com".into(),
            role: Some(Role::Support),
            password: Default::default(),
            saml_key: String::new(),
        };
        assert!(operator_form_errors(&update, false).is_empty());
        assert_eq!(operator_form_errors(&update, true)[0].field, "password");
    }

    #[test]
    fn usernames_are_emails_compared_case_insensitively() {
        assert_eq!(Username::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@@example.com",
            "ada@example..com",
            "ada@.example.com",
            "ada\u{200B}@example.com",
            "ad\u{202E}a@example.com",
            "ada\u{0007}@example.com",
        ] {
            let err = Username::parse(bad).unwrap_err();
            assert_eq!(err.field, "username", "{bad:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(60)).repeat(1);
        assert!(Username::parse(&long).is_ok());
        let too_long = format!("a@{}.com", "b".repeat(EMAIL_MAX_LEN));
        assert!(Username::parse(&too_long).unwrap_err().message.contains("at most"));
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(check_password_strength("short", "ada@example.com").is_err());
        assert!(check_password_strength("aaaaaaaaaaaaaaaa", "ada@example.com").is_err());
        assert!(check_password_strength("my-ada-password!", "ada@example.com").is_err());
        assert!(check_password_strength(&"x1".repeat(65), "ada@example.com").is_err());
        assert!(check_password_strength("correct horse battery", "ada@example.com").is_ok());
    }

    #[test]
    fn saml_keys_are_bounded() {
        assert!(check_saml_key("").is_ok());
        assert!(check_saml_key("saml-123").is_ok());
        assert!(check_saml_key(&"k".repeat(201)).is_err());
        assert!(check_saml_key("a\nb").is_err());
    }
}
