//! `/v1/taxResidences`: envelope `{"taxResidences":[...]}`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use backend::tax_residences::TaxResidenceInput;
use serde::Deserialize;
use serde_json::Value;
use shared::domain::TaxResidence;

use super::{ApiError, Caller, json, parse_json, positive_id};
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Body {
    user_id: Option<i64>,
    country: Option<String>,
    tax_payer_id: Option<String>,
    liability_waiver: Option<bool>,
}

impl From<Body> for TaxResidenceInput {
    fn from(b: Body) -> Self {
        TaxResidenceInput {
            user_id: b.user_id,
            country: b.country,
            tax_payer_id: b.tax_payer_id,
            liability_waiver: b.liability_waiver,
        }
    }
}

fn envelope(items: Vec<TaxResidence>) -> Json<Value> {
    Json(serde_json::json!({ "taxResidences": items.iter().map(json::tax_residence).collect::<Vec<_>>() }))
}

/// `GET /v1/taxResidences?userId=` (or `?taxResidenceId=`).
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    if let Some(raw) = params.get("taxResidenceId") {
        let one = state.backend.get_tax_residence(&caller.actor, positive_id("taxResidenceId", raw)?).await?;
        return Ok(envelope(vec![one]));
    }
    let raw = params
        .get("userId")
        .ok_or_else(|| ApiError::bad_request("input_validation_error", "userId: userId is required."))?;
    let items = state.backend.list_tax_residences(&caller.actor, positive_id("userId", raw)?).await?;
    Ok(envelope(items))
}

pub async fn create(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    let input: Body = parse_json(&body)?;
    let created = state.backend.create_tax_residence(&caller.actor, &caller.meta, input.into()).await?;
    Ok(envelope(vec![created]))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let found = state.backend.get_tax_residence(&caller.actor, positive_id("taxResidenceId", &id)?).await?;
    Ok(envelope(vec![found]))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = positive_id("taxResidenceId", &id)?;
    let input: Body = parse_json(&body)?;
    let updated = state.backend.update_tax_residence(&caller.actor, &caller.meta, id, input.into()).await?;
    Ok(envelope(vec![updated]))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let deleted =
        state.backend.delete_tax_residence(&caller.actor, &caller.meta, positive_id("taxResidenceId", &id)?).await?;
    Ok(envelope(vec![deleted]))
}
