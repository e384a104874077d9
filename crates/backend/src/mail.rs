//! Email through a database outbox: a message is queued in the transaction that decides to
//! send it, and a worker delivers it over SMTP (lettre), retrying with a growing delay. An
//! SMTP outage, or no SMTP configured at all, loses nothing: the outbox keeps the message.
//! Several server processes may share one database: a worker claims the messages it sends
//! (a lease, see `claim_due`), so each message leaves once.

use std::time::Duration;

use lettre::message::header::ContentTransferEncoding;
use lettre::message::{Body, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{Any, Transaction};

use crate::Backend;
use crate::clock::Clock;
use crate::error::{Error, Result};

/// How many messages one pass of the worker takes.
const BATCH: i64 = 20;
/// Longest wait between two attempts at one message.
const MAX_BACKOFF_SECS: i64 = 3600;
/// After this many failed attempts (about two days of retries) a message is given up; it
/// stays in the outbox with its last error.
pub const MAX_ATTEMPTS: i64 = 48;
/// How often the worker looks at the outbox when nothing wakes it.
const POLL: Duration = Duration::from_secs(5);
/// Longest wait for the SMTP server, per message.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a claimed message belongs to its worker: a whole batch at the SMTP timeout,
/// with room to spare. A worker that dies mid-batch leaves its messages due again then.
const CLAIM_LEASE_SECS: i64 = BATCH * SMTP_TIMEOUT.as_secs() as i64 + 60;

/// At most this many emails go to one address in an hour (a flood of sign-ups or reset
/// requests must not turn the server against someone's mailbox).
pub const MAX_EMAILS_PER_ADDRESS_PER_HOUR: i64 = 5;

/// Whether `to` already had its share of emails this hour (nothing is counted).
pub(crate) async fn hourly_share_used(tx: &mut Transaction<'_, Any>, clock: &Clock, to: &str) -> Result<bool> {
    let sent: Option<i64> = sqlx::query_scalar("SELECT sent FROM mail_rate WHERE address = $1 AND hour = $2")
        .bind(to.trim().to_lowercase())
        .bind(clock.unix_now() / 3600)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(sent.unwrap_or(0) >= MAX_EMAILS_PER_ADDRESS_PER_HOUR)
}

/// Queues a message, due at once by `clock`; it leaves when the surrounding transaction
/// commits. Answers false, queuing nothing, when the address had its share this hour.
pub(crate) async fn enqueue(
    tx: &mut Transaction<'_, Any>,
    clock: &Clock,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<bool> {
    let hour = clock.unix_now() / 3600;
    let sent: i64 = sqlx::query_scalar(
        "INSERT INTO mail_rate (address, hour, sent) VALUES ($1, $2, 1) \
         ON CONFLICT (address, hour) DO UPDATE SET sent = mail_rate.sent + 1 RETURNING sent",
    )
    .bind(to.trim().to_lowercase())
    .bind(hour)
    .fetch_one(&mut **tx)
    .await?;
    if sent > MAX_EMAILS_PER_ADDRESS_PER_HOUR {
        tracing::warn!(subject, "an email was not sent: this address had its share of emails this hour");
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO mail_outbox (to_address, subject, body, created_date, next_attempt_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(clock.now_rfc3339())
    .bind(clock.unix_now())
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// Delay before attempt `attempts + 1`: 30 s, 1 min, 2 min, ... up to an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    (30i64 << attempts.clamp(0, 20)).min(MAX_BACKOFF_SECS)
}

/// `claim_due`'s statement: $1 the lease's end, $2 now, $3 `MAX_ATTEMPTS`, $4 `BATCH`.
macro_rules! claim_due_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE mail_outbox SET next_attempt_at = $1 ",
            "WHERE next_attempt_at <= $2 AND sent_date IS NULL AND id IN (",
            "SELECT id FROM mail_outbox WHERE sent_date IS NULL AND next_attempt_at <= $2 AND attempts < $3 ",
            "ORDER BY id LIMIT $4",
            $lock,
            ") RETURNING id, to_address, subject, body, attempts"
        )
    };
}
const CLAIM_DUE_POSTGRES: &str = claim_due_sql!(" FOR UPDATE SKIP LOCKED");
const CLAIM_DUE_SQLITE: &str = claim_due_sql!("");

#[derive(sqlx::FromRow)]
struct Queued {
    id: i64,
    to_address: String,
    subject: String,
    body: String,
    attempts: i64,
}

/// Plain 7-bit text when the body allows it (ASCII, lines within RFC 5322's 998), so a
/// long link stays whole and readable in any mail reader; otherwise lettre's own choice.
fn plain_body(text: &str) -> Body {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    if crlf.is_ascii() && crlf.split("\r\n").all(|line| line.len() <= 998) {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::SevenBit)
    } else {
        Body::new(text.to_string())
    }
}

