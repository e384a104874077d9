//! `/core-connect/sca/scawallets`: SCA devices in Treezor's `{"scaWallets":[...]}` envelope.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use backend::sca::NewScaDevice;
use serde::Deserialize;
use serde_json::Value;
use shared::sca::MobileDevice;

use super::{ApiError, Caller, json, parse_json, positive_id};
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Mobile {
    os: String,
    os_version: Option<String>,
    brand: String,
    product_model: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Create {
    /// A string in the spec; a number is taken too.
    user_id: Option<Value>,
    sca_wallet_tag: Option<String>,
    /// Checked against the spec's list; every device here authenticates by its PIN.
    #[serde(default)]
    auth_method: Vec<String>,
    mobile_wallet: Option<Mobile>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Lock {
    lock_reason: Option<String>,
    lock_message: Option<String>,
}

/// The spec's `authMethod` values.
const AUTH_METHODS: [&str; 4] = ["ID", "OTHER", "OTP EMAIL", "OTP SMS"];

fn device_id(raw: &str) -> Result<i64, ApiError> {
    positive_id("scaWalletId", raw)
}

/// `GET /core-connect/sca/scawallets?userId=` (`includeDeleted=true` adds deleted devices).
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let raw = params
        .get("userId")
        .ok_or_else(|| ApiError::bad_request("input_validation_error", "userId: userId is required."))?;
    let include_deleted = match params.get("includeDeleted").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::bad_request("input_validation_error", "includeDeleted: true or false."));
        }
    };
    let devices = state.backend.list_sca_devices(&caller.actor, positive_id("userId", raw)?, include_deleted).await?;
    Ok(Json(json::sca_devices(&devices)))
}

pub async fn create(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    let input: Create = parse_json(&body)?;
    if let Some(bad) = input.auth_method.iter().find(|m| !AUTH_METHODS.contains(&m.as_str())) {
        let message = format!("authMethod: {bad:?} is not one of {}.", AUTH_METHODS.join(", "));
        return Err(ApiError::bad_request("input_validation_error", message));
    }
    let user_id = match &input.user_id {
        None => None,
        Some(Value::String(s)) => Some(positive_id("userId", s)?),
        Some(Value::Number(n)) => Some(positive_id("userId", &n.to_string())?),
        Some(_) => return Err(ApiError::bad_request("input_validation_error", "userId: a user id.")),
    };
    let new = NewScaDevice {
        user_id,
        tag: input.sca_wallet_tag,
        mobile: input.mobile_wallet.map(|m| MobileDevice {
            os: m.os,
            os_version: m.os_version.unwrap_or_default(),
            brand: m.brand,
            model: m.product_model,
        }),
    };
    let created = state.backend.enrol_sca_device(&caller.actor, &caller.meta, new).await?;
    Ok(Json(json::sca_devices([&created])))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let device = state.backend.get_sca_device(&caller.actor, device_id(&id)?).await?;
    Ok(Json(json::sca_devices([&device])))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let device = state.backend.delete_sca_device(&caller.actor, &caller.meta, device_id(&id)?).await?;
    Ok(Json(json::sca_devices([&device])))
}

pub async fn lock(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = device_id(&id)?;
    let input: Lock = parse_json(&body)?;
    let device = state
        .backend
        .lock_sca_device(&caller.actor, &caller.meta, id, input.lock_reason.as_deref(), input.lock_message)
        .await?;
    Ok(Json(json::sca_devices([&device])))
}

pub async fn unlock(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let device = state.backend.unlock_sca_device(&caller.actor, &caller.meta, device_id(&id)?).await?;
    Ok(Json(json::sca_devices([&device])))
}

pub async fn reset_pin(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let device = state.backend.reset_sca_pin(&caller.actor, &caller.meta, device_id(&id)?).await?;
    Ok(Json(json::sca_devices([&device])))
}
