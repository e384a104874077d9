//! System Configuration: feature toggles kept in the database and read on each use, so a
//! change takes effect at once, without a restart.

use shared::Action;
use shared::dto::SystemSettings;
use sqlx::{Any, Executor};

use crate::Backend;
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::Result;

const SEND_FORGOT_PASSWORD: &str = "send_forgot_password";
const SCA_DEVICES_SECTION: &str = "sca_devices_section";

pub(crate) async fn read<'e>(db: impl Executor<'e, Database = Any>) -> Result<SystemSettings> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM settings").fetch_all(db).await?;
    let flag = |key: &str| rows.iter().any(|(k, v)| k == key && v == "true");
    Ok(SystemSettings {
        send_forgot_password: flag(SEND_FORGOT_PASSWORD),
        sca_devices_section: flag(SCA_DEVICES_SECTION),
    })
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
        let mut change = self.begin_change(actor, meta, Action::ManageSystemConfiguration).await?;
        let before = read(&mut *change.tx).await?;
        let now = clock::now_rfc3339();
        for (key, on) in
            [(SEND_FORGOT_PASSWORD, new.send_forgot_password), (SCA_DEVICES_SECTION, new.sca_devices_section)]
        {
            sqlx::query("UPDATE settings SET value = $1, modified_date = $2 WHERE key = $3")
                .bind(if on { "true" } else { "false" })
                .bind(&now)
                .bind(key)
                .execute(&mut *change.tx)
                .await?;
        }
        let after = read(&mut *change.tx).await?;
        // Saving the same settings again changes nothing and records nothing.
        if after != before {
            change.audit(Record::new(AuditAction::SettingsUpdated, 0).before(&before)?.after(&after)?).await?;
            change.commit().await?;
        }
        Ok(after)
    }
}
