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
    OperatorPasswordChanged,
    SessionEnded,
    OperatorSessionsEnded,
    /// A right password of an operator with two-factor authentication: the code is next.
    LoginPasswordAccepted,
    TwoFactorEnrolmentStarted,
    TwoFactorEnrolled,
    TwoFactorReset,
    ApiClientCreated,
    ApiClientRevoked,
    TokenIssued,
    SettingsUpdated,
    UserCreated,
    UserUpdated,
    UserDeactivated,
    UserFrozen,
    UserUnfrozen,
    UserKycReviewRequested,
    UserKycValidated,
    UserKycRefused,
    UserPasswordResetSent,
    TaxResidenceCreated,
    TaxResidenceUpdated,
    TaxResidenceDeleted,
    WalletCreated,
    WalletUpdated,
    WalletDeactivated,
    PayinReceived,
    TransferCreated,
    PayoutCreated,
    PayoutCanceled,
    PayoutApproved,
    PayoutExecuted,
    BeneficiaryCreated,
    BeneficiaryUpdated,
    CardCreated,
    CardActivated,
    CardStatusChanged,
    CardLimitsUpdated,
    CardOptionsUpdated,
    CardUpdated,
    RestrictionGroupCreated,
    RestrictionGroupUpdated,
    RestrictionGroupCanceled,
    BulkCardsStarted,
    ScaDeviceCreated,
    ScaDeviceLocked,
    ScaDeviceUnlocked,
    ScaDevicePinReset,
    ScaDeviceDeleted,
    DocumentUploaded,
    DocumentRenamed,
    DocumentDeleted,
    DocumentPreReviewAccepted,
    DocumentPreReviewRefused,
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
            OperatorPasswordChanged => "operator.password_changed",
            SessionEnded => "operator.session_ended",
            OperatorSessionsEnded => "operator.sessions_ended",
            LoginPasswordAccepted => "login.password_accepted",
            TwoFactorEnrolmentStarted => "operator.two_factor_enrolment_started",
            TwoFactorEnrolled => "operator.two_factor_enrolled",
            TwoFactorReset => "operator.two_factor_reset",
            ApiClientCreated => "api_client.created",
            ApiClientRevoked => "api_client.revoked",
            TokenIssued => "token.issued",
            SettingsUpdated => "settings.updated",
            UserCreated => "user.created",
            UserUpdated => "user.updated",
            UserDeactivated => "user.deactivated",
            UserFrozen => "user.frozen",
            UserUnfrozen => "user.unfrozen",
            UserKycReviewRequested => "user.kyc_review_requested",
            UserKycValidated => "user.kyc_validated",
            UserKycRefused => "user.kyc_refused",
            UserPasswordResetSent => "user.password_reset_sent",
            TaxResidenceCreated => "tax_residence.created",
            TaxResidenceUpdated => "tax_residence.updated",
            TaxResidenceDeleted => "tax_residence.deleted",
            WalletCreated => "wallet.created",
            WalletUpdated => "wallet.updated",
            WalletDeactivated => "wallet.deactivated",
            PayinReceived => "wallet.payin_received",
            TransferCreated => "transfer.created",
            PayoutCreated => "payout.created",
            PayoutCanceled => "payout.canceled",
            PayoutApproved => "payout.approved",
            PayoutExecuted => "payout.executed",
            BeneficiaryCreated => "beneficiary.created",
            BeneficiaryUpdated => "beneficiary.updated",
            CardCreated => "card.created",
            CardActivated => "card.activated",
            CardStatusChanged => "card.status_changed",
            CardLimitsUpdated => "card.limits_updated",
            CardOptionsUpdated => "card.options_updated",
            CardUpdated => "card.updated",
            RestrictionGroupCreated => "restriction_group.created",
            RestrictionGroupUpdated => "restriction_group.updated",
            RestrictionGroupCanceled => "restriction_group.canceled",
            BulkCardsStarted => "bulk_cards.started",
            ScaDeviceCreated => "sca_device.created",
            ScaDeviceLocked => "sca_device.locked",
            ScaDeviceUnlocked => "sca_device.unlocked",
            ScaDevicePinReset => "sca_device.pin_reset",
            ScaDeviceDeleted => "sca_device.deleted",
            DocumentUploaded => "document.uploaded",
            DocumentRenamed => "document.renamed",
            DocumentDeleted => "document.deleted",
            DocumentPreReviewAccepted => "document.pre_review_accepted",
            DocumentPreReviewRefused => "document.pre_review_refused",
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
            LoginSucceeded
            | LoginFailed
            | LoginRefused
            | Logout
            | OperatorCreated
            | OperatorUpdated
            | OperatorDeleted
            | OperatorBlocked
            | OperatorUnblocked
            | OperatorPasswordChanged
            | SessionEnded
            | OperatorSessionsEnded
            | LoginPasswordAccepted
            | TwoFactorEnrolmentStarted
            | TwoFactorEnrolled
            | TwoFactorReset => "operator",
            ApiClientCreated | ApiClientRevoked | TokenIssued => "api_client",
            SettingsUpdated => "settings",
            UserCreated
            | UserUpdated
            | UserDeactivated
            | UserFrozen
            | UserUnfrozen
            | UserKycReviewRequested
            | UserKycValidated
            | UserKycRefused
            | UserPasswordResetSent
            | DemoSeeded => "user",
            TaxResidenceCreated | TaxResidenceUpdated | TaxResidenceDeleted => "tax_residence",
            WalletCreated | WalletUpdated | WalletDeactivated | PayinReceived => "wallet",
            TransferCreated => "transfer",
            PayoutCreated | PayoutCanceled | PayoutApproved | PayoutExecuted => "payout",
            BeneficiaryCreated | BeneficiaryUpdated => "beneficiary",
            CardCreated | CardActivated | CardStatusChanged | CardLimitsUpdated | CardOptionsUpdated | CardUpdated => {
                "card"
            }
            RestrictionGroupCreated | RestrictionGroupUpdated | RestrictionGroupCanceled => "restriction_group",
            BulkCardsStarted => "bulk_card_job",
            ScaDeviceCreated | ScaDeviceLocked | ScaDeviceUnlocked | ScaDevicePinReset | ScaDeviceDeleted => {
                "sca_device"
            }
            DocumentUploaded
            | DocumentRenamed
            | DocumentDeleted
            | DocumentPreReviewAccepted
            | DocumentPreReviewRefused => "document",
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

