//! Operator login, sessions and logout.
//!
//! Lockout: each attempt first *reserves* a try with one atomic
//! `UPDATE ... SET failed_logins = failed_logins + 1 WHERE failed_logins < 3 ... RETURNING`,
//! and only then spends time on argon2. At most three guesses can therefore ever be checked
//! against a password, however many requests arrive in parallel. A correct password clears
//! the counter; the third wrong one blocks the account and ends its sessions. For an
//! operator with two-factor authentication the right password only gives back its reserved
//! try: the code (`two_factor`) clears the counter.

use shared::Role;
use shared::dto::{Me, PendingStep};
use shared::secret::Secret;
use sqlx::{Any, Transaction};

use crate::Backend;
use crate::audit::{self, AuditAction, Record};
use crate::auth::{Actor, Operator, RequestMeta, first_pending_step};
use crate::error::{Error, Result};
use crate::password;

/// Consecutive failed logins that block an operator.
pub const MAX_FAILED_LOGINS: i64 = 3;

/// The secret an operator's browser holds (the cookie value). Only its digest is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(pub String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

#[derive(sqlx::FromRow)]
struct Attempt {
    id: i64,
    username: String,
    role: String,
    password_hash: String,
    failed_logins: i64,
    password_temporary: i64,
    mfa_enrolled_at: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    username: String,
    role: String,
    last_seen_at: i64,
    expires_at: i64,
    blocked_at: Option<String>,
    password_temporary: i64,
    code_pending: i64,
    mfa_enrolled_at: Option<String>,
    two_factor_required_roles: Option<String>,
}

/// What a new session grants.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionKind {
    Full,
    /// The password was right; nothing is granted until the two-factor code is given,
    /// and the session ends after `two_factor::CODE_WAIT`.
    AwaitingCode,
}

/// When sessions end, as of one instant: the one rule `authenticate` applies to a session
/// and the sweeper applies to the table.
pub(crate) struct SessionLimits {
    pub now: i64,
    /// A session last used at or before this is past its idle timeout.
    pub idle_since: i64,
}

impl SessionLimits {
    /// Past its absolute timeout (`expires_at`, set at login) or its idle timeout.
    pub fn has_ended(&self, last_seen_at: i64, expires_at: i64) -> bool {
        expires_at <= self.now || last_seen_at <= self.idle_since
    }
}

/// Whole seconds of a configured duration (saturating: a huge setting means "never").
pub(crate) fn secs(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2)
}

pub(crate) fn parse_role(stored: &str) -> Result<Role> {
    Role::parse(stored).ok_or_else(|| Error::Internal(format!("unknown role in store: {stored}")))
}

impl Backend {
    /// Checks a username and password and opens a dashboard session.
    pub async fn login(&self, username: &str, password: String, meta: &RequestMeta) -> Result<(Me, SessionToken)> {
        self.at_credential_door(meta, async {
            let operator = self.verify_operator_password(username, password, meta).await?;
            let kind = match operator.pending {
                Some(PendingStep::EnterCode) => SessionKind::AwaitingCode,
                _ => SessionKind::Full,
            };
            let mut tx = self.db.begin_write().await?;
            let token = self.open_session(&mut tx, operator.id, meta, kind).await?;
            tx.commit().await?;
            Ok((operator.me(), token))
        })
        .await
    }

    /// Checks an operator's credentials under the lockout rule (for the dashboard login and
    /// the OAuth2 password grant). Every refusal is the same `InvalidCredentials`, after the
    /// same argon2 work. An operator with two-factor authentication comes back with the
    /// code still to give (`PendingStep::EnterCode`).
    pub async fn verify_operator_password(
        &self,
        username: &str,
        password: String,
        meta: &RequestMeta,
    ) -> Result<Operator> {
        let username = username.trim().to_lowercase();
        // The argon2 slot first: a refusal for lack of one counts as no attempt at all.
        let permit = self.hash_slots.permit()?;
        let attempt: Option<Attempt> = sqlx::query_as(
            "UPDATE operators SET failed_logins = failed_logins + 1 \
             WHERE username = $1 AND blocked_at IS NULL AND failed_logins < $2 \
             RETURNING id, username, role, password_hash, failed_logins, password_temporary, mfa_enrolled_at",
        )
        .bind(&username)
        .bind(MAX_FAILED_LOGINS)
        .fetch_optional(&self.db.pool)
        .await?;

        let Some(attempt) = attempt else {
            // Unknown, blocked, or out of tries: spend the same time, say the same thing.
            password::verify(permit, password, password::dummy_hash()).await;
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM operators WHERE username = $1")
                .bind(&username)
                .fetch_optional(&self.db.pool)
                .await?;
            self.audit_failed_login(known, AuditAction::LoginRefused, meta).await?;
            return Err(Error::InvalidCredentials);
        };

        if !password::verify(permit, password, attempt.password_hash.clone()).await {
            self.record_wrong_attempt(attempt.id, attempt.failed_logins, meta).await?;
            return Err(Error::InvalidCredentials);
        }

        let role = parse_role(&attempt.role)?;
        let enrolled = attempt.mfa_enrolled_at.is_some();
        let must_enrol = !enrolled && self.two_factor_required(role).await?;
        let operator = Operator {
            id: attempt.id,
            username: attempt.username.clone(),
            role,
            token_scopes: None,
            pending: first_pending_step(enrolled, attempt.password_temporary != 0, must_enrol),
        };
        let mut tx = self.db.begin_write().await?;
        // Only if nothing blocked the account while argon2 ran: the counter is cleared, or
        // with two-factor authentication the reserved try given back (the code clears it).
        let (update, action) = if enrolled {
            let give_back = "UPDATE operators SET failed_logins = failed_logins - 1 \
                             WHERE id = $1 AND blocked_at IS NULL AND failed_logins > 0";
            (sqlx::query(give_back).bind(operator.id), AuditAction::LoginPasswordAccepted)
        } else {
            let clear =
                "UPDATE operators SET failed_logins = 0, last_login_at = $1 WHERE id = $2 AND blocked_at IS NULL";
            (sqlx::query(clear).bind(self.clock.now_rfc3339()).bind(operator.id), AuditAction::LoginSucceeded)
        };
        let cleared = update.execute(&mut *tx).await?.rows_affected();
        if cleared == 0 {
            drop(tx);
            self.audit_failed_login(Some(operator.id), AuditAction::LoginRefused, meta).await?;
            return Err(Error::InvalidCredentials);
        }
        let actor = Actor::Operator(operator.clone());
        audit::write(&mut tx, &actor, meta, Record::new(action, operator.id)).await?;
        tx.commit().await?;
        Ok(operator)
    }

