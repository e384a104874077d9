//! Server functions of the public pages (no operator session): sign-up, activation and
//! password reset for end users. The token in a link is the only credential.

use leptos::prelude::*;
use server_fn::codec::Json;
// Passwords and link tokens are `Secret`: the server-function argument structs derive
// `Debug`, and a secret must never show in one.
use shared::secret::Secret;

use crate::client::AppClient;
use crate::error::AppError;

#[server(endpoint = "public/sign-up", input = Json, client = AppClient)]
pub async fn sign_up(email: String, password: Secret) -> Result<(), AppError> {
    let ctx = crate::ssr::request_context()?;
    ctx.backend.sign_up(&ctx.meta, &email, password.into_inner()).await.map_err(|e| ctx.error(e))
}

/// Completes the onboarding; answers the new user's id.
#[server(endpoint = "public/activate", input = Json, client = AppClient)]
pub async fn activate_account(token: Secret) -> Result<i64, AppError> {
    let ctx = crate::ssr::request_context()?;
    let user = ctx.backend.activate_account(&ctx.meta, token.expose()).await.map_err(|e| ctx.error(e))?;
    Ok(user.id)
}

#[server(endpoint = "public/reset-password", input = Json, client = AppClient)]
pub async fn reset_password(token: Secret, password: Secret) -> Result<(), AppError> {
    let ctx = crate::ssr::request_context()?;
    ctx.backend.reset_password(&ctx.meta, token.expose(), password.into_inner()).await.map_err(|e| ctx.error(e))
}
