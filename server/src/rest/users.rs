//! `/v1/users`: create, read, update and deactivate end users, in Treezor's envelope
//! `{"users":[...]}` (a list even for one user).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use backend::users::DeactivationOrigin;
use serde::Deserialize;
use serde_json::{Map, Value};
use shared::domain::EndUser;

use super::{ApiError, BearerToken, Caller, json, parse_json, positive_id};
use crate::AppState;

fn envelope(user: EndUser) -> Json<Value> {
    Json(json::users([&user]))
}

/// The `{userId}` of the path.
fn user_id(raw: &str) -> Result<i64, ApiError> {
    positive_id("userId", raw)
}

fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match parse_json::<Value>(body)? {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::bad_request("input_validation_error", "The body must be a JSON object.")),
    }
}

pub async fn create(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    let input = object(&body)?;
    let user = state.backend.create_user(&caller.actor, &caller.meta, input).await?;
    Ok(envelope(user))
}

/// The token is checked in the read's statement (`get_user_with_bearer`): one round trip.
pub async fn get(
    State(state): State<AppState>,
    BearerToken(token): BearerToken,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = match user_id(&id) {
        Ok(id) => id,
        Err(bad_id) => {
            // A bad token is refused first, as on every other route.
            state.backend.authenticate_bearer(&token).await?;
            return Err(bad_id);
        }
    };
    let user = state.backend.get_user_with_bearer(&token, id).await?;
    Ok(envelope(user))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = user_id(&id)?;
    let input = object(&body)?;
    let user = state.backend.update_user(&caller.actor, &caller.meta, id, input).await?;
    Ok(envelope(user))
}

#[derive(Deserialize)]
pub struct OriginQuery {
    origin: Option<String>,
}

/// `origin` comes in the query string or the JSON body; it is required.
pub async fn deactivate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<OriginQuery>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = user_id(&id)?;
    let from_body =
        if body.is_empty() { None } else { object(&body)?.get("origin").and_then(Value::as_str).map(str::to_string) };
    let origin = query
        .origin
        .or(from_body)
        .as_deref()
        .and_then(DeactivationOrigin::parse)
        .ok_or_else(|| ApiError::bad_request("input_validation_error", "origin must be OPERATOR or USER."))?;
    let user = state.backend.deactivate_user(&caller.actor, &caller.meta, id, origin).await?;
    Ok(envelope(user))
}

/// `GET /v1/users`: the search; `totalRows` rides on the first user, as in Treezor's API. It
/// is exact up to `backend::listing`'s cap (1,000); beyond, `totalRows` is the cap and
/// `totalRowsCapped` is true (more users match: a count of all would read them all). A
/// name search counts its best 200 (`users_search::NAME_CAP`).
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let search = backend::users_search::UserSearch::from_params(&params)?;
    let page = state.backend.search_users(&caller.actor, &search).await?;
    let mut users: Vec<Map<String, Value>> = page.users.iter().map(json::user).collect();
    if let Some(first) = users.first_mut() {
        first.insert("totalRows".into(), Value::from(page.total.count));
        first.insert("totalRowsCapped".into(), Value::from(page.total.more));
    }
    Ok(Json(serde_json::json!({ "users": users })))
}

/// `PUT /v1/users/{userId}/FreezeAssets` with `{"isFrozen": 1}` (freeze) or `0` (unfreeze).
pub async fn freeze_assets(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = user_id(&id)?;
    let frozen = match object(&body)?.get("isFrozen").and_then(Value::as_i64) {
        Some(0) => false,
        Some(1) => true,
        _ => return Err(ApiError::bad_request("input_validation_error", "isFrozen: isFrozen must be 0 or 1.")),
    };
    let user = state.backend.set_frozen(&caller.actor, &caller.meta, id, frozen).await?;
    Ok(envelope(user))
}

/// `PUT /v1/users/{userId}/Kycreview`: sends the user (and its children) to KYC review.
pub async fn kyc_review(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = user_id(&id)?;
    let user = state.backend.request_kyc_review(&caller.actor, &caller.meta, id).await?;
    Ok(envelope(user))
}
