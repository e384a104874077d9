//! Server functions of My sessions, of ending an operator's sessions (Dashboard Users), of
//! two-factor authentication and of the API clients view.

use leptos::prelude::*;
use server_fn::codec::Json;
use shared::Scope;
use shared::dto::{
    ApiClientSummary, Me, NewApiClientCredentials, RecoveryCodes, SessionInfo, TwoFactorEnrolment, TwoFactorStatus,
};
use shared::secret::Secret;

use crate::client::AppClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::with_actor;

#[server(endpoint = "session/list", input = Json, client = AppClient)]
pub async fn list_my_sessions() -> Result<Vec<SessionInfo>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.my_sessions(&actor, ctx.session.as_ref()).await }).await
}

#[server(endpoint = "session/end", input = Json, client = AppClient)]
pub async fn end_my_session(id: String) -> Result<(), AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.end_my_session(&actor, &ctx.meta, &id).await }).await
}

/// Answers how many sessions ended.
#[server(endpoint = "operators/end-sessions", input = Json, client = AppClient)]
pub async fn end_operator_sessions(id: i64) -> Result<u64, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.end_operator_sessions(&actor, &ctx.meta, id).await }).await
}

#[server(endpoint = "two-factor/status", input = Json, client = AppClient)]
pub async fn load_two_factor_status() -> Result<TwoFactorStatus, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.two_factor_status(&actor).await }).await
}

/// Step one of setting up two-factor authentication (the current password is asked again).
/// Replacing a set-up also takes a code of the current one (`current_code`).
#[server(endpoint = "two-factor/start", input = Json, client = AppClient)]
pub async fn start_two_factor(
    current_password: Secret,
    current_code: Option<Secret>,
) -> Result<TwoFactorEnrolment, AppError> {
    with_actor(|ctx, actor| async move {
        let code = current_code.as_ref().map(Secret::expose);
        ctx.backend.start_two_factor_enrolment(&actor, &ctx.meta, current_password, code).await
    })
    .await
}

/// Step two: a code from the app confirms the set-up; the recovery codes come back once.
#[server(endpoint = "two-factor/confirm", input = Json, client = AppClient)]
pub async fn confirm_two_factor(code: String) -> Result<(Me, RecoveryCodes), AppError> {
    with_actor(|ctx, actor| async move {
        ctx.backend.confirm_two_factor_enrolment(&actor, &ctx.meta, ctx.session.as_ref(), &code).await
    })
    .await
}

/// An Administrator removes an operator's two-factor authentication (Dashboard Users).
#[server(endpoint = "operators/reset-two-factor", input = Json, client = AppClient)]
pub async fn reset_operator_two_factor(id: i64) -> Result<(), AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.reset_operator_two_factor(&actor, &ctx.meta, id).await }).await
}

#[server(endpoint = "api-clients/list", input = Json, client = AppClient)]
pub async fn list_api_clients() -> Result<Vec<ApiClientSummary>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.list_api_clients(&actor).await }).await
}

#[server(endpoint = "api-clients/create", input = Json, client = AppClient)]
pub async fn create_api_client(name: String, scopes: Vec<Scope>) -> Result<NewApiClientCredentials, AppError> {
    with_actor(|ctx, actor| async move {
        let created = ctx.backend.create_api_client(&actor, &ctx.meta, &name, &scopes).await?;
        let client = ctx.backend.get_api_client(&actor, created.id).await?;
        Ok(NewApiClientCredentials { client, client_secret: created.client_secret.into() })
    })
    .await
}

#[server(endpoint = "api-clients/revoke", input = Json, client = AppClient)]
pub async fn revoke_api_client(id: i64) -> Result<ApiClientSummary, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.revoke_api_client(&actor, &ctx.meta, id).await }).await
}
