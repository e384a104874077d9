//! SCA devices of end users (`/core-connect/sca/scawallets`, the Profile tab's SCA section).
//! The state rules are `shared::sca::ScaDevice::refusal`; this stores the devices, checks the
//! caller and writes each command with its audit row. A deleted device is kept, marked
//! DELETED with its date (the database refuses to erase one).

use shared::sca::{DeviceKind, LockReason, MobileDevice, PasscodeStatus, ScaCommand, ScaDevice, ScaStatus};
use shared::{Action, Scope};
use sqlx::{Any, Transaction};

use crate::Backend;
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::{Error, Result};
use crate::users::fetch_user_for;
use shared::validation::clean_text;

/// The longest `scaWalletTag` (the spec's `maxLength`) and lock message we keep.
pub const TAG_MAX_LEN: usize = 256;
pub const LOCK_MESSAGE_MAX_LEN: usize = 500;

/// A device to enrol (`POST /core-connect/sca/scawallets`).
#[derive(Clone, Debug, Default)]
pub struct NewScaDevice {
    pub user_id: Option<i64>,
    pub tag: Option<String>,
    /// The phone, for a mobile device; `None` enrols a web device.
    pub mobile: Option<MobileDevice>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    user_id: i64,
    status: String,
    passcode_status: String,
    locked: i64,
    lock_reason: Option<String>,
    lock_message: Option<String>,
    device_kind: String,
    mobile_os: Option<String>,
    mobile_os_version: Option<String>,
    mobile_brand: Option<String>,
    mobile_model: Option<String>,
    sca_wallet_tag: Option<String>,
    creation_date: String,
    activation_date: Option<String>,
    lock_date: Option<String>,
    unlock_date: Option<String>,
    reset_pin_date: Option<String>,
    deletion_date: Option<String>,
}

impl Row {
    fn typed(self) -> Result<ScaDevice> {
        let stored = |what: &str| Error::Internal(format!("SCA device {}: the stored {what} is not valid", self.id));
        let kind = match self.device_kind.as_str() {
            "web" => DeviceKind::Web,
            "mobile" => DeviceKind::Mobile(MobileDevice {
                os: self.mobile_os.clone().unwrap_or_default(),
                os_version: self.mobile_os_version.clone().unwrap_or_default(),
                brand: self.mobile_brand.clone().unwrap_or_default(),
                model: self.mobile_model.clone().unwrap_or_default(),
            }),
            _ => return Err(stored("device kind")),
        };
        let lock_reason = match self.lock_reason.as_deref() {
            None => None,
            Some(code) => Some(LockReason::parse(code).ok_or_else(|| stored("lock reason"))?),
        };
        Ok(ScaDevice {
            id: self.id,
            user_id: self.user_id,
            status: ScaStatus::parse(&self.status).ok_or_else(|| stored("status"))?,
            passcode_status: PasscodeStatus::parse(&self.passcode_status).ok_or_else(|| stored("passcode status"))?,
            locked: self.locked != 0,
            lock_reason,
            lock_message: self.lock_message,
            kind,
            tag: self.sca_wallet_tag,
            creation_date: self.creation_date,
            activation_date: self.activation_date,
            lock_date: self.lock_date,
            unlock_date: self.unlock_date,
            reset_pin_date: self.reset_pin_date,
            deletion_date: self.deletion_date,
        })
    }
}

const SELECT: &str = "SELECT id, user_id, status, passcode_status, locked, lock_reason, lock_message, device_kind, \
    mobile_os, mobile_os_version, mobile_brand, mobile_model, sca_wallet_tag, creation_date, activation_date, \
    lock_date, unlock_date, reset_pin_date, deletion_date FROM sca_devices";

async fn fetch(tx: &mut Transaction<'_, Any>, id: i64) -> Result<ScaDevice> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.ok_or(Error::NotFound)?.typed()
}

/// Who may run `command`: operators per the role table (DESIGN.md: securing needs
/// read_write; unlocking, resetting the PIN and deleting need legal), API clients per the
/// spec's scope of the endpoint (legal for resetPin, read_write for the others).
fn require_may(actor: &Actor, command: ScaCommand) -> Result<()> {
    let api_scope = if command == ScaCommand::ResetPin { Scope::Legal } else { Scope::ReadWrite };
    actor.require_at_endpoint(command.action(), api_scope)
}

/// Text from a client (`shared::validation::clean_text`).
fn optional_text(field: &str, value: Option<String>, max: usize) -> Result<Option<String>> {
    Ok(clean_text(field, value.as_deref(), max)?)
}

