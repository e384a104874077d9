//! Read-only `/v1/wallets`, `/v1/cards`, `/v1/beneficiaries` in their Treezor envelopes.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};

use super::{ApiError, Caller, json as to_json, positive_id};
use crate::AppState;

fn required_user(params: &HashMap<String, String>) -> Result<i64, ApiError> {
    let raw = params
        .get("userId")
        .ok_or_else(|| ApiError::bad_request("input_validation_error", "userId: userId is required."))?;
    positive_id("userId", raw)
}

pub async fn wallets(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let items = if let Some(raw) = params.get("walletId") {
        vec![state.backend.get_wallet(&caller.actor, positive_id("walletId", raw)?).await?]
    } else {
        state.backend.list_wallets(&caller.actor, required_user(&params)?).await?
    };
    Ok(Json(json!({ "wallets": items.iter().map(to_json::wallet).collect::<Vec<_>>() })))
}

pub async fn wallet(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let wallet = state.backend.get_wallet(&caller.actor, positive_id("walletId", &id)?).await?;
    Ok(Json(json!({ "wallets": [to_json::wallet(&wallet)] })))
}

pub async fn cards(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let items = match (params.get("cardId"), params.get("publicToken")) {
        (Some(raw), _) => vec![state.backend.find_card(&caller.actor, Some(positive_id("cardId", raw)?), None).await?],
        (None, Some(token)) => vec![state.backend.find_card(&caller.actor, None, Some(token)).await?],
        (None, None) => state.backend.list_cards(&caller.actor, required_user(&params)?).await?,
    };
    Ok(Json(to_json::cards(&items)))
}

pub async fn card(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let card = state.backend.find_card(&caller.actor, Some(positive_id("cardId", &id)?), None).await?;
    Ok(Json(to_json::cards([&card])))
}

pub async fn beneficiaries(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let items = state.backend.list_beneficiaries(&caller.actor, required_user(&params)?).await?;
    Ok(Json(json!({ "beneficiaries": items.iter().map(to_json::beneficiary).collect::<Vec<_>>() })))
}