impl Backend {
    /// Wakes the worker after a commit that queued mail.
    pub(crate) fn mail_was_queued(&self) {
        self.mail_queued.notify_one();
    }

    /// Sends what is due; returns how many messages left. Failures are recorded on the
    /// message (without its content) and retried later.
    pub async fn deliver_due_mail(&self, transport: &AsyncSmtpTransport<Tokio1Executor>) -> Result<usize> {
        let due = self.claim_due().await?;
        let mut sent = 0;
        for mail in due {
            match self.send_one(transport, &mail).await {
                Ok(()) => {
                    // The body goes once sent: it may hold a live single-use link.
                    sqlx::query("UPDATE mail_outbox SET sent_date = $1, attempts = attempts + 1, last_error = NULL, body = '' WHERE id = $2")
                        .bind(self.clock.now_rfc3339())
                        .bind(mail.id)
                        .execute(&self.db.pool)
                        .await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(mail_id = mail.id, attempts = mail.attempts + 1, error = %e, "email delivery failed; will retry");
                    sqlx::query("UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3")
                        .bind(self.clock.unix_now() + backoff_secs(mail.attempts))
                        .bind(e.to_string())
                        .bind(mail.id)
                        .execute(&self.db.pool)
                        .await?;
                }
            }
        }
        Ok(sent)
    }

    /// Takes the due messages for this worker: their next attempt moves to the end of the
    /// lease in the statement that reads them, so another worker (another server process on
    /// the same database) skips them. Postgres skips rows another claim has locked rather
    /// than waiting; the outer condition is checked again on the locked row, so two claims
    /// never take one message. SQLite runs one write at a time: the statement is the lock.
    async fn claim_due(&self) -> Result<Vec<Queued>> {
        let due = match self.db.kind {
            crate::DbKind::Postgres => CLAIM_DUE_POSTGRES,
            crate::DbKind::Sqlite => CLAIM_DUE_SQLITE,
        };
        let now = self.clock.unix_now();
        let mut claimed: Vec<Queued> = sqlx::query_as(due)
            .bind(now + CLAIM_LEASE_SECS)
            .bind(now)
            .bind(MAX_ATTEMPTS)
            .bind(BATCH)
            .fetch_all(&self.db.pool)
            .await?;
        claimed.sort_by_key(|mail| mail.id); // RETURNING has no order
        Ok(claimed)
    }

    async fn send_one(&self, transport: &AsyncSmtpTransport<Tokio1Executor>, mail: &Queued) -> Result<()> {
        let bad = |what: &str, e: &dyn std::fmt::Display| Error::Internal(format!("{what}: {e}"));
        let from: Mailbox = self.mail.from.parse().map_err(|e| bad("DASHBOARD_MAIL_FROM is not an address", &e))?;
        let to: Mailbox = mail.to_address.parse().map_err(|e| bad("bad recipient", &e))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject.clone())
            .body(plain_body(&mail.body))
            .map_err(|e| bad("cannot build the message", &e))?;
        transport.send(message).await.map_err(|e| bad("SMTP", &e))?;
        Ok(())
    }

    /// Runs the delivery loop until the process ends. Without an SMTP URL it only says so:
    /// the outbox keeps the messages until a server restarts with one.
    pub async fn run_mail_worker(self) {
        let Some(url) = self.mail.smtp_url.clone() else {
            tracing::warn!("mail delivery is off (DASHBOARD_SMTP_URL is not set): emails stay in the outbox");
            return;
        };
        let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&url) {
            Ok(builder) => builder.timeout(Some(SMTP_TIMEOUT)).build(),
            Err(e) => {
                tracing::error!(error = %e, "DASHBOARD_SMTP_URL is not a valid SMTP URL: mail delivery is off");
                return;
            }
        };
        tracing::info!("mail delivery is on");
        loop {
            match self.deliver_due_mail(&transport).await {
                // A whole batch left: there may be more waiting, go on at once.
                Ok(sent) if sent as i64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "the mail outbox could not be read"),
            }
            let _ = tokio::time::timeout(POLL, self.mail_queued.notified()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_up_to_an_hour() {
        assert_eq!([0, 1, 2, 3].map(backoff_secs), [30, 60, 120, 240]);
        assert_eq!(backoff_secs(10), MAX_BACKOFF_SECS);
        assert_eq!(backoff_secs(500), MAX_BACKOFF_SECS);
    }
}
