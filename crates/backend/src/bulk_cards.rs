//! Bulk Cards (admin): virtual cards for a list of users, from a CSV (`userId,walletId`, and
//! optionally `permsGroup`, `cardTag`), made by a background job with progress and a report
//! per row. Every row is checked; a bad row is reported and the others go on. A row's card
//! and the row's DONE mark are written in one transaction, so a row is done once, even when
//! the job is resumed after a restart (`resume_bulk_jobs`).

use shared::Action;
use shared::dto::{BulkJob, BulkJobStatus, BulkRow, BulkRowStatus};

use crate::Backend;
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::cards::NewCard;
use crate::clock;
use crate::error::{Error, Result};

/// The largest upload, in rows and in bytes.
pub const MAX_ROWS: usize = 10_000;
pub const MAX_BYTES: usize = 1024 * 1024;

/// One line of the upload, checked for its shape (the card rules come when it is made).
struct Parsed {
    line: i64,
    new: Option<NewCard>,
    error: Option<String>,
}

/// Reads the CSV: a header naming the columns, then one card per line.
fn parse(text: &str) -> Result<Vec<Parsed>> {
    if text.len() > MAX_BYTES {
        return Err(Error::invalid("csv", format!("The file is over {} KiB.", MAX_BYTES / 1024)));
    }
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let headers =
        reader.headers().map_err(|e| Error::invalid("csv", format!("The header cannot be read: {e}.")))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(user), Some(wallet)) = (column("userId"), column("walletId")) else {
        return Err(Error::invalid(
            "csv",
            "The first line must name the columns: userId,walletId[,permsGroup][,cardTag].",
        ));
    };
    let (perms, tag) = (column("permsGroup"), column("cardTag"));
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as i64 + 2;
        if rows.len() >= MAX_ROWS {
            return Err(Error::invalid("csv", format!("At most {MAX_ROWS} cards per upload.")));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                rows.push(Parsed { line, new: None, error: Some(format!("unreadable line: {e}")) });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let id = |index: usize, name: &str| -> std::result::Result<i64, String> {
            record
                .get(index)
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|v| *v > 0)
                .ok_or_else(|| format!("{name} must be a positive integer"))
        };
        let text =
            |index: Option<usize>| index.and_then(|i| record.get(i)).filter(|v| !v.is_empty()).map(str::to_string);
        match (id(user, "userId"), id(wallet, "walletId")) {
            (Ok(user_id), Ok(wallet_id)) => rows.push(Parsed {
                line,
                new: Some(NewCard {
                    user_id: Some(user_id),
                    wallet_id: Some(wallet_id),
                    perms_group: text(perms),
                    card_tag: text(tag),
                    limits: Vec::new(),
                    ..NewCard::default()
                }),
                error: None,
            }),
            (Err(e), _) | (_, Err(e)) => rows.push(Parsed { line, new: None, error: Some(e) }),
        }
    }
    if rows.is_empty() {
        return Err(Error::invalid("csv", "The file lists no card."));
    }
    Ok(rows)
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    created_by: String,
    created_date: String,
    status: String,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    line: i64,
    user_id: Option<i64>,
    wallet_id: Option<i64>,
    perms_group: Option<String>,
    card_tag: Option<String>,
    status: String,
    card_id: Option<i64>,
    error: Option<String>,
}

impl LineRow {
    fn typed(&self) -> Result<BulkRow> {
        Ok(BulkRow {
            line: self.line,
            user_id: self.user_id,
            wallet_id: self.wallet_id,
            status: BulkRowStatus::parse(&self.status)
                .ok_or_else(|| Error::Internal(format!("bulk row {}: bad status", self.id)))?,
            card_id: self.card_id,
            error: self.error.clone(),
        })
    }
}

impl Backend {
    /// Checks the upload, records the job and its rows, and starts the job in the background.
    pub async fn start_bulk_cards(&self, actor: &Actor, meta: &RequestMeta, csv: &str) -> Result<BulkJob> {
        // The caller first: an unauthorised upload is not even read.
        let mut change = self.begin_change(actor, meta, Action::BulkCreateCards).await?;
        let rows = parse(csv)?;
        let (_, _, by) = actor.audit_identity();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO bulk_card_jobs (created_by, operator_id, created_date, status) \
             VALUES ($1, $2, $3, 'RUNNING') RETURNING id",
        )
        .bind(&by)
        .bind(actor.operator_id())
        .bind(clock::now_rfc3339())
        .fetch_one(&mut *change.tx)
        .await?;
        for row in &rows {
            let new = row.new.as_ref();
            sqlx::query(
                "INSERT INTO bulk_card_rows (job_id, line, user_id, wallet_id, perms_group, card_tag, status, error) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(row.line)
            .bind(new.and_then(|n| n.user_id))
            .bind(new.and_then(|n| n.wallet_id))
            .bind(new.and_then(|n| n.perms_group.clone()))
            .bind(new.and_then(|n| n.card_tag.clone()))
            .bind(if row.error.is_some() { BulkRowStatus::Failed.name() } else { BulkRowStatus::Pending.name() })
            .bind(row.error.clone())
            .execute(&mut *change.tx)
            .await?;
        }
        let summary =
            serde_json::json!({ "rows": rows.len(), "badRows": rows.iter().filter(|r| r.error.is_some()).count() });
        change.audit(Record::new(AuditAction::BulkCardsStarted, id).after(&summary)?).await?;
        change.commit().await?;
        self.spawn_bulk_job(id, actor.clone());
        self.bulk_job(actor, id).await
    }

