//! `GET /v1/cards` and `/v1/cards/{id}` in Treezor's envelope (the card actions are `cards`).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::Value;

use super::{ApiError, Caller, json as to_json, positive_id};
use crate::AppState;

fn required_user(params: &HashMap<String, String>) -> Result<i64, ApiError> {
    let raw = params
        .get("userId")
        .ok_or_else(|| ApiError::bad_request("input_validation_error", "userId: userId is required."))?;
    positive_id("userId", raw)
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