/// The longest of a phone's descriptions (OS, version, brand, model).
pub const MOBILE_FIELD_MAX_LEN: usize = 100;

/// A phone's description, each part cleaned; OS, brand and model are required.
fn clean_mobile(m: MobileDevice) -> Result<MobileDevice> {
    let required = |field: &str, value: &str| {
        optional_text(field, Some(value.to_string()), MOBILE_FIELD_MAX_LEN)?
            .ok_or_else(|| Error::invalid(field, format!("mobileWallet.{field} is required.")))
    };
    Ok(MobileDevice {
        os: required("os", &m.os)?,
        os_version: optional_text("osVersion", Some(m.os_version), MOBILE_FIELD_MAX_LEN)?.unwrap_or_default(),
        brand: required("brand", &m.brand)?,
        model: required("productModel", &m.model)?,
    })
}

/// The audit action of each command.
fn audit_action(command: ScaCommand) -> AuditAction {
    match command {
        ScaCommand::Secure => AuditAction::ScaDeviceLocked,
        ScaCommand::Unlock => AuditAction::ScaDeviceUnlocked,
        ScaCommand::ResetPin => AuditAction::ScaDevicePinReset,
        ScaCommand::Delete => AuditAction::ScaDeviceDeleted,
    }
}

impl Backend {
    /// The user's devices, oldest first; deleted ones only when asked for.
    pub async fn list_sca_devices(&self, actor: &Actor, user_id: i64, include_deleted: bool) -> Result<Vec<ScaDevice>> {
        actor.require(Action::ReadUsers)?;
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM end_users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.db.pool)
            .await?;
        known.ok_or(Error::NotFound)?;
        let live_only = if include_deleted { "" } else { " AND status <> 'DELETED'" };
        let rows: Vec<Row> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE user_id = $1{live_only} ORDER BY id")))
                .bind(user_id)
                .fetch_all(&self.db.pool)
                .await?;
        rows.into_iter().map(Row::typed).collect()
    }

    /// "View deleted devices": the user's devices that used to be enrolled, oldest first.
    pub async fn list_deleted_sca_devices(&self, actor: &Actor, user_id: i64) -> Result<Vec<ScaDevice>> {
        let all = self.list_sca_devices(actor, user_id, true).await?;
        Ok(all.into_iter().filter(|d| d.status == ScaStatus::Deleted).collect())
    }

    /// The dashboard's SCA commands exist only while System Configuration shows the section
    /// (the REST API is not a view, and does not depend on it).
    pub async fn require_sca_section(&self, actor: &Actor) -> Result<()> {
        if self.system_settings(actor).await?.sca_devices_section {
            Ok(())
        } else {
            Err(Error::Forbidden("The SCA devices section is turned off in System Configuration."))
        }
    }

    /// One device, deleted or not.
    pub async fn get_sca_device(&self, actor: &Actor, id: i64) -> Result<ScaDevice> {
        actor.require(Action::ReadUsers)?;
        let mut tx = self.db.pool.begin().await?;
        fetch(&mut tx, id).await
    }

    /// Enrols a device for a user. It starts CREATED, its PIN not set ("Passcode missing").
    pub async fn enrol_sca_device(&self, actor: &Actor, meta: &RequestMeta, new: NewScaDevice) -> Result<ScaDevice> {
        let mut change = self.begin_change(actor, meta, Action::EnrolScaDevice).await?;
        let user_id = new.user_id.ok_or_else(|| Error::invalid("userId", "userId is required."))?;
        let tag = optional_text("scaWalletTag", new.tag, TAG_MAX_LEN)?;
        let mobile = new.mobile.map(clean_mobile).transpose()?;
        match fetch_user_for(&mut change.tx, user_id, Action::EnrolScaDevice).await {
            Err(Error::NotFound) => return Err(Error::invalid("userId", "userId names no user.")),
            other => other?,
        };
        let mobile = mobile.as_ref();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sca_devices (user_id, status, passcode_status, device_kind, mobile_os, mobile_os_version, \
             mobile_brand, mobile_model, sca_wallet_tag, creation_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(user_id)
        .bind(ScaStatus::Created.name())
        .bind(PasscodeStatus::NotSet.name())
        .bind(if mobile.is_some() { "mobile" } else { "web" })
        .bind(mobile.map(|m| m.os.clone()))
        .bind(mobile.map(|m| m.os_version.clone()))
        .bind(mobile.map(|m| m.brand.clone()))
        .bind(mobile.map(|m| m.model.clone()))
        .bind(tag)
        .bind(clock::now_rfc3339())
        .fetch_one(&mut *change.tx)
        .await?;
        let created = fetch(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::ScaDeviceCreated, id).after(&created)?).await?;
        change.commit().await?;
        Ok(created)
    }

    /// "Secure SCA on this device": locks it with a reason and an optional message.
    pub async fn lock_sca_device(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        reason: Option<&str>,
        message: Option<String>,
    ) -> Result<ScaDevice> {
        // The caller first: an unauthorised request learns nothing about its input.
        require_may(actor, ScaCommand::Secure)?;
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| Error::invalid("lockReason", "lockReason is required."))?;
        let reason = LockReason::parse(reason).ok_or_else(|| {
            let allowed: Vec<&str> = LockReason::ALL.iter().map(|r| r.code()).collect();
            Error::invalid("lockReason", format!("lockReason must be one of {}.", allowed.join(", ")))
        })?;
        let message = optional_text("lockMessage", message, LOCK_MESSAGE_MAX_LEN)?;
        self.run_sca_command(actor, meta, id, ScaCommand::Secure, Some((reason, message))).await
    }

    /// "Unlock SCA on this device".
    pub async fn unlock_sca_device(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<ScaDevice> {
        self.run_sca_command(actor, meta, id, ScaCommand::Unlock, None).await
    }

    /// "Reset PIN" (mobile devices only): the user must choose a new PIN in their app.
    pub async fn reset_sca_pin(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<ScaDevice> {
        self.run_sca_command(actor, meta, id, ScaCommand::ResetPin, None).await
    }

    /// "Delete SCA on this device": irreversible; the device stays, marked DELETED.
    pub async fn delete_sca_device(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<ScaDevice> {
        self.run_sca_command(actor, meta, id, ScaCommand::Delete, None).await
    }

    /// Checks the caller, the owner and the device's state, then writes the command and its
    /// audit row. A refusal changes nothing and records nothing.
    async fn run_sca_command(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        command: ScaCommand,
        lock: Option<(LockReason, Option<String>)>,
    ) -> Result<ScaDevice> {
        require_may(actor, command)?;
        let mut change = self.open_change(actor, meta).await?;
        let before = fetch(&mut change.tx, id).await?;
        // Unlocking or resetting the PIN of a canceled user's device is refused; securing and
        // deleting stay possible (they protect).
        fetch_user_for(&mut change.tx, before.user_id, command.action()).await?;
        if let Some(refusal) = before.refusal(command) {
            return Err(Error::Conflict(refusal.into()));
        }
        let now = clock::now_rfc3339();
        // Each UPDATE repeats the state it expects, so that of two racing commands one wins
        // and the other is refused.
        let query = match (command, lock) {
            (ScaCommand::Secure, Some((reason, message))) => sqlx::query(
                "UPDATE sca_devices SET locked = 1, lock_reason = $3, lock_message = $4, lock_date = $1 \
                 WHERE id = $2 AND locked = 0 AND status <> 'DELETED'",
            )
            .bind(now)
            .bind(id)
            .bind(reason.code())
            .bind(message),
            (ScaCommand::Secure, None) => return Err(Error::invalid("lockReason", "lockReason is required.")),
            (ScaCommand::Unlock, _) => sqlx::query(
                "UPDATE sca_devices SET locked = 0, lock_reason = NULL, lock_message = NULL, unlock_date = $1 \
                 WHERE id = $2 AND locked = 1 AND status <> 'DELETED'",
            )
            .bind(now)
            .bind(id),
            (ScaCommand::ResetPin, _) => sqlx::query(
                "UPDATE sca_devices SET passcode_status = 'TO_BE_CHANGED', reset_pin_date = $1 \
                 WHERE id = $2 AND device_kind = 'mobile' AND status <> 'DELETED'",
            )
            .bind(now)
            .bind(id),
            (ScaCommand::Delete, _) => sqlx::query(
                "UPDATE sca_devices SET status = 'DELETED', deletion_date = $1 WHERE id = $2 AND status <> 'DELETED'",
            )
            .bind(now)
            .bind(id),
        };
        if query.execute(&mut *change.tx).await?.rows_affected() != 1 {
            return Err(Error::Conflict("This SCA device changed meanwhile; reload it and try again.".into()));
        }
        let after = fetch(&mut change.tx, id).await?;
        change.audit(Record::new(audit_action(command), id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }
}
