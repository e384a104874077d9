//! Two-factor authentication of operators: TOTP codes (RFC 6238: HMAC-SHA-1, 6 digits,
//! 30-second steps) from an authenticator app, and ten single-use recovery codes.
//!
//! - Enrolment: `start` keeps a new secret aside (the current password is asked again) and
//!   shows it as a QR code; `confirm` with a code from the app makes it the operator's.
//! - Login: a right password of an enrolled operator opens a session that grants nothing
//!   (`code_pending`) for `CODE_WAIT` seconds; `verify_login_code` trades it for a full one.
//!   Codes count against the same lockout as passwords (three wrong in a row block), and a
//!   right password does not clear that count, so the password alone cannot buy guesses.
//! - A code works once: the step of the last accepted code is kept and only a later one is
//!   taken. A recovery code is spent by one conditional UPDATE.

use shared::Role;
use shared::dto::{Me, PendingStep, RecoveryCodes, TwoFactorEnrolment, TwoFactorStatus};
use shared::secret::Secret;
use sqlx::{Any, Transaction};
use totp_rs::{Algorithm, TOTP};

use crate::Backend;
use crate::audit::{self, AuditAction, Record};
use crate::auth::{Actor, Operator, RequestMeta, first_pending_step};
use crate::error::{Error, Result};
use crate::password;
use crate::sessions::{MAX_FAILED_LOGINS, SessionKind, SessionToken, end_all_sessions, parse_role};

/// The name authenticator apps show beside the account.
const ISSUER: &str = "Back office";
const STEP_SECS: u64 = 30;
const DIGITS: usize = 6;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
/// 80 random bits: 16 base32 characters, shown as four groups of four.
const RECOVERY_CODE_BYTES: usize = 10;
/// How long a login waits for its code, in seconds.
pub const CODE_WAIT: i64 = 300;

/// The authenticator of a secret; `account` only labels it in the app (a ':' would split
/// the otpauth label, and e-mail addresses may hold one).
fn authenticator(secret_base32: &str, account: &str) -> Result<TOTP> {
    let secret = totp_rs::Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|_| Error::Internal("a stored two-factor secret is not base32".into()))?;
    TOTP::new(Algorithm::SHA1, DIGITS, 0, STEP_SECS, secret, Some(ISSUER.to_string()), account.replace(':', "_"))
        .map_err(|e| Error::Internal(format!("two-factor parameters refused: {e}")))
}

/// The 30-second step of `code` among the previous, current and next steps at `now`
/// (clocks drift), if it is later than `after` (the last accepted one).
fn matching_step(totp: &TOTP, code: &str, now: i64, after: Option<i64>) -> Option<i64> {
    let current = now.max(0) / STEP_SECS as i64;
    (current - 1..=current + 1)
        .filter(|step| after.is_none_or(|last| *step > last))
        .find(|step| totp.check(code, (*step as u64) * STEP_SECS))
}

fn base32(bytes: &[u8]) -> String {
    match totp_rs::Secret::Raw(bytes.to_vec()).to_encoded() {
        totp_rs::Secret::Encoded(text) => text,
        totp_rs::Secret::Raw(_) => String::new(),
    }
}

