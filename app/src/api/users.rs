//! Server functions of the end-user views: search, profiles and the actions on a user. Each
//! calls the same `backend` function as the REST API; the backend checks the permission.

use leptos::prelude::*;
use serde_json::{Map, Value};
use server_fn::codec::Json;
use shared::domain::{EndUser, TaxResidence};
use shared::dto::{KeysetPage, TaxResidenceDraft, UserList, UserLookup, UserProfile};

use crate::client::AppClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::with_actor;

/// The search toolbar.
#[server(endpoint = "users/lookup", input = Json, client = AppClient)]
pub async fn lookup_users(lookup: UserLookup) -> Result<UserList, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.lookup_users(&actor, &lookup).await }).await
}

/// All Users: the REST search's parameters (`userTypeId`, `userStatus`, dates, sort, page
/// size) and the page's cursor (`before` / `after`): a keyset page, whatever is added
/// between two pages.
#[server(endpoint = "users/search", input = Json, client = AppClient)]
pub async fn search_users(params: Vec<(String, String)>) -> Result<KeysetPage<EndUser>, AppError> {
    with_actor(|ctx, actor| async move {
        let params = params.into_iter().collect();
        let mut search = backend::users_search::UserSearch::from_params(&params)?;
        search.at.get_or_insert(shared::dto::Keyset::First);
        let page = ctx.backend.search_users(&actor, &search).await?;
        Ok(KeysetPage { items: page.users, total: page.total, newer: page.newer, older: page.older })
    })
    .await
}

#[server(endpoint = "users/profile", input = Json, client = AppClient)]
pub async fn load_user_profile(id: i64) -> Result<UserProfile, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.user_profile(&actor, id).await }).await
}

#[server(endpoint = "users/create", input = Json, client = AppClient)]
pub async fn create_user(input: Map<String, Value>) -> Result<EndUser, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.create_user(&actor, &ctx.meta, input).await }).await
}

/// Edit user information: only the changed fields are sent.
#[server(endpoint = "users/update", input = Json, client = AppClient)]
pub async fn update_user(id: i64, changes: Map<String, Value>) -> Result<EndUser, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.update_user(&actor, &ctx.meta, id, changes).await }).await
}

#[server(endpoint = "users/deactivate", input = Json, client = AppClient)]
pub async fn deactivate_user(id: i64) -> Result<EndUser, AppError> {
    use backend::users::DeactivationOrigin;
    with_actor(|ctx, actor| async move {
        ctx.backend.deactivate_user(&actor, &ctx.meta, id, DeactivationOrigin::Operator).await
    })
    .await
}

/// The KYC tab's "Request review": the Kycreview rule (operators need `legal`).
#[server(endpoint = "users/kyc-review", input = Json, client = AppClient)]
pub async fn request_kyc_review(id: i64) -> Result<EndUser, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.request_kyc_review(&actor, &ctx.meta, id).await }).await
}

/// The tax residences popup's "Save Changes".
#[server(endpoint = "users/tax-residences", input = Json, client = AppClient)]
pub async fn save_tax_residences(user_id: i64, kept: Vec<TaxResidenceDraft>) -> Result<Vec<TaxResidence>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.replace_tax_residences(&actor, &ctx.meta, user_id, kept).await })
        .await
}
