//! Server functions of the Profile tab's SCA devices section. The backend checks the role
//! and the device's state (`shared::sca`).

use leptos::prelude::*;
use server_fn::codec::Json;
use shared::sca::{LockReason, ScaCommand, ScaDevice};

use crate::client::AppClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::with_actor;

/// "Secure SCA on this device".
#[server(endpoint = "sca/secure", input = Json, client = AppClient)]
pub async fn secure_sca_device(id: i64, reason: LockReason, message: String) -> Result<ScaDevice, AppError> {
    with_actor(|ctx, actor| async move {
        ctx.backend.require_sca_section(&actor).await?;
        ctx.backend.lock_sca_device(&actor, &ctx.meta, id, Some(reason.code()), Some(message)).await
    })
    .await
}

/// Unlock, Reset PIN or Delete (Secure takes a reason: `secure_sca_device`).
#[server(endpoint = "sca/command", input = Json, client = AppClient)]
pub async fn run_sca_command(id: i64, command: ScaCommand) -> Result<ScaDevice, AppError> {
    with_actor(|ctx, actor| async move {
        ctx.backend.require_sca_section(&actor).await?;
        match command {
            ScaCommand::Unlock => ctx.backend.unlock_sca_device(&actor, &ctx.meta, id).await,
            ScaCommand::ResetPin => ctx.backend.reset_sca_pin(&actor, &ctx.meta, id).await,
            ScaCommand::Delete => ctx.backend.delete_sca_device(&actor, &ctx.meta, id).await,
            ScaCommand::Secure => Err(backend::Error::invalid("lockReason", "lockReason is required.")),
        }
    })
    .await
}

/// "View deleted devices": the user's devices that used to be enrolled.
#[server(endpoint = "sca/deleted", input = Json, client = AppClient)]
pub async fn list_deleted_sca_devices(user_id: i64) -> Result<Vec<ScaDevice>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.list_deleted_sca_devices(&actor, user_id).await }).await
}