    /// A job and its counts; once it is done, its report line by line (while it runs, the
    /// page polls the counts only).
    pub async fn bulk_job(&self, actor: &Actor, id: i64) -> Result<BulkJob> {
        actor.require(Action::BulkCreateCards)?;
        let job: Option<JobRow> =
            sqlx::query_as("SELECT id, created_by, created_date, status FROM bulk_card_jobs WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.db.pool)
                .await?;
        let job = job.ok_or(Error::NotFound)?;
        let status = BulkJobStatus::parse(&job.status).ok_or_else(|| Error::Internal("bulk job: bad status".into()))?;
        let counts: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM bulk_card_rows WHERE job_id = $1 GROUP BY status")
                .bind(id)
                .fetch_all(&self.db.pool)
                .await?;
        let count = |s: BulkRowStatus| counts.iter().filter(|(name, _)| name == s.name()).map(|(_, n)| *n).sum::<i64>();
        let rows = if status == BulkJobStatus::Done {
            let lines: Vec<LineRow> = sqlx::query_as(
                "SELECT id, line, user_id, wallet_id, perms_group, card_tag, status, card_id, error \
                 FROM bulk_card_rows WHERE job_id = $1 ORDER BY line",
            )
            .bind(id)
            .fetch_all(&self.db.pool)
            .await?;
            lines.iter().map(LineRow::typed).collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        Ok(BulkJob {
            id: job.id,
            created_by: job.created_by,
            created_date: job.created_date,
            status,
            total: counts.iter().map(|(_, n)| n).sum(),
            done: count(BulkRowStatus::Done),
            failed: count(BulkRowStatus::Failed),
            rows,
        })
    }

    /// The jobs still running when the server stopped go on, as the operator who started
    /// each (whose role is checked again for every line).
    pub async fn resume_bulk_jobs(&self) -> Result<()> {
        let running: Vec<(i64, Option<i64>)> =
            sqlx::query_as("SELECT id, operator_id FROM bulk_card_jobs WHERE status = 'RUNNING'")
                .fetch_all(&self.db.pool)
                .await?;
        for (id, operator_id) in running {
            let actor = match operator_id {
                None => Actor::System,
                Some(operator_id) => self.operator_actor(operator_id).await?,
            };
            self.spawn_bulk_job(id, actor);
        }
        Ok(())
    }

    fn spawn_bulk_job(&self, id: i64, actor: Actor) {
        let backend = self.clone();
        tokio::spawn(async move {
            if let Err(e) = backend.run_bulk_job(id, &actor).await {
                tracing::error!(job = id, error = %e, "bulk cards job stopped");
            }
        });
    }

    /// Makes the job's pending rows one by one, then marks the job done. An internal error
    /// (the database busy, say) is tried again twice before the line is refused.
    async fn run_bulk_job(&self, id: i64, started_by: &Actor) -> Result<()> {
        let meta = RequestMeta::local();
        let mut attempts = std::collections::HashMap::<i64, u32>::new();
        loop {
            // The operator as they are now: one demoted or blocked meanwhile makes no more cards.
            let actor = match started_by.operator_id() {
                Some(operator) => self.operator_actor(operator).await?,
                None => started_by.clone(),
            };
            let next: Option<LineRow> = sqlx::query_as(
                "SELECT id, line, user_id, wallet_id, perms_group, card_tag, status, card_id, error \
                 FROM bulk_card_rows WHERE job_id = $1 AND status = 'PENDING' ORDER BY line LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
            let Some(row) = next else { break };
            let new = NewCard {
                user_id: row.user_id,
                wallet_id: row.wallet_id,
                perms_group: row.perms_group.clone(),
                card_tag: row.card_tag.clone(),
                limits: Vec::new(),
                ..NewCard::default()
            };
            if let Err(e) = self.make_bulk_row(&actor, &meta, row.id, new).await {
                // The reason, in our words: internal details stay in the log.
                let reason = if e.is_internal() {
                    tracing::error!(job = id, line = row.line, error = %e, "bulk card row failed");
                    let tried = attempts.entry(row.id).or_insert(0);
                    *tried += 1;
                    if *tried < 3 {
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                        continue;
                    }
                    format!("internal error (request {})", meta.request_id)
                } else {
                    e.to_string()
                };
                sqlx::query(
                    "UPDATE bulk_card_rows SET status = 'FAILED', error = $1 WHERE id = $2 AND status = 'PENDING'",
                )
                .bind(reason)
                .bind(row.id)
                .execute(&self.db.pool)
                .await?;
            }
        }
        sqlx::query("UPDATE bulk_card_jobs SET status = 'DONE' WHERE id = $1").bind(id).execute(&self.db.pool).await?;
        Ok(())
    }

    /// One row: the card and the row's DONE mark in one change, so that it is made once.
    async fn make_bulk_row(&self, actor: &Actor, meta: &RequestMeta, row_id: i64, new: NewCard) -> Result<()> {
        if matches!(actor, Actor::Anonymous) {
            return Err(Error::Forbidden("The operator who started this job can no longer create cards."));
        }
        let mut change = self.begin_change(actor, meta, Action::BulkCreateCards).await?;
        let card = self.insert_virtual_card(&mut change, new).await?;
        let marked =
            sqlx::query("UPDATE bulk_card_rows SET status = 'DONE', card_id = $1 WHERE id = $2 AND status = 'PENDING'")
                .bind(card.id)
                .bind(row_id)
                .execute(&mut *change.tx)
                .await?;
        if marked.rows_affected() != 1 {
            // Done meanwhile by another worker: this card is rolled back.
            return Ok(());
        }
        change.commit().await
    }
}
