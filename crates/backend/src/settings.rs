//! System Configuration: feature toggles kept in the database and read on each use, so a
//! change takes effect at once, without a restart.

use shared::dto::SystemSettings;
use shared::{Action, Role};
use sqlx::{Any, Executor};

use crate::Backend;
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::{Error, Result};

const SEND_FORGOT_PASSWORD: &str = "send_forgot_password";
const SCA_DEVICES_SECTION: &str = "sca_devices_section";
const PAYOUT_APPROVAL_ENABLED: &str = "payout_approval_enabled";
const PAYOUT_APPROVAL_THRESHOLD: &str = "payout_approval_threshold";
pub(crate) const TWO_FACTOR_REQUIRED_ROLES: &str = "two_factor_required_roles";
/// The largest threshold System Configuration takes (whole units).
pub const PAYOUT_THRESHOLD_MAX: i64 = 1_000_000_000;

pub(crate) async fn read<'e>(db: impl Executor<'e, Database = Any>) -> Result<SystemSettings> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM settings").fetch_all(db).await?;
    let flag = |key: &str| rows.iter().any(|(k, v)| k == key && v == "true");
    Ok(SystemSettings {
        send_forgot_password: flag(SEND_FORGOT_PASSWORD),
        sca_devices_section: flag(SCA_DEVICES_SECTION),
        payout_approval_enabled: flag(PAYOUT_APPROVAL_ENABLED),
        payout_approval_threshold: rows
            .iter()
            .find(|(k, _)| k == PAYOUT_APPROVAL_THRESHOLD)
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1000),
        two_factor_required_roles: rows
            .iter()
            .find(|(k, _)| k == TWO_FACTOR_REQUIRED_ROLES)
            .map(|(_, v)| parse_roles(v))
            .unwrap_or_default(),
    })
}

/// The roles of a stored list ("manager,administrator"); an unknown code is skipped.
pub(crate) fn parse_roles(stored: &str) -> Vec<Role> {
    Role::ALL.into_iter().filter(|role| stored.split(',').any(|code| code.trim() == role.as_str())).collect()
}

fn format_roles(roles: &[Role]) -> String {
    Role::ALL.into_iter().filter(|role| roles.contains(role)).map(Role::as_str).collect::<Vec<_>>().join(",")
}

impl Backend {
    /// The toggles, for every logged-in operator (they decide what the views offer).
    pub async fn system_settings(&self, actor: &Actor) -> Result<SystemSettings> {
        actor.require(Action::ReadUsers)?;
        read(&self.db.pool).await
    }

    pub async fn update_system_settings(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        new: SystemSettings,
    ) -> Result<SystemSettings> {
        if !(0..=PAYOUT_THRESHOLD_MAX).contains(&new.payout_approval_threshold) {
            return Err(Error::invalid(
                "payoutApprovalThreshold",
                format!("The threshold is a whole amount from 0 to {PAYOUT_THRESHOLD_MAX}."),
            ));
        }
        let mut change = self.begin_change(actor, meta, Action::ManageSystemConfiguration).await?;
        let before = read(&mut *change.tx).await?;
        let now = clock::now_rfc3339();
        let flag = |on: bool| if on { "true".to_string() } else { "false".to_string() };
        for (key, value) in [
            (SEND_FORGOT_PASSWORD, flag(new.send_forgot_password)),
            (SCA_DEVICES_SECTION, flag(new.sca_devices_section)),
            (PAYOUT_APPROVAL_ENABLED, flag(new.payout_approval_enabled)),
            (PAYOUT_APPROVAL_THRESHOLD, new.payout_approval_threshold.to_string()),
            (TWO_FACTOR_REQUIRED_ROLES, format_roles(&new.two_factor_required_roles)),
        ] {
            sqlx::query("UPDATE settings SET value = $1, modified_date = $2 WHERE key = $3")
                .bind(value)
                .bind(&now)
                .bind(key)
                .execute(&mut *change.tx)
                .await?;
        }
        let after = read(&mut *change.tx).await?;
        let newly_required: Vec<Role> = after
            .two_factor_required_roles
            .iter()
            .filter(|role| !before.two_factor_required_roles.contains(role))
            .copied()
            .collect();
        let api_tokens_ended =
            crate::two_factor::end_tokens_without_two_factor(&mut change.tx, &newly_required).await?;
        // Saving the same settings again changes nothing and records nothing.
        if after != before {
            let recorded = SettingsSaved { settings: &after, api_tokens_ended };
            change.audit(Record::new(AuditAction::SettingsUpdated, 0).before(&before)?.after(&recorded)?).await?;
            change.commit().await?;
        }
        Ok(after)
    }
}

/// What the audit records of a save: the settings, and the API tokens that requiring
/// two-factor of a role ended (their operators have none set up).
#[derive(serde::Serialize)]
struct SettingsSaved<'a> {
    #[serde(flatten)]
    settings: &'a SystemSettings,
    #[serde(skip_serializing_if = "is_zero")]
    api_tokens_ended: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
