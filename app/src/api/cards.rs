//! Server functions of the Cards tab's actions. The backend checks the role and the card's
//! state (`shared::cards`).

use leptos::prelude::*;
use server_fn::codec::Json;
use shared::cards::{CardSettings, RestrictionGroup, RestrictionKind};
use shared::domain::{Card, CardStatus};
use shared::dto::{CardSearch, KeysetPage};

use crate::client::AppClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::with_actor;

#[server(endpoint = "cards/activate", input = Json, client = AppClient)]
pub async fn activate_card(id: i64) -> Result<Card, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.activate_card(&actor, &ctx.meta, id).await }).await
}

/// "Block card" (lock, lost, stolen, destroyed) and unlocking a locked card.
#[server(endpoint = "cards/status", input = Json, client = AppClient)]
pub async fn set_card_status(id: i64, status: CardStatus) -> Result<Card, AppError> {
    with_actor(|ctx, actor| async move {
        let code = status.lock_status();
        ctx.backend.set_card_lock_status(&actor, &ctx.meta, id, code).await
    })
    .await
}

/// "Update card settings": limits, options, restriction groups and tag together. `seen` is
/// the card's `modified_date` when the dialog opened (a newer change is not undone).
#[server(endpoint = "cards/settings", input = Json, client = AppClient)]
pub async fn update_card_settings(id: i64, settings: CardSettings, seen: Option<String>) -> Result<Card, AppError> {
    with_actor(
        |ctx, actor| async move { ctx.backend.update_card_settings(&actor, &ctx.meta, id, settings, seen).await },
    )
    .await
}

/// The restriction groups of one kind (Predef Restriction Groups, the card settings' pickers).
#[server(endpoint = "groups/list", input = Json, client = AppClient)]
pub async fn list_restriction_groups(kind: RestrictionKind) -> Result<Vec<RestrictionGroup>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.list_restriction_groups(&actor, kind).await }).await
}

/// Creates a group (`id` None) or changes one.
#[server(endpoint = "groups/save", input = Json, client = AppClient)]
pub async fn save_restriction_group(
    kind: RestrictionKind,
    id: Option<i64>,
    name: String,
    is_whitelist: bool,
    items: Vec<String>,
) -> Result<RestrictionGroup, AppError> {
    use backend::restriction_groups::GroupInput;
    with_actor(|ctx, actor| async move {
        let input = GroupInput {
            name: Some(name),
            is_whitelist: Some(is_whitelist),
            items: Some(items),
            ..GroupInput::default()
        };
        match id {
            None => ctx.backend.create_restriction_group(&actor, &ctx.meta, kind, input).await,
            Some(id) => ctx.backend.update_restriction_group(&actor, &ctx.meta, kind, id, input).await,
        }
    })
    .await
}

#[server(endpoint = "groups/cancel", input = Json, client = AppClient)]
pub async fn cancel_restriction_group(kind: RestrictionKind, id: i64) -> Result<RestrictionGroup, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.cancel_restriction_group(&actor, &ctx.meta, kind, id).await })
        .await
}

/// All Cards.
#[server(endpoint = "cards/search", input = Json, client = AppClient)]
pub async fn search_cards(search: CardSearch) -> Result<KeysetPage<Card>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.search_cards(&actor, &search).await }).await
}

/// All Card Transactions, and a card's last transactions.
#[server(endpoint = "cards/transactions", input = Json, client = AppClient)]
pub async fn search_card_transactions(
    search: shared::dto::CardTransactionSearch,
) -> Result<KeysetPage<shared::cards::CardTransaction>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.search_card_transactions(&actor, &search).await }).await
}

/// Bulk Cards: starts a job from the CSV's text.
#[server(endpoint = "bulk-cards/start", input = Json, client = AppClient)]
pub async fn start_bulk_cards(csv: String) -> Result<shared::dto::BulkJob, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.start_bulk_cards(&actor, &ctx.meta, &csv).await }).await
}

/// A Bulk Cards job's progress and report.
#[server(endpoint = "bulk-cards/job", input = Json, client = AppClient)]
pub async fn bulk_cards_job(id: i64) -> Result<shared::dto::BulkJob, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.bulk_job(&actor, id).await }).await
}
