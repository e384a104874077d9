//! The server functions of the dashboard. Each body is thin: find the caller, call
//! `backend`, return. Permissions and rules are checked in `backend`, never here.

use leptos::prelude::*;
use server_fn::codec::Json;
use shared::dto::{AuditEntry, Me, OperatorForm, OperatorSummary, Page};
use shared::secret::Secret;

use crate::client::AppClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::{request_context, with_actor};

/// The logged-in operator, or `None` when nobody is (or the session ended).
#[server(endpoint = "session/me", input = Json, client = AppClient)]
pub async fn current_operator() -> Result<Option<Me>, AppError> {
    let ctx = request_context()?;
    match ctx.actor().await {
        Ok(backend::Actor::Operator(op)) => Ok(Some(op.me())),
        Ok(_) | Err(AppError::Unauthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}

#[server(endpoint = "session/login", input = Json, client = AppClient)]
pub async fn login(username: String, password: Secret) -> Result<Me, AppError> {
    let ctx = request_context()?;
    let (me, token) = ctx.backend.login(&username, password.into_inner(), &ctx.meta).await.map_err(|e| ctx.error(e))?;
    // A login waiting for its two-factor code lives minutes, its cookie too.
    let max_age = match me.pending {
        Some(shared::dto::PendingStep::EnterCode) => backend::two_factor::CODE_WAIT,
        _ => ctx.backend.sessions.absolute_timeout.as_secs() as i64,
    };
    ctx.set_cookie(ctx.cookie.set(&token, max_age)?);
    Ok(me)
}

/// The operator's own password: the current one, then the new one. A temporary password
/// (set by someone else) must be changed this way before anything else works.
#[server(endpoint = "session/change-password", input = Json, client = AppClient)]
pub async fn change_own_password(current: Secret, new: Secret) -> Result<Me, AppError> {
    with_actor(|ctx, actor| async move {
        let keep = ctx.session.as_ref().map(|t| t.0.clone());
        ctx.backend.change_own_password(&actor, &ctx.meta, keep.as_deref(), current, new).await
    })
    .await
}

/// The second step of a two-factor login: a code from the authenticator app, or a recovery
/// code. The waiting session is replaced by a new one (a new cookie).
#[server(endpoint = "session/verify-code", input = Json, client = AppClient)]
pub async fn verify_login_code(code: Secret) -> Result<Me, AppError> {
    let ctx = request_context()?;
    let waiting = ctx.session.clone().ok_or(AppError::Unauthenticated)?;
    let (me, token) =
        ctx.backend.verify_login_code(&waiting, code.expose(), &ctx.meta).await.map_err(|e| ctx.error(e))?;
    let max_age = ctx.backend.sessions.absolute_timeout.as_secs() as i64;
    ctx.set_cookie(ctx.cookie.set(&token, max_age)?);
    Ok(me)
}

#[server(endpoint = "session/logout", input = Json, client = AppClient)]
pub async fn logout() -> Result<(), AppError> {
    let ctx = request_context()?;
    if let Some(token) = &ctx.session {
        ctx.backend.logout(token, &ctx.meta).await.map_err(|e| ctx.error(e))?;
    }
    ctx.set_cookie(ctx.cookie.clear()?);
    Ok(())
}

#[server(endpoint = "operators/list", input = Json, client = AppClient)]
pub async fn list_operators() -> Result<Vec<OperatorSummary>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.list_operators(&actor).await }).await
}

#[server(endpoint = "operators/create", input = Json, client = AppClient)]
pub async fn create_operator(form: OperatorForm) -> Result<OperatorSummary, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.create_operator(&actor, &ctx.meta, form).await }).await
}

#[server(endpoint = "operators/update", input = Json, client = AppClient)]
pub async fn update_operator(id: i64, form: OperatorForm) -> Result<OperatorSummary, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.update_operator(&actor, &ctx.meta, id, form).await }).await
}

#[server(endpoint = "operators/delete", input = Json, client = AppClient)]
pub async fn delete_operator(id: i64) -> Result<(), AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.delete_operator(&actor, &ctx.meta, id).await }).await
}

#[server(endpoint = "operators/unblock", input = Json, client = AppClient)]
pub async fn unblock_operator(id: i64) -> Result<OperatorSummary, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.unblock_operator(&actor, &ctx.meta, id).await }).await
}

#[server(endpoint = "audit/list", input = Json, client = AppClient)]
pub async fn list_audit(page: i64, page_size: i64) -> Result<Page<AuditEntry>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.list_audit(&actor, page, page_size).await }).await
}

mod users;
pub use users::*;
mod account;
mod admin;
mod cards;
mod documents;
mod money;
mod public;
mod sca;
pub use account::*;
pub use admin::*;
pub use cards::*;
pub use documents::*;
pub use money::*;
pub use public::*;
pub use sca::*;
