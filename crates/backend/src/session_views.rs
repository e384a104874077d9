//! Sessions as people manage them: an operator's own live sessions (My sessions), ending
//! one of them, and a Manager or Administrator ending every session of an operator.

use shared::dto::{PendingStep, SessionInfo};

use crate::Backend;
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock::unix_to_rfc3339;
use crate::error::{Error, Result};
use crate::password;
use crate::sessions::{SessionToken, end_all_sessions};

/// Most sessions one operator can list (sessions end within hours; a longer list would be
/// someone scripting logins, and the newest are the ones that matter).
const MAX_LISTED: i64 = 100;

#[derive(sqlx::FromRow)]
struct SessionRow {
    public_id: Option<String>,
    token_digest: String,
    created_at: i64,
    last_seen_at: i64,
    client_ip: Option<String>,
    user_agent: Option<String>,
    code_pending: i64,
}

/// The operator a session belongs to: sessions are an operator's own, whatever their role
/// (API clients and password-grant tokens have none).
fn session_owner(actor: &Actor) -> Result<i64> {
    let op = actor.dashboard_operator()?;
    // Not from a login still waiting for its two-factor code.
    op.require_reached(PendingStep::ChangePassword)?;
    Ok(op.id)
}

impl Backend {
    /// The caller's live sessions, the most recently used first; `current` marks the one the
    /// request came with.
    pub async fn my_sessions(&self, actor: &Actor, current: Option<&SessionToken>) -> Result<Vec<SessionInfo>> {
        let operator_id = session_owner(actor)?;
        // Live as `SessionLimits::has_ended` says: not past the absolute nor the idle timeout.
        let limits = self.session_limits();
        let rows: Vec<SessionRow> = sqlx::query_as(
            "SELECT public_id, token_digest, created_at, last_seen_at, client_ip, user_agent, code_pending \
             FROM operator_sessions \
             WHERE operator_id = $1 AND expires_at > $2 AND last_seen_at > $3 \
             ORDER BY last_seen_at DESC, created_at DESC LIMIT $4",
        )
        .bind(operator_id)
        .bind(limits.now)
        .bind(limits.idle_since)
        .bind(MAX_LISTED)
        .fetch_all(&self.db.pool)
        .await?;
        let current = current.map(|token| password::token_digest(&token.0));
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(SessionInfo {
                    current: current.as_deref() == Some(row.token_digest.as_str()),
                    id: row.public_id?,
                    created_at: unix_to_rfc3339(row.created_at),
                    last_seen_at: unix_to_rfc3339(row.last_seen_at),
                    client_ip: row.client_ip,
                    user_agent: row.user_agent,
                    awaiting_code: row.code_pending != 0,
                })
            })
            .collect())
    }

    /// Ends one of the caller's own sessions (another browser, or this one: then it is a
    /// logout). Someone else's session id is "not found", as an unknown one.
    pub async fn end_my_session(&self, actor: &Actor, meta: &RequestMeta, session_id: &str) -> Result<()> {
        let operator_id = session_owner(actor)?;
        let mut change = self.open_change(actor, meta).await?;
        let ended = sqlx::query("DELETE FROM operator_sessions WHERE public_id = $1 AND operator_id = $2")
            .bind(session_id)
            .bind(operator_id)
            .execute(&mut *change.tx)
            .await?
            .rows_affected();
        if ended == 0 {
            return Err(Error::NotFound);
        }
        let record =
            Record::new(AuditAction::SessionEnded, operator_id).after(&serde_json::json!({ "session": session_id }))?;
        change.audit(record).await?;
        change.commit().await?;
        Ok(())
    }

    /// Ends every session and API token of operator `id` (a lost laptop, a departure), for
    /// whoever may manage that operator. Answers how many sessions ended.
    pub async fn end_operator_sessions(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<u64> {
        let mut change = self.open_change(actor, meta).await?;
        let role: Option<String> = sqlx::query_scalar("SELECT role FROM operators WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *change.tx)
            .await?;
        let role = crate::sessions::parse_role(&role.ok_or(Error::NotFound)?)?;
        actor.require_may_manage(role)?;
        let ended = end_all_sessions(&mut change.tx, id).await?;
        let record = Record::new(AuditAction::OperatorSessionsEnded, id)
            .after(&serde_json::json!({ "sessionsEnded": ended }))?;
        change.audit(record).await?;
        change.commit().await?;
        Ok(ended)
    }
}
