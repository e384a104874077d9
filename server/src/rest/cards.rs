//! The card actions: `/v1/cards/CreateVirtual`, `/v1/cards/{cardId}/Activate`, `/LockUnlock`,
//! `/Limits` and `/Options`, each answering the card in `{"cards":[...]}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use backend::cards::{CardPatch, NewCard};
use serde::Deserialize;
use serde_json::{Map, Value};
use shared::cards::{CardLimits, CardOptions};

use super::{ApiError, Caller, json, parse_json, positive_id};
use crate::AppState;

fn card_id(raw: &str) -> Result<i64, ApiError> {
    positive_id("cardId", raw)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("input_validation_error", message)
}

/// The `limit*` fields of a body as (name, value); anything else but `accessTag` and
/// `userId` is refused, so that a misspelt limit is not silently ignored.
fn limit_changes(body: &Map<String, Value>, also_allowed: &[&str]) -> Result<Vec<(String, i64)>, ApiError> {
    let known: Vec<&str> = CardLimits::default().fields().iter().map(|(name, _)| *name).collect();
    let mut changes = Vec::new();
    for (name, value) in body {
        if known.contains(&name.as_str()) {
            let value = value.as_i64().ok_or_else(|| invalid(format!("{name}: {name} must be an integer.")))?;
            changes.push((name.clone(), value));
        } else if !also_allowed.contains(&name.as_str()) && name != "accessTag" {
            return Err(invalid(format!("{name}: unknown field {name}.")));
        }
    }
    Ok(changes)
}

fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    parse_json::<Map<String, Value>>(body)
}

/// The fields of `postCardVirtual_request` this server takes. The design, delivery and
/// letter fields concern physical production and are accepted and ignored; those that would
/// change what the card may do and that this server does not apply (`pin`,
/// `paymentDailyLimit`, a merchant group) are refused rather than dropped.
const CREATE_FIELDS: &[&str] = &[
    "userId",
    "walletId",
    "permsGroup",
    "cardTag",
    "cardPrint",
    "batchDeliveryId",
    "anonymous",
    "sendToParent",
    "mccRestrictionGroupId",
    "merchantRestrictionGroupId",
    "countryRestrictionGroupId",
    "embossLegalName",
    "logoId",
    "logoBackId",
    "designCode",
    "packageId",
    "deliveryMethod",
    "pinMailer",
    "customizedInfo",
    "freeCustomizedInfo",
    "letterCustomizedInfo",
    "cardLanguages",
];

/// Fields Treezor lists that this server would not apply: a 400, never a silent drop.
fn refuse_unapplied(body: &Map<String, Value>) -> Result<(), ApiError> {
    for (field, why) in [
        ("pin", "virtual cards here have no PIN"),
        ("paymentDailyLimit", "use limitPaymentDay (whole units)"),
        ("restrictionGroupLimits", "limits per restriction group are not offered"),
        ("merchantRestrictionGroupId", "merchant restriction groups are not offered"),
    ] {
        if body.get(field).is_some_and(|v| !v.is_null()) {
            return Err(invalid(format!("{field}: not supported here: {why}.")));
        }
    }
    Ok(())
}

pub async fn create_virtual(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = object(&body)?;
    refuse_unapplied(&body)?;
    let limits = limit_changes(&body, CREATE_FIELDS)?;
    let int = |name: &str| -> Result<Option<i64>, ApiError> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| invalid(format!("{name}: {name} must be an integer."))),
        }
    };
    let text = |name: &str| -> Result<Option<String>, ApiError> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(format!("{name}: {name} must be a string."))),
        }
    };
    let new = NewCard {
        user_id: int("userId")?,
        wallet_id: int("walletId")?,
        perms_group: text("permsGroup")?,
        card_tag: text("cardTag")?,
        country_restriction_group_id: int("countryRestrictionGroupId")?,
        mcc_restriction_group_id: int("mccRestrictionGroupId")?,
        limits,
    };
    let card = state.backend.create_virtual_card(&caller.actor, &caller.meta, new).await?;
    Ok(Json(json::cards([&card])))
}

/// A body with nothing but Treezor's `accessTag`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessTagOnly {
    #[serde(rename = "accessTag")]
    _access_tag: Option<String>,
}

pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = card_id(&id)?;
    if !body.is_empty() {
        parse_json::<AccessTagOnly>(&body)?;
    }
    let card = state.backend.activate_card(&caller.actor, &caller.meta, id).await?;
    Ok(Json(json::cards([&card])))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LockUnlock {
    lock_status: Option<i64>,
    /// Treezor's idempotency tag: accepted, not needed (a repeated change is refused by state).
    #[serde(rename = "accessTag")]
    _access_tag: Option<String>,
}

pub async fn lock_unlock(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = card_id(&id)?;
    let input: LockUnlock = parse_json(&body)?;
    let card = state.backend.set_card_lock_status(&caller.actor, &caller.meta, id, input.lock_status).await?;
    Ok(Json(json::cards([&card])))
}

pub async fn limits(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = card_id(&id)?;
    let body = object(&body)?;
    refuse_unapplied(&body)?;
    let changes = limit_changes(&body, &["userId", "paymentDailyLimit", "restrictionGroupLimits"])?;
    let card = state.backend.update_card_limits(&caller.actor, &caller.meta, id, changes).await?;
    Ok(Json(json::cards([&card])))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Options {
    atm: Option<i64>,
    foreign: Option<i64>,
    online: Option<i64>,
    nfc: Option<i64>,
    /// Treezor's idempotency tag: accepted, not needed (a repeated change is refused by state).
    #[serde(rename = "accessTag")]
    _access_tag: Option<String>,
}

/// The spec requires all four options, each 0 or 1.
fn option(name: &str, value: Option<i64>) -> Result<bool, ApiError> {
    match value {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        Some(_) => Err(invalid(format!("{name}: {name} is 0 or 1."))),
        None => Err(invalid(format!("{name}: {name} is required (0 or 1)."))),
    }
}

pub async fn options(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = card_id(&id)?;
    let input: Options = parse_json(&body)?;
    let options = CardOptions {
        atm: option("atm", input.atm)?,
        foreign: option("foreign", input.foreign)?,
        online: option("online", input.online)?,
        nfc: option("nfc", input.nfc)?,
    };
    let card = state.backend.update_card_options(&caller.actor, &caller.meta, id, options).await?;
    Ok(Json(json::cards([&card])))
}

/// A field that may be left out (keep), `null` (clear) or set.
fn patch_field<T: serde::de::DeserializeOwned>(
    body: &Map<String, Value>,
    name: &str,
) -> Result<Option<Option<T>>, ApiError> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => serde_json::from_value(v.clone())
            .map(|t| Some(Some(t)))
            .map_err(|_| invalid(format!("{name}: {name} has the wrong type."))),
    }
}

/// `PUT /v1/cards/{cardId}`: restriction groups and tag.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = card_id(&id)?;
    let body = object(&body)?;
    const FIELDS: [&str; 5] =
        ["countryRestrictionGroupId", "mccRestrictionGroupId", "merchantRestrictionGroupId", "cardTag", "accessTag"];
    if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(invalid(format!("{unknown}: unknown field {unknown}.")));
    }
    refuse_unapplied(&body)?;
    let patch = CardPatch {
        country_restriction_group_id: patch_field(&body, "countryRestrictionGroupId")?,
        mcc_restriction_group_id: patch_field(&body, "mccRestrictionGroupId")?,
        card_tag: patch_field(&body, "cardTag")?,
    };
    let card = state.backend.update_card(&caller.actor, &caller.meta, id, patch).await?;
    Ok(Json(json::cards([&card])))
}