    /// A logged-in operator confirms their own password (to change it, or a factor): the
    /// hash checked is answered. A try is reserved first, as at login, and a wrong password
    /// keeps it, with the same lockout: a stolen session cannot guess the password for ever,
    /// nor in parallel.
    pub(crate) async fn check_own_password(
        &self,
        op: &Operator,
        current: Secret,
        meta: &RequestMeta,
    ) -> Result<String> {
        let permit = self.hash_slots.permit()?;
        let reserved: Option<(i64, String)> = sqlx::query_as(
            "UPDATE operators SET failed_logins = failed_logins + 1 \
             WHERE id = $1 AND blocked_at IS NULL AND failed_logins < $2 RETURNING failed_logins, password_hash",
        )
        .bind(op.id)
        .bind(MAX_FAILED_LOGINS)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some((failed, stored)) = reserved else { return Err(Error::Unauthenticated) };
        if password::verify(permit, current.into_inner(), stored.clone()).await {
            self.give_back_try(op.id).await?;
            return Ok(stored);
        }
        self.record_wrong_attempt(op.id, failed, meta).await?;
        Err(Error::invalid("currentPassword", "The current password is not right."))
    }

    /// Gives back a try reserved for a check that was right (it was no failed login) or that
    /// a fault interrupted (it was nobody's guess).
    pub(crate) async fn give_back_try(&self, operator_id: i64) -> Result<()> {
        sqlx::query("UPDATE operators SET failed_logins = failed_logins - 1 WHERE id = $1 AND failed_logins > 0")
            .bind(operator_id)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Audits a wrong password or code whose try was counted (`failed_logins` is the count
    /// with it), and blocks the operator at the third.
    pub(crate) async fn record_wrong_attempt(
        &self,
        operator_id: i64,
        failed_logins: i64,
        meta: &RequestMeta,
    ) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        audit::write(&mut tx, &Actor::Anonymous, meta, Record::new(AuditAction::LoginFailed, operator_id)).await?;
        if failed_logins >= MAX_FAILED_LOGINS {
            let blocked = sqlx::query("UPDATE operators SET blocked_at = $1 WHERE id = $2 AND blocked_at IS NULL")
                .bind(self.clock.now_rfc3339())
                .bind(operator_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if blocked > 0 {
                end_all_sessions(&mut tx, operator_id).await?;
                let record = Record::new(AuditAction::OperatorBlocked, operator_id)
                    .after(&serde_json::json!({ "failedLogins": failed_logins }))?;
                audit::write(&mut tx, &Actor::Anonymous, meta, record).await?;
                tracing::warn!(operator_id, "operator blocked after failed logins");
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn audit_failed_login(
        &self,
        operator_id: Option<i64>,
        action: AuditAction,
        meta: &RequestMeta,
    ) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        let mut record = Record::untargeted(action);
        record.target_id = operator_id.map(|id| id.to_string());
        audit::write(&mut tx, &Actor::Anonymous, meta, record).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn open_session(
        &self,
        tx: &mut Transaction<'_, Any>,
        operator_id: i64,
        meta: &RequestMeta,
        kind: SessionKind,
    ) -> Result<SessionToken> {
        let token = SessionToken(password::random_token(32));
        let now = self.clock.unix_now();
        let lifetime = match kind {
            SessionKind::Full => secs(self.sessions.absolute_timeout),
            SessionKind::AwaitingCode => crate::two_factor::CODE_WAIT.min(secs(self.sessions.absolute_timeout)),
        };
        let expires_at = now + lifetime;
        sqlx::query(
            "INSERT INTO operator_sessions \
             (token_digest, public_id, operator_id, created_at, last_seen_at, expires_at, client_ip, user_agent, \
              code_pending) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(password::token_digest(&token.0))
        .bind(password::random_token(12))
        .bind(operator_id)
        .bind(now)
        .bind(now)
        .bind(expires_at)
        .bind(&meta.client_ip)
        .bind(&meta.user_agent)
        .bind(i64::from(kind == SessionKind::AwaitingCode))
        .execute(&mut **tx)
        .await?;
        Ok(token)
    }

    /// The session limits as of now, by this service's clock.
    pub(crate) fn session_limits(&self) -> SessionLimits {
        let now = self.clock.unix_now();
        SessionLimits { now, idle_since: now.saturating_sub(secs(self.sessions.idle_timeout)) }
    }

    /// The operator behind a session cookie, if the session is still alive. Touches the
    /// session (at most once a minute) to extend its idle timeout.
    pub async fn authenticate(&self, token: &SessionToken) -> Result<Operator> {
        let digest = password::token_digest(&token.0);
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT o.id, o.username, o.role, s.last_seen_at, s.expires_at, o.blocked_at, o.password_temporary, \
                    s.code_pending, o.mfa_enrolled_at, \
                    (SELECT value FROM settings WHERE key = $2) AS two_factor_required_roles \
             FROM operator_sessions s JOIN operators o ON o.id = s.operator_id \
             WHERE s.token_digest = $1",
        )
        .bind(&digest)
        .bind(crate::settings::TWO_FACTOR_REQUIRED_ROLES)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(row) = row else { return Err(Error::Unauthenticated) };
        let limits = self.session_limits();
        if limits.has_ended(row.last_seen_at, row.expires_at) || row.blocked_at.is_some() {
            sqlx::query("DELETE FROM operator_sessions WHERE token_digest = $1")
                .bind(&digest)
                .execute(&self.db.pool)
                .await?;
            return Err(Error::Unauthenticated);
        }
        if limits.now - row.last_seen_at >= 60 {
            sqlx::query("UPDATE operator_sessions SET last_seen_at = $1 WHERE token_digest = $2")
                .bind(limits.now)
                .bind(&digest)
                .execute(&self.db.pool)
                .await?;
        }
        let role = parse_role(&row.role)?;
        let must_enrol = row.mfa_enrolled_at.is_none()
            && crate::two_factor::requires_two_factor(row.two_factor_required_roles.as_deref(), role);
        Ok(Operator {
            id: row.id,
            username: row.username,
            role,
            token_scopes: None,
            pending: first_pending_step(row.code_pending != 0, row.password_temporary != 0, must_enrol),
        })
    }

    /// The operator as they are now (an operator deleted or blocked since can do nothing,
    /// one whose role now requires two-factor authentication nothing before setting it up).
    pub(crate) async fn operator_actor(&self, id: i64) -> Result<Actor> {
        #[derive(sqlx::FromRow)]
        struct Row {
            username: String,
            role: String,
            blocked_at: Option<String>,
            password_temporary: i64,
            mfa_enrolled_at: Option<String>,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT username, role, blocked_at, password_temporary, mfa_enrolled_at FROM operators WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(Row { username, role, blocked_at: None, password_temporary, mfa_enrolled_at }) = row else {
            return Ok(Actor::Anonymous);
        };
        let role = parse_role(&role)?;
        let must_enrol = mfa_enrolled_at.is_none() && self.two_factor_required(role).await?;
        Ok(Actor::Operator(Operator {
            pending: first_pending_step(false, password_temporary != 0, must_enrol),
            id,
            username,
            role,
            token_scopes: None,
        }))
    }

    /// Ends the session behind `token` (no error if it had already ended).
    pub async fn logout(&self, token: &SessionToken, meta: &RequestMeta) -> Result<()> {
        let operator = match self.authenticate(token).await {
            Ok(op) => op,
            Err(Error::Unauthenticated) => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut tx = self.db.begin_write().await?;
        sqlx::query("DELETE FROM operator_sessions WHERE token_digest = $1")
            .bind(password::token_digest(&token.0))
            .execute(&mut *tx)
            .await?;
        let actor = Actor::Operator(operator.clone());
        audit::write(&mut tx, &actor, meta, Record::new(AuditAction::Logout, operator.id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many live session rows an operator has (for tests and the admin view).
    pub async fn session_count(&self, operator_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM operator_sessions WHERE operator_id = $1")
            .bind(operator_id)
            .fetch_one(&self.db.pool)
            .await?)
    }
}

/// Ends every session and revokes every API token of an operator (blocked, deleted, role
/// changed, ended by a Manager). Answers how many sessions ended.
pub(crate) async fn end_all_sessions(tx: &mut Transaction<'_, Any>, operator_id: i64) -> Result<u64> {
    let ended = sqlx::query("DELETE FROM operator_sessions WHERE operator_id = $1")
        .bind(operator_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM access_tokens WHERE operator_id = $1").bind(operator_id).execute(&mut **tx).await?;
    Ok(ended)
}
