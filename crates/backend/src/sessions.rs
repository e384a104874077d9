//! Operator login, sessions and logout.
//!
//! Lockout: each attempt first *reserves* a try with one atomic
//! `UPDATE ... SET failed_logins = failed_logins + 1 WHERE failed_logins < 3 ... RETURNING`,
//! and only then spends time on argon2. At most three guesses can therefore ever be checked
//! against a password, however many requests arrive in parallel. A correct password clears
//! the counter; the third wrong one blocks the account and ends its sessions.

use shared::Role;
use shared::dto::Me;
use sqlx::{Any, Transaction};

use crate::Backend;
use crate::audit::{self, AuditAction, Record};
use crate::auth::{Actor, Operator, RequestMeta};
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
            let mut tx = self.db.begin_write().await?;
            let token = self.open_session(&mut tx, operator.id, meta).await?;
            tx.commit().await?;
            let me = Me {
                id: operator.id,
                username: operator.username,
                role: operator.role,
                must_change_password: operator.must_change_password,
            };
            Ok((me, token))
        })
        .await
    }

    /// Checks an operator's credentials under the lockout rule (for the dashboard login and
    /// the OAuth2 password grant). Every refusal is the same `InvalidCredentials`, after the
    /// same argon2 work.
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
             RETURNING id, username, role, password_hash, failed_logins, password_temporary",
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
            self.record_wrong_password(&attempt, meta).await?;
            return Err(Error::InvalidCredentials);
        }

        let operator = Operator {
            id: attempt.id,
            username: attempt.username.clone(),
            role: parse_role(&attempt.role)?,
            token_scopes: None,
            must_change_password: attempt.password_temporary != 0,
        };
        let mut tx = self.db.begin_write().await?;
        // Cleared only if nothing blocked the account while argon2 ran.
        let cleared = sqlx::query(
            "UPDATE operators SET failed_logins = 0, last_login_at = $1 \
             WHERE id = $2 AND blocked_at IS NULL",
        )
        .bind(self.clock.now_rfc3339())
        .bind(operator.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if cleared == 0 {
            drop(tx);
            self.audit_failed_login(Some(operator.id), AuditAction::LoginRefused, meta).await?;
            return Err(Error::InvalidCredentials);
        }
        let actor = Actor::Operator(operator.clone());
        audit::write(&mut tx, &actor, meta, Record::new(AuditAction::LoginSucceeded, operator.id)).await?;
        tx.commit().await?;
        Ok(operator)
    }

    /// A wrong password given by a logged-in operator (changing their own): it counts as a
    /// failed login, with the same lockout.
    pub(crate) async fn count_wrong_password(&self, operator_id: i64, meta: &RequestMeta) -> Result<()> {
        let attempt: Option<Attempt> = sqlx::query_as(
            "UPDATE operators SET failed_logins = failed_logins + 1 WHERE id = $1 AND blocked_at IS NULL \
             RETURNING id, username, role, password_hash, failed_logins, password_temporary",
        )
        .bind(operator_id)
        .fetch_optional(&self.db.pool)
        .await?;
        match attempt {
            Some(attempt) => self.record_wrong_password(&attempt, meta).await,
            None => Ok(()),
        }
    }

    async fn record_wrong_password(&self, attempt: &Attempt, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        audit::write(&mut tx, &Actor::Anonymous, meta, Record::new(AuditAction::LoginFailed, attempt.id)).await?;
        if attempt.failed_logins >= MAX_FAILED_LOGINS {
            let blocked = sqlx::query("UPDATE operators SET blocked_at = $1 WHERE id = $2 AND blocked_at IS NULL")
                .bind(self.clock.now_rfc3339())
                .bind(attempt.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if blocked > 0 {
                end_all_sessions(&mut tx, attempt.id).await?;
                let record = Record::new(AuditAction::OperatorBlocked, attempt.id)
                    .after(&serde_json::json!({ "failedLogins": attempt.failed_logins }))?;
                audit::write(&mut tx, &Actor::Anonymous, meta, record).await?;
                tracing::warn!(operator_id = attempt.id, "operator blocked after failed logins");
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

    async fn open_session(
        &self,
        tx: &mut Transaction<'_, Any>,
        operator_id: i64,
        meta: &RequestMeta,
    ) -> Result<SessionToken> {
        let token = SessionToken(password::random_token(32));
        let now = self.clock.unix_now();
        let expires_at = now + secs(self.sessions.absolute_timeout);
        sqlx::query(
            "INSERT INTO operator_sessions \
             (token_digest, public_id, operator_id, created_at, last_seen_at, expires_at, client_ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(password::token_digest(&token.0))
        .bind(password::random_token(12))
        .bind(operator_id)
        .bind(now)
        .bind(now)
        .bind(expires_at)
        .bind(&meta.client_ip)
        .bind(&meta.user_agent)
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
            "SELECT o.id, o.username, o.role, s.last_seen_at, s.expires_at, o.blocked_at, o.password_temporary \
             FROM operator_sessions s JOIN operators o ON o.id = s.operator_id \
             WHERE s.token_digest = $1",
        )
        .bind(&digest)
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
        Ok(Operator {
            id: row.id,
            username: row.username,
            role: parse_role(&row.role)?,
            token_scopes: None,
            must_change_password: row.password_temporary != 0,
        })
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