fn random_bytes(n: usize) -> Vec<u8> {
    use rand_core::{OsRng, RngCore};
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// `abcd-efgh-ijkl-mnop`: easy to read out and to type.
fn new_recovery_code() -> String {
    let text = base32(&random_bytes(RECOVERY_CODE_BYTES)).to_lowercase();
    let groups: Vec<&str> = text.as_bytes().chunks(4).filter_map(|c| std::str::from_utf8(c).ok()).collect();
    groups.join("-")
}

/// A recovery code as stored: lower case, without the dashes and spaces people type.
fn recovery_code_digest(typed: &str) -> String {
    let normalized: String =
        typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    password::token_digest(&normalized)
}

/// What an operator typed for their second factor.
enum Factor<'a> {
    /// Six digits from the authenticator app (spaces dropped: "123 456" is a code).
    Code(String),
    RecoveryCode(&'a str),
}

impl<'a> Factor<'a> {
    fn of(typed: &'a str) -> Factor<'a> {
        let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == DIGITS && digits.chars().all(|c| c.is_ascii_digit()) {
            Factor::Code(digits)
        } else {
            Factor::RecoveryCode(typed)
        }
    }
}

/// A try of an operator's second factor, reserved under the lockout.
#[derive(sqlx::FromRow)]
struct CodeAttempt {
    id: i64,
    username: String,
    role: String,
    failed_logins: i64,
    password_temporary: i64,
    mfa_secret: Option<String>,
    mfa_last_step: Option<i64>,
}

/// Whether the stored list of System Configuration (`settings::TWO_FACTOR_REQUIRED_ROLES`,
/// read in the same statement as a session or a token) requires two-factor authentication
/// of `role`: the one reading of that setting.
pub(crate) fn requires_two_factor(stored_roles: Option<&str>, role: Role) -> bool {
    stored_roles.is_some_and(|roles| crate::settings::parse_roles(roles).contains(&role))
}

/// Ends the password-grant tokens of the operators of `roles` who have no two-factor
/// authentication (their role now requires it, and such a token would go around it).
pub(crate) async fn end_tokens_without_two_factor(tx: &mut Transaction<'_, Any>, roles: &[Role]) -> Result<u64> {
    let mut ended = 0;
    for role in roles {
        ended += sqlx::query(
            "DELETE FROM access_tokens WHERE operator_id IN \
             (SELECT id FROM operators WHERE role = $1 AND mfa_secret IS NULL)",
        )
        .bind(role.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(ended)
}

impl Backend {
    /// Reserves a try of operator `id`'s second factor, as for passwords: at most three
    /// guesses however many requests arrive at once. `None`: blocked or out of tries.
    async fn reserve_factor_try(&self, id: i64) -> Result<Option<CodeAttempt>> {
        Ok(sqlx::query_as(
            "UPDATE operators SET failed_logins = failed_logins + 1 \
             WHERE id = $1 AND blocked_at IS NULL AND failed_logins < $2 \
             RETURNING id, username, role, failed_logins, password_temporary, mfa_secret, mfa_last_step",
        )
        .bind(id)
        .bind(MAX_FAILED_LOGINS)
        .fetch_optional(&self.db.pool)
        .await?)
    }

    /// Spends `typed` in `tx` if it is a right factor of `attempt`'s operator: a code of a
    /// step later than the last accepted one, or an unused recovery code. Answers which
    /// (for the audit), `None` if neither. Both are conditional UPDATEs, so two requests
    /// cannot spend the same factor.
    async fn spend_factor(
        &self,
        tx: &mut Transaction<'_, Any>,
        attempt: &CodeAttempt,
        secret: &str,
        typed: &str,
    ) -> Result<Option<&'static str>> {
        match Factor::of(typed) {
            Factor::Code(code) => {
                let totp = authenticator(secret, &attempt.username)?;
                let Some(step) = matching_step(&totp, &code, self.clock.unix_now(), attempt.mfa_last_step) else {
                    return Ok(None);
                };
                let spent = sqlx::query(
                    "UPDATE operators SET mfa_last_step = $1 \
                     WHERE id = $2 AND (mfa_last_step IS NULL OR mfa_last_step < $1)",
                )
                .bind(step)
                .bind(attempt.id)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                Ok((spent == 1).then_some("code"))
            }
            Factor::RecoveryCode(code) => {
                let spent = sqlx::query(
                    "UPDATE operator_recovery_codes SET used_at = $1 \
                     WHERE operator_id = $2 AND code_digest = $3 AND used_at IS NULL",
                )
                .bind(self.clock.now_rfc3339())
                .bind(attempt.id)
                .bind(recovery_code_digest(code))
                .execute(&mut **tx)
                .await?
                .rows_affected();
                Ok((spent == 1).then_some("recoveryCode"))
            }
        }
    }

    /// Checks a second factor under the lockout: a try is reserved, a wrong factor keeps it
    /// (and the third blocks the operator), a right one is spent and the count cleared in the
    /// transaction answered, for the caller to finish and commit. A fault after the
    /// reservation gives the try back (it was nobody's guess).
    async fn check_factor(
        &self,
        operator_id: i64,
        typed: &str,
        meta: &RequestMeta,
    ) -> Result<(Transaction<'static, Any>, CodeAttempt, &'static str)> {
        let Some(attempt) = self.reserve_factor_try(operator_id).await? else {
            return Err(Error::InvalidCredentials);
        };
        let Some(secret) = attempt.mfa_secret.clone() else {
            // Reset by an Administrator meanwhile: that ended the session too.
            self.give_back_try(operator_id).await?;
            return Err(Error::Unauthenticated);
        };
        let mut tx = self.db.begin_write().await?;
        let spent = match self.spend_factor(&mut tx, &attempt, &secret, typed).await {
            Ok(spent) => spent,
            Err(fault) => {
                drop(tx);
                self.give_back_try(operator_id).await?;
                return Err(fault);
            }
        };
        let Some(method) = spent else {
            // The write lock first: SQLite takes one writer at a time.
            drop(tx);
            self.record_wrong_attempt(operator_id, attempt.failed_logins, meta).await?;
            return Err(Error::InvalidCode);
        };
        sqlx::query("UPDATE operators SET failed_logins = 0 WHERE id = $1").bind(operator_id).execute(&mut *tx).await?;
        Ok((tx, attempt, method))
    }

    /// Whether System Configuration requires two-factor authentication of `role`.
    pub(crate) async fn two_factor_required(&self, role: Role) -> Result<bool> {
        let stored: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(crate::settings::TWO_FACTOR_REQUIRED_ROLES)
            .fetch_optional(&self.db.pool)
            .await?;
        Ok(requires_two_factor(stored.as_deref(), role))
    }

    /// The caller's own two-factor authentication.
    pub async fn two_factor_status(&self, actor: &Actor) -> Result<TwoFactorStatus> {
        let op = actor.dashboard_operator()?;
        op.require_reached(PendingStep::EnrolTwoFactor)?;
        let enrolled_at: Option<String> = sqlx::query_scalar("SELECT mfa_enrolled_at FROM operators WHERE id = $1")
            .bind(op.id)
            .fetch_optional(&self.db.pool)
            .await?
            .ok_or(Error::Unauthenticated)?;
        let recovery_codes_left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM operator_recovery_codes WHERE operator_id = $1 AND used_at IS NULL",
        )
        .bind(op.id)
        .fetch_one(&self.db.pool)
        .await?;
        Ok(TwoFactorStatus { enrolled_at, recovery_codes_left, required: self.two_factor_required(op.role).await? })
    }

    /// Step one of enrolment: a new secret, kept aside until a code confirms it. The current
    /// password is asked again, and to replace a set-up a code of the current one (a
    /// session left open must not be enough to change or take over a factor).
    pub async fn start_two_factor_enrolment(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        current_password: Secret,
        current_code: Option<&str>,
    ) -> Result<TwoFactorEnrolment> {
        let op = actor.dashboard_operator()?;
        op.require_reached(PendingStep::EnrolTwoFactor)?;
        let enrolled: Option<String> = sqlx::query_scalar("SELECT mfa_enrolled_at FROM operators WHERE id = $1")
            .bind(op.id)
            .fetch_optional(&self.db.pool)
            .await?
            .ok_or(Error::Unauthenticated)?;
        let current_code = current_code.map(str::trim).filter(|c| !c.is_empty());
        if enrolled.is_some() && current_code.is_none() {
            return Err(Error::invalid(
                "currentCode",
                "Enter a code of your current authenticator app (or a recovery code).",
            ));
        }
        self.check_own_password(op, current_password, meta).await?;
        if let (Some(_), Some(code)) = (&enrolled, current_code) {
            let (tx, _, _) = self.check_factor(op.id, code, meta).await.map_err(|e| match e {
                Error::InvalidCode => Error::invalid("currentCode", "That code is not right."),
                other => other,
            })?;
            tx.commit().await?;
        }
        let secret = base32(&random_bytes(SECRET_BYTES));
        let totp = authenticator(&secret, &op.username)?;
        let otpauth_uri = totp.get_url();
        let qr_svg = qrcode::QrCode::new(otpauth_uri.as_bytes())
            .map_err(|e| Error::Internal(format!("QR code: {e}")))?
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build();

        let mut change = self.open_change(actor, meta).await?;
        sqlx::query("UPDATE operators SET mfa_pending_secret = $1 WHERE id = $2")
            .bind(&secret)
            .bind(op.id)
            .execute(&mut *change.tx)
            .await?;
        change.audit(Record::new(AuditAction::TwoFactorEnrolmentStarted, op.id)).await?;
        change.commit().await?;
        let grouped: Vec<&str> = secret.as_bytes().chunks(4).filter_map(|c| std::str::from_utf8(c).ok()).collect();
        Ok(TwoFactorEnrolment { qr_svg, otpauth_uri: Secret::new(otpauth_uri), secret: Secret::new(grouped.join(" ")) })
    }

    /// Step two: a code from the app proves it holds the secret, which becomes the
    /// operator's (replacing any earlier one). Answers the ten recovery codes, shown once.
    /// The operator's other sessions and API tokens end: they were opened without it.
    pub async fn confirm_two_factor_enrolment(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        keep_session: Option<&SessionToken>,
        code: &str,
    ) -> Result<(Me, RecoveryCodes)> {
        let op = actor.dashboard_operator()?;
        op.require_reached(PendingStep::EnrolTwoFactor)?;
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT mfa_pending_secret, mfa_secret FROM operators WHERE id = $1")
                .bind(op.id)
                .fetch_optional(&self.db.pool)
                .await?;
        let (pending, current) = row.ok_or(Error::Unauthenticated)?;
        let pending =
            pending.ok_or_else(|| Error::Conflict("Start the set-up again: there is no code to confirm.".into()))?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let step = matching_step(&authenticator(&pending, &op.username)?, &code, self.clock.unix_now(), None)
            .ok_or_else(|| {
                Error::invalid("code", "That code is not right. Check the clock of your device and try again.")
            })?;

        let codes: Vec<String> = (0..RecoveryCodes::COUNT).map(|_| new_recovery_code()).collect();
        let mut change = self.open_change(actor, meta).await?;
        // Conditional on the secret shown: a set-up started again meanwhile is not confirmed
        // by a code of the earlier one.
        let confirmed = sqlx::query(
            "UPDATE operators SET mfa_secret = mfa_pending_secret, mfa_pending_secret = NULL, \
             mfa_enrolled_at = $1, mfa_last_step = $2, failed_logins = 0 WHERE id = $3 AND mfa_pending_secret = $4",
        )
        .bind(self.clock.now_rfc3339())
        .bind(step)
        .bind(op.id)
        .bind(&pending)
        .execute(&mut *change.tx)
        .await?
        .rows_affected();
        if confirmed != 1 {
            return Err(Error::Conflict("The set-up was started again meanwhile: use the latest QR code.".into()));
        }
        sqlx::query("DELETE FROM operator_recovery_codes WHERE operator_id = $1")
            .bind(op.id)
            .execute(&mut *change.tx)
            .await?;
        for code in &codes {
            sqlx::query("INSERT INTO operator_recovery_codes (operator_id, code_digest) VALUES ($1, $2)")
                .bind(op.id)
                .bind(recovery_code_digest(code))
                .execute(&mut *change.tx)
                .await?;
        }
        sqlx::query("DELETE FROM operator_sessions WHERE operator_id = $1 AND token_digest <> $2")
            .bind(op.id)
            .bind(keep_session.map(|t| password::token_digest(&t.0)).unwrap_or_default())
            .execute(&mut *change.tx)
            .await?;
        sqlx::query("DELETE FROM access_tokens WHERE operator_id = $1").bind(op.id).execute(&mut *change.tx).await?;
        let record = Record::new(AuditAction::TwoFactorEnrolled, op.id)
            .after(&serde_json::json!({ "replacedEarlier": current.is_some() }))?;
        change.audit(record).await?;
        change.commit().await?;
        let me = Me { pending: op.pending.filter(|step| *step != PendingStep::EnrolTwoFactor), ..op.me() };
        Ok((me, RecoveryCodes(codes.into_iter().map(Secret::new).collect())))
    }

    /// The second step of a two-factor login: a code from the app or a recovery code turns
    /// the waiting session into a full one. Answers the operator and the new session's
    /// token (a new one: the waiting session's ends).
    pub async fn verify_login_code(
        &self,
        waiting: &SessionToken,
        typed: &str,
        meta: &RequestMeta,
    ) -> Result<(Me, SessionToken)> {
        self.at_credential_door(meta, async {
            let op = self.authenticate(waiting).await?;
            if op.pending != Some(PendingStep::EnterCode) {
                return Err(Error::Conflict("This session needs no code.".into()));
            }
            let (mut tx, attempt, method) = self.check_factor(op.id, typed, meta).await?;
            let cleared = sqlx::query("UPDATE operators SET last_login_at = $1 WHERE id = $2 AND blocked_at IS NULL")
                .bind(self.clock.now_rfc3339())
                .bind(attempt.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if cleared == 0 {
                return Err(Error::InvalidCredentials);
            }
            // One full session per waiting one: of two requests with two right factors, the
            // second finds the waiting session gone.
            let replaced = sqlx::query("DELETE FROM operator_sessions WHERE token_digest = $1 AND code_pending = 1")
                .bind(password::token_digest(&waiting.0))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if replaced != 1 {
                return Err(Error::Unauthenticated);
            }
            let token = self.open_session(&mut tx, attempt.id, meta, SessionKind::Full).await?;
            let left: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM operator_recovery_codes WHERE operator_id = $1 AND used_at IS NULL",
            )
            .bind(attempt.id)
            .fetch_one(&mut *tx)
            .await?;
            let operator = Operator {
                id: attempt.id,
                username: attempt.username,
                role: parse_role(&attempt.role)?,
                token_scopes: None,
                pending: first_pending_step(false, attempt.password_temporary != 0, false),
            };
            let record = Record::new(AuditAction::LoginSucceeded, operator.id)
                .after(&serde_json::json!({ "secondFactor": method, "recoveryCodesLeft": left }))?;
            audit::write(&mut tx, &Actor::Operator(operator.clone()), meta, record).await?;
            tx.commit().await?;
            Ok((operator.me(), token))
        })
        .await
    }

    /// An Administrator removes an operator's two-factor authentication (a lost phone and
    /// lost recovery codes): every session and token of the operator ends, and they set it
    /// up again at their next login if their role requires it.
    pub async fn reset_operator_two_factor(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<()> {
        if actor.operator_id() == Some(id) {
            // A stolen Administrator session must not strip its own second factor.
            return Err(Error::Forbidden(
                "Another Administrator (or the command line) resets your two-factor authentication.",
            ));
        }
        let mut change = self.begin_change(actor, meta, shared::Action::ResetOperatorTwoFactor).await?;
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT role, mfa_enrolled_at FROM operators WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *change.tx)
                .await?;
        let (role, enrolled_at) = row.ok_or(Error::NotFound)?;
        actor.require_may_manage(parse_role(&role)?)?;
        if enrolled_at.is_none() {
            return Err(Error::Conflict("This operator has no two-factor authentication.".into()));
        }
        sqlx::query(
            "UPDATE operators SET mfa_secret = NULL, mfa_pending_secret = NULL, mfa_enrolled_at = NULL, \
             mfa_last_step = NULL WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *change.tx)
        .await?;
        sqlx::query("DELETE FROM operator_recovery_codes WHERE operator_id = $1")
            .bind(id)
            .execute(&mut *change.tx)
            .await?;
        let ended = end_all_sessions(&mut change.tx, id).await?;
        let record = Record::new(AuditAction::TwoFactorReset, id)
            .before(&serde_json::json!({ "enrolledAt": enrolled_at }))?
            .after(&serde_json::json!({ "sessionsEnded": ended }))?;
        change.audit(record).await?;
        change.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(secret: &str) -> TOTP {
        authenticator(secret, "op@example.com").unwrap()
    }

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only_once() {
        let secret = base32(&random_bytes(SECRET_BYTES));
        let totp = app(&secret);
        let now = 1_800_000_015;
        let step = now / 30;
        let code = totp.generate(now as u64);
        assert_eq!(matching_step(&totp, &code, now, None), Some(step));
        // A device 30 s behind or ahead still works; two steps away does not.
        assert_eq!(matching_step(&totp, &code, now + 30, None), Some(step));
        assert_eq!(matching_step(&totp, &code, now - 30, None), Some(step));
        assert_eq!(matching_step(&totp, &code, now + 60, None), None);
        // Once accepted, the same step is refused.
        assert_eq!(matching_step(&totp, &code, now, Some(step)), None);
        assert_eq!(matching_step(&totp, "000000", now, None).is_some(), totp.generate(now as u64) == "000000");
    }

    #[test]
    fn recovery_codes_are_random_readable_and_typed_loosely() {
        let a = new_recovery_code();
        let b = new_recovery_code();
        assert_ne!(a, b);
        assert_eq!(a.len(), 19, "{a}");
        assert_eq!(a.split('-').count(), 4);
        assert_eq!(recovery_code_digest(&a), recovery_code_digest(&a.replace('-', " ").to_uppercase()));
        assert_ne!(recovery_code_digest(&a), recovery_code_digest(&b));
    }

    #[test]
    fn six_digits_are_a_code_anything_else_a_recovery_code() {
        assert!(matches!(Factor::of("123456"), Factor::Code(_)));
        assert!(matches!(Factor::of(" 123456 "), Factor::Code(_)));
        assert!(matches!(Factor::of("123 456"), Factor::Code(c) if c == "123456"));
        assert!(matches!(Factor::of("12345"), Factor::RecoveryCode(_)));
        assert!(matches!(Factor::of("abcd-efgh-ijkl-mnop"), Factor::RecoveryCode(_)));
    }
}