impl Change<'_> {
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
        let (page, page_size, offset) = shared::dto::page_window(page, page_size, MAX_PAGE_SIZE);
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(&self.db.pool).await?;
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, occurred_at, actor_type, actor_label, action, target_type, target_id, \
             before_json, after_json, request_id, client_ip \
             FROM audit_log ORDER BY id DESC LIMIT $1 OFFSET $2",
        )
        .bind(page_size)
        .bind(offset)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(Page { items: rows.into_iter().map(Into::into).collect(), total, page, page_size })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SessionSettings;
    use shared::Role;

    async fn backend() -> (Backend, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("backoffice-change-{}", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}", dir.join("test.db").display());
        (Backend::connect(&url, SessionSettings::default()).await.unwrap(), dir)
    }

    async fn audit_rows(backend: &Backend) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(&backend.db.pool).await.unwrap()
    }

    /// The one way to write: the scope is checked before anything opens, a change without an
    /// audit row cannot be committed, and a dropped change leaves nothing behind.
    #[tokio::test]
    async fn changes_are_checked_audited_and_atomic() {
        let (backend, dir) = backend().await;
        let meta = RequestMeta::local();
        let reader = Actor::Operator(crate::Operator {
            pending: None,
            id: 1,
            username: "ro@example.com".into(),
            role: Role::SupportReadOnly,
            token_scopes: None,
        });
        let refused = backend.begin_change(&reader, &meta, Action::EditUserInformation).await;
        assert!(matches!(refused, Err(Error::Forbidden(_))));

        let insert = "INSERT INTO settings (key, value, modified_date) VALUES ($1, 'x', 'now')";
        let mut silent = backend.begin_change(&Actor::System, &meta, Action::EditUserInformation).await.unwrap();
        sqlx::query(insert).bind("silent").execute(&mut *silent.tx).await.unwrap();
        assert!(matches!(silent.commit().await, Err(Error::Internal(_))), "no audit row, no commit");

        {
            // Audited, but dropped before commit: rolled back, audit row included.
            let mut change = backend.open_change(&Actor::System, &meta).await.unwrap();
            sqlx::query(insert).bind("dropped").execute(&mut *change.tx).await.unwrap();
            change.audit(Record::new(AuditAction::SettingsUpdated, 0)).await.unwrap();
        }
        let mut kept = backend.open_change(&Actor::System, &meta).await.unwrap();
        sqlx::query(insert).bind("kept").execute(&mut *kept.tx).await.unwrap();
        kept.audit(Record::new(AuditAction::SettingsUpdated, 0)).await.unwrap();
        kept.commit().await.unwrap();

        let keys: Vec<String> =
            sqlx::query_scalar("SELECT key FROM settings WHERE key IN ('silent', 'dropped', 'kept')")
                .fetch_all(&backend.db.pool)
                .await
                .unwrap();
        assert_eq!(keys, ["kept"], "only the committed change is there");
        assert_eq!(audit_rows(&backend).await, 1, "and only its audit row");
        backend.db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
