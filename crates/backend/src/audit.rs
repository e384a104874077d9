//! The audit log: one row per mutation, written in the mutation's own transaction. The
//! database itself refuses UPDATE and DELETE on it (see the migrations).

use serde::Serialize;
use shared::dto::{AuditEntry, Page};
use shared::Action;
use sqlx::{Any, Transaction};

use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::Result;
use crate::Backend;

/// What is being recorded. `before` and `after` must never hold secrets.
pub struct Record<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Record<'a> {
    pub fn new(action: &'a str, target_type: &'a str, target_id: impl ToString) -> Self {
        Record {
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, value: &impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: &impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

pub async fn write(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    meta: &RequestMeta,
    record: Record<'_>,
) -> Result<()> {
    let (actor_type, actor_id, actor_label) = actor.audit_identity();
    sqlx::query(
        "INSERT INTO audit_log (occurred_at, actor_type, actor_id, actor_label, action, \
         target_type, target_id, before_json, after_json, request_id, client_ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(clock::now_rfc3339())
    .bind(actor_type)
    .bind(actor_id)
    .bind(actor_label)
    .bind(record.action)
    .bind(record.target_type)
    .bind(record.target_id)
    .bind(record.before.map(|v| v.to_string()))
    .bind(record.after.map(|v| v.to_string()))
    .bind(&meta.request_id)
    .bind(&meta.client_ip)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    occurred_at: String,
    actor_type: String,
    actor_label: String,
    action: String,
    target_type: String,
    target_id: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: String,
    client_ip: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            occurred_at: r.occurred_at,
            actor: format!("{}: {}", r.actor_type, r.actor_label),
            action: r.action,
            target: match r.target_id {
                Some(id) => format!("{} {}", r.target_type, id),
                None => r.target_type,
            },
            before: r.before_json,
            after: r.after_json,
            request_id: r.request_id,
            client_ip: r.client_ip,
        }
    }
}

pub const MAX_PAGE_SIZE: i64 = 200;

impl Backend {
    /// Newest first. `page` counts from 1.
    pub async fn list_audit(
        &self,
        actor: &Actor,
        page: i64,
        page_size: i64,
    ) -> Result<Page<AuditEntry>> {
        actor.require(Action::ViewAuditLog)?;
        let page = page.max(1);
        let page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&self.db.pool)
            .await?;
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, occurred_at, actor_type, actor_label, action, target_type, target_id, \
             before_json, after_json, request_id, client_ip \
             FROM audit_log ORDER BY id DESC LIMIT $1 OFFSET $2",
        )
        .bind(page_size)
        .bind((page - 1) * page_size)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(Page { items: rows.into_iter().map(Into::into).collect(), total, page, page_size })
    }
}
