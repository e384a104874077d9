//! Server functions of the public pages (no operator session): sign-up, activation and
//! password reset for end users. The token in a link is the only credential.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::client::AppClient;
use crate::error::AppError;

#[server(endpoint = "public/sign-up", input = Json, client = AppClient)]
pub async fn sign_up(email: String, password: String) -> Result<(), AppError> {
    let ctx = crate::ssr::request_context()?;
    ctx.backend.sign_up(&ctx.meta, &email, password).await.map_err(|e| ctx.error(e))
}

/// Completes the onboarding; answers the new user's id.
#[server(endpoint = "public/activate", input = Json, client = AppClient)]
pub async fn activate_account(token: String) -> Result<i64, AppError> {
    let ctx = crate::ssr::request_context()?;
    let user = ctx.backend.activate_account(&ctx.meta, &token).await.map_err(|e| ctx.error(e))?;
    Ok(user.id)
}

#[server(endpoint = "public/reset-password", input = Json, client = AppClient)]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let ctx = crate::ssr::request_context()?;
    ctx.backend.reset_password(&ctx.meta, &token, password).await.map_err(|e| ctx.error(e))
}
