//! `/v1/countryRestrictionGroups` and `/v1/mccRestrictionGroups`: the same handlers for both
//! kinds, in Treezor's `{"countryRestrictionGroups":[...]}` / `{"mccRestrictionGroups":[...]}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use backend::restriction_groups::GroupInput;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::cards::{GroupStatus, RestrictionGroup, RestrictionKind};

use super::{ApiError, Caller, parse_json, positive_id};
use crate::AppState;

fn envelope_key(kind: RestrictionKind) -> &'static str {
    match kind {
        RestrictionKind::Country => "countryRestrictionGroups",
        RestrictionKind::Mcc => "mccRestrictionGroups",
    }
}

/// One group: countries as codes, MCCs as integers (Treezor's types).
pub fn group_json(g: &RestrictionGroup) -> Value {
    let items: Value = match g.kind {
        RestrictionKind::Country => json!(g.items),
        RestrictionKind::Mcc => json!(g.items.iter().filter_map(|m| m.parse::<i64>().ok()).collect::<Vec<_>>()),
    };
    json!({
        "id": g.id,
        "name": g.name,
        "isWhitelist": g.is_whitelist,
        g.kind.items_field(): items,
        "status": g.status.name(),
        "startDate": g.start_date,
        "createdDate": g.created_date,
        "modifiedDate": g.modified_date,
    })
}

fn envelope(kind: RestrictionKind, groups: &[RestrictionGroup]) -> Json<Value> {
    Json(json!({ envelope_key(kind): groups.iter().map(group_json).collect::<Vec<_>>() }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Body {
    name: Option<String>,
    is_whitelist: Option<bool>,
    /// Country codes.
    countries: Option<Vec<String>>,
    /// MCCs, as Treezor sends them (integers).
    mcc: Option<Vec<i64>>,
    status: Option<String>,
    start_date: Option<String>,
    #[serde(rename = "accessTag")]
    _access_tag: Option<String>,
    /// Treezor's response field filter: accepted, every field is answered.
    #[serde(rename = "fields")]
    _fields: Option<Vec<String>>,
}

fn input(kind: RestrictionKind, body: &[u8]) -> Result<GroupInput, ApiError> {
    let b: Body = parse_json(body)?;
    let wrong_list = match kind {
        RestrictionKind::Country => b.mcc.is_some().then_some("mcc"),
        RestrictionKind::Mcc => b.countries.is_some().then_some("countries"),
    };
    if let Some(field) = wrong_list {
        return Err(ApiError::bad_request("input_validation_error", format!("{field}: not a field of this group.")));
    }
    let status = b
        .status
        .map(|s| {
            GroupStatus::parse(&s).ok_or_else(|| {
                ApiError::bad_request("input_validation_error", "status: PENDING, VALIDATED or CANCELED.")
            })
        })
        .transpose()?;
    Ok(GroupInput {
        name: b.name,
        is_whitelist: b.is_whitelist,
        items: match kind {
            RestrictionKind::Country => b.countries,
            RestrictionKind::Mcc => b.mcc.map(|m| m.iter().map(|n| format!("{n:04}")).collect()),
        },
        status,
        start_date: b.start_date,
    })
}

async fn list(state: AppState, caller: Caller, kind: RestrictionKind) -> Result<Json<Value>, ApiError> {
    Ok(envelope(kind, &state.backend.list_restriction_groups(&caller.actor, kind).await?))
}

async fn create(state: AppState, caller: Caller, kind: RestrictionKind, body: Bytes) -> Result<Json<Value>, ApiError> {
    let input = input(kind, &body)?;
    let created = state.backend.create_restriction_group(&caller.actor, &caller.meta, kind, input).await?;
    Ok(envelope(kind, &[created]))
}

async fn get(state: AppState, caller: Caller, kind: RestrictionKind, id: String) -> Result<Json<Value>, ApiError> {
    let group = state.backend.get_restriction_group(&caller.actor, kind, positive_id("id", &id)?).await?;
    Ok(envelope(kind, &[group]))
}

async fn update(
    state: AppState,
    caller: Caller,
    kind: RestrictionKind,
    id: String,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = positive_id("id", &id)?;
    let input = input(kind, &body)?;
    let updated = state.backend.update_restriction_group(&caller.actor, &caller.meta, kind, id, input).await?;
    Ok(envelope(kind, &[updated]))
}

async fn delete(state: AppState, caller: Caller, kind: RestrictionKind, id: String) -> Result<Json<Value>, ApiError> {
    let id = positive_id("id", &id)?;
    let canceled = state.backend.cancel_restriction_group(&caller.actor, &caller.meta, kind, id).await?;
    Ok(envelope(kind, &[canceled]))
}

/// The handlers of one kind, for the route table.
macro_rules! kind_handlers {
    ($module:ident, $kind:expr) => {
        pub mod $module {
            use super::*;

            pub async fn list(State(s): State<AppState>, c: Caller) -> Result<Json<Value>, ApiError> {
                super::list(s, c, $kind).await
            }
            pub async fn create(State(s): State<AppState>, c: Caller, b: Bytes) -> Result<Json<Value>, ApiError> {
                super::create(s, c, $kind, b).await
            }
            pub async fn get(
                State(s): State<AppState>,
                c: Caller,
                Path(id): Path<String>,
            ) -> Result<Json<Value>, ApiError> {
                super::get(s, c, $kind, id).await
            }
            pub async fn update(
                State(s): State<AppState>,
                c: Caller,
                Path(id): Path<String>,
                b: Bytes,
            ) -> Result<Json<Value>, ApiError> {
                super::update(s, c, $kind, id, b).await
            }
            pub async fn delete(
                State(s): State<AppState>,
                c: Caller,
                Path(id): Path<String>,
            ) -> Result<Json<Value>, ApiError> {
                super::delete(s, c, $kind, id).await
            }
        }
    };
}

kind_handlers!(country, RestrictionKind::Country);
kind_handlers!(mcc, RestrictionKind::Mcc);
