//! The audit log: one row per mutation, written in the mutation's own transaction. The
//! database itself refuses UPDATE and DELETE on it (see the migrations).

use serde::Serialize;
use shared::Action;
use shared::dto::{AuditEntry, Page};
use sqlx::{Any, Transaction};

use crate::Backend;
use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::{Error, Result};

/// Every kind of mutation the audit log records. The name is what the log stores and the
/// Audit log view shows; the target type follows from the action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    LoginSucceeded,
    LoginFailed,
    LoginRefused,
    Logout,
    OperatorCreated,
    OperatorUpdated,
    OperatorDeleted,
    OperatorBlocked,
    OperatorUnblocked,
    ApiClientCreated,
    TokenIssued,
    SettingsUpdated,
    UserCreated,
    UserUpdated,
    UserDeactivated,
    UserFrozen,
    UserUnfrozen,
    UserKycReviewRequested,
    UserPasswordResetSent,
    TaxResidenceCreated,
    TaxResidenceUpdated,
    TaxResidenceDeleted,
    WalletCreated,
    OnboardingSignedUp,
    OnboardingCompleted,
    EndUserPasswordReset,
    DemoSeeded,
}

impl AuditAction {
    pub fn name(self) -> &'static str {
        use AuditAction::*;
        match self {
            LoginSucceeded => "login.succeeded",
            LoginFailed => "login.failed",
            LoginRefused => "login.refused",
            Logout => "logout",
            OperatorCreated => "operator.created",
            OperatorUpdated => "operator.updated",
            OperatorDeleted => "operator.deleted",
            OperatorBlocked => "operator.blocked",
            OperatorUnblocked => "operator.unblocked",
            ApiClientCreated => "api_client.created",
            TokenIssued => "token.issued",
            SettingsUpdated => "settings.updated",
            UserCreated => "user.created",
            UserUpdated => "user.updated",
            UserDeactivated => "user.deactivated",
            UserFrozen => "user.frozen",
            UserUnfrozen => "user.unfrozen",
            UserKycReviewRequested => "user.kyc_review_requested",
            UserPasswordResetSent => "user.password_reset_sent",
            TaxResidenceCreated => "tax_residence.created",
            TaxResidenceUpdated => "tax_residence.updated",
            TaxResidenceDeleted => "tax_residence.deleted",
            WalletCreated => "wallet.created",
            OnboardingSignedUp => "onboarding.signed_up",
            OnboardingCompleted => "onboarding.completed",
            EndUserPasswordReset => "end_user.password_reset",
            DemoSeeded => "demo.seeded",
        }
    }

    /// What kind of thing the target id names.
    pub fn target_type(self) -> &'static str {
        use AuditAction::*;
        match self {
            LoginSucceeded | LoginFailed | LoginRefused | Logout | OperatorCreated | OperatorUpdated
            | OperatorDeleted | OperatorBlocked | OperatorUnblocked => "operator",
            ApiClientCreated | TokenIssued => "api_client",
            SettingsUpdated => "settings",
            UserCreated
            | UserUpdated
            | UserDeactivated
            | UserFrozen
            | UserUnfrozen
            | UserKycReviewRequested
            | UserPasswordResetSent
            | DemoSeeded => "user",
            TaxResidenceCreated | TaxResidenceUpdated | TaxResidenceDeleted => "tax_residence",
            WalletCreated => "wallet",
            OnboardingSignedUp | OnboardingCompleted | EndUserPasswordReset => "end_user_account",
        }
    }
}

/// What is being recorded. `before` and `after` must never hold secrets.
pub struct Record {
    pub action: AuditAction,
    pub target_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Record {
    pub fn new(action: AuditAction, target_id: impl ToString) -> Self {
        Record { action, target_id: Some(target_id.to_string()), before: None, after: None }
    }

    /// A record without a target (e.g. a refused login of an unknown username).
    pub fn untargeted(action: AuditAction) -> Self {
        Record { action, target_id: None, before: None, after: None }
    }

    /// A state that cannot be written as JSON is an error: the audit row must not go missing.
    pub fn before(mut self, value: &impl Serialize) -> Result<Self> {
        self.before = Some(to_json(value)?);
        Ok(self)
    }

    pub fn after(mut self, value: &impl Serialize) -> Result<Self> {
        self.after = Some(to_json(value)?);
        Ok(self)
    }
}

fn to_json(value: &impl Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(format!("audit state is not JSON: {e}")))
}

pub async fn write(tx: &mut Transaction<'_, Any>, actor: &Actor, meta: &RequestMeta, record: Record) -> Result<()> {
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
    .bind(record.action.name())
    .bind(record.action.target_type())
    .bind(record.target_id)
    .bind(record.before.map(|v| v.to_string()))
    .bind(record.after.map(|v| v.to_string()))
    .bind(&meta.request_id)
    .bind(&meta.client_ip)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One change to the store, the one way mutations are written: the caller's permission is
/// checked before the write transaction opens, the change runs in it, its audit rows go in
/// the same transaction, and `commit` refuses a change that recorded nothing. Dropped
/// without `commit`, everything is rolled back.
pub struct Change<'a> {
    pub tx: Transaction<'static, Any>,
    actor: &'a Actor,
    meta: &'a RequestMeta,
    audited: bool,
}

impl<'a> Change<'a> {
    pub fn actor(&self) -> &'a Actor {
        self.actor
    }

    pub fn meta(&self) -> &'a RequestMeta {
        self.meta
    }

    /// Writes an audit row in this change's transaction.
    pub async fn audit(&mut self, record: Record) -> Result<()> {
        write(&mut self.tx, self.actor, self.meta, record).await?;
        self.audited = true;
        Ok(())
    }

    /// Whether an audit row was written (a change that wrote nothing may simply be dropped).
    pub fn is_audited(&self) -> bool {
        self.audited
    }

    pub async fn commit(self) -> Result<()> {
        if !self.audited {
            return Err(Error::Internal("a change was about to be committed without an audit row".into()));
        }
        self.tx.commit().await?;
        Ok(())
    }
}

impl Backend {
    /// Checks that `actor` may take `action`, then opens a change.
    pub async fn begin_change<'a>(
        &self,
        actor: &'a Actor,
        meta: &'a RequestMeta,
        action: Action,
    ) -> Result<Change<'a>> {
        actor.require(action)?;
        self.open_change(actor, meta).await
    }

    /// Opens a change for a caller whose permission the caller of this function checked
    /// (for the few rules that are not one action's scope).
    pub async fn open_change<'a>(&self, actor: &'a Actor, meta: &'a RequestMeta) -> Result<Change<'a>> {
        Ok(Change { tx: self.db.begin_write().await?, actor, meta, audited: false })
    }
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
    pub async fn list_audit(&self, actor: &Actor, page: i64, page_size: i64) -> Result<Page<AuditEntry>> {
        actor.require(Action::ViewAuditLog)?;
        let page = page.max(1);
        let page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(&self.db.pool).await?;
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
