//! The sweeper: deletes the rows nothing can use any more, so that the tables that grow with
//! traffic (sessions, access tokens, emailed links, the mail outbox) keep the size of what
//! is live. Each rule is the one its reader applies (`SessionLimits`, `token_has_expired`,
//! the links' `used_date IS NULL AND expires_at > now`); the sweeper only removes what those
//! readers already refuse, in small batches, each its own short write transaction, so that
//! a sweep never holds a big table's lock for long. Audit rows are never deleted (the
//! database refuses it anyway), nor anything about an end user.

use std::time::Duration;

use crate::Backend;
use crate::error::Result;

/// Rows deleted per statement.
const BATCH: i64 = 1000;

/// What one sweep deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Operator sessions past their idle or absolute timeout.
    pub sessions: u64,
    /// OAuth2 access tokens past their lifetime.
    pub access_tokens: u64,
    /// Activation and password-reset links used or expired.
    pub links: u64,
    /// Emails already sent (their outbox rows; unsent and retrying ones stay).
    pub sent_mail: u64,
    /// Hourly counts of emails per address, of hours gone by.
    pub mail_rates: u64,
}

impl SweepReport {
    pub fn total(&self) -> u64 {
        self.sessions + self.access_tokens + self.links + self.sent_mail + self.mail_rates
    }
}

/// One kind of dead row: `DELETE FROM table WHERE key IN (SELECT key ... WHERE dead LIMIT n)`.
/// `dead` names at most one parameter, `$1`, the cutoff. Every condition has an index
/// (migration 0010) so that a batch reads only the rows it deletes.
struct Rule {
    table: &'static str,
    key: &'static str,
    dead: &'static str,
}

const SESSIONS_PAST_ABSOLUTE: Rule = Rule { table: "operator_sessions", key: "token_digest", dead: "expires_at <= $1" };
const SESSIONS_PAST_IDLE: Rule = Rule { table: "operator_sessions", key: "token_digest", dead: "last_seen_at <= $1" };
const EXPIRED_ACCESS_TOKENS: Rule = Rule { table: "access_tokens", key: "token_digest", dead: "expires_at <= $1" };
const EXPIRED_LINKS: Rule = Rule { table: "end_user_tokens", key: "id", dead: "expires_at <= $1" };
const USED_LINKS: Rule = Rule { table: "end_user_tokens", key: "id", dead: "used_date IS NOT NULL" };
const SENT_MAIL: Rule = Rule { table: "mail_outbox", key: "id", dead: "sent_date IS NOT NULL" };
/// Hourly email counts of hours gone by (`$1` is the current hour).
const PAST_MAIL_RATES: Rule = Rule { table: "mail_rate", key: "hour", dead: "hour < $1" };

impl Backend {
    /// Deletes expired sessions and access tokens, used or expired links and sent mail, as
    /// of this service's clock.
    pub async fn sweep_expired(&self) -> Result<SweepReport> {
        self.sweep_in_batches_of(BATCH).await
    }

    async fn sweep_in_batches_of(&self, batch: i64) -> Result<SweepReport> {
        let limits = self.session_limits();
        let now = limits.now;
        Ok(SweepReport {
            sessions: self.delete_dead(&SESSIONS_PAST_ABSOLUTE, Some(now), batch).await?
                + self.delete_dead(&SESSIONS_PAST_IDLE, Some(limits.idle_since), batch).await?,
            access_tokens: self.delete_dead(&EXPIRED_ACCESS_TOKENS, Some(now), batch).await?,
            links: self.delete_dead(&EXPIRED_LINKS, Some(now), batch).await?
                + self.delete_dead(&USED_LINKS, None, batch).await?,
            sent_mail: self.delete_dead(&SENT_MAIL, None, batch).await?,
            mail_rates: self.delete_dead(&PAST_MAIL_RATES, Some(now / 3600), batch).await?,
        })
    }

    /// Deletes the rows `rule` calls dead, `batch` at a time, until none is left.
    async fn delete_dead(&self, rule: &Rule, cutoff: Option<i64>, batch: i64) -> Result<u64> {
        // Only the constants above reach this text.
        let sql = format!(
            "DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} WHERE {dead} LIMIT {batch})",
            table = rule.table,
            key = rule.key,
            dead = rule.dead,
        );
        let mut deleted = 0;
        loop {
            let mut tx = self.db.begin_write().await?;
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            if let Some(cutoff) = cutoff {
                query = query.bind(cutoff);
            }
            let n = query.execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            deleted += n;
            if n < batch.unsigned_abs() {
                return Ok(deleted);
            }
            // Let the requests waiting for the write lock go first.
            tokio::task::yield_now().await;
        }
    }

    /// Sweeps every `every` until the process ends (the first sweep at once). Several
    /// servers on one database may each run it: a row is deleted once, whoever gets it.
    pub async fn run_sweeper(self, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.rate_limits.forget_idle();
            match self.sweep_expired().await {
                Ok(report) if report.total() > 0 => tracing::info!(
                    sessions = report.sessions,
                    access_tokens = report.access_tokens,
                    links = report.links,
                    sent_mail = report.sent_mail,
                    mail_rates = report.mail_rates,
                    "swept expired rows"
                ),
                Ok(_) => tracing::debug!("sweep: nothing expired"),
                Err(e) => tracing::error!(error = %e, "the sweep failed; it runs again later"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SessionSettings;

    /// More dead rows than one batch: the sweep loops until all are gone, and stops.
    #[tokio::test]
    async fn sweeps_in_batches_until_nothing_is_left() {
        let dir = std::env::temp_dir().join(format!("backoffice-sweeper-{}", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}", dir.join("test.db").display());
        let backend = Backend::connect(&url, SessionSettings::default()).await.unwrap();
        for i in 0..7 {
            let sent = if i < 5 { Some("2026-01-01T00:00:00.000Z") } else { None };
            sqlx::query(
                "INSERT INTO mail_outbox (to_address, subject, body, created_date, next_attempt_at, sent_date) \
                 VALUES ('a@example.com', 's', '', '2026-01-01T00:00:00.000Z', 0, $1)",
            )
            .bind(sent)
            .execute(&backend.db.pool)
            .await
            .unwrap();
        }
        let report = backend.sweep_in_batches_of(2).await.unwrap();
        assert_eq!(report, SweepReport { sent_mail: 5, ..SweepReport::default() });
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox").fetch_one(&backend.db.pool).await.unwrap();
        assert_eq!(left, 2, "unsent mail stays");
        assert_eq!(backend.sweep_in_batches_of(2).await.unwrap(), SweepReport::default());
        backend.db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
