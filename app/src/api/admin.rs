//! Server functions of System Configuration, Onboarding Users and "Send forgot password".

use leptos::prelude::*;
use server_fn::codec::Json;
use shared::dto::{OnboardingEntry, Page, SystemSettings};

use crate::client::AppClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::with_actor;

#[server(endpoint = "settings/get", input = Json, client = AppClient)]
pub async fn load_system_settings() -> Result<SystemSettings, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.system_settings(&actor).await }).await
}

#[server(endpoint = "settings/update", input = Json, client = AppClient)]
pub async fn update_system_settings(settings: SystemSettings) -> Result<SystemSettings, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.update_system_settings(&actor, &ctx.meta, settings).await }).await
}

#[server(endpoint = "onboarding/list", input = Json, client = AppClient)]
pub async fn list_onboarding(completed: bool, page: i64, page_size: i64) -> Result<Page<OnboardingEntry>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.list_onboarding(&actor, completed, page, page_size).await }).await
}

/// Answers the address the email went to.
#[server(endpoint = "users/forgot-password", input = Json, client = AppClient)]
pub async fn send_forgot_password(id: i64) -> Result<String, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.send_forgot_password(&actor, &ctx.meta, id).await }).await
}
