//! `/core-connect/support-user`: operators ("Dashboard users") for API clients, through the
//! same backend rules as the Dashboard Users view. The API speaks in scopes where the
//! dashboard speaks in roles: a set of scopes maps to the least role that grants them all.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use backend::operators::OperatorPatch;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::dto::{OperatorForm, OperatorSummary};
use shared::secret::Secret;
use shared::{Role, Scope};

use super::{ApiError, Caller, parse_json};
use crate::AppState;

/// Treezor's `SupportUserObject`.
fn support_user_object(op: &OperatorSummary) -> Value {
    json!({
        "id": op.id.to_string(),
        "username": op.username,
        "samlKey": op.saml_key,
        "keyPairId": null,
        "clients": [],
        "wrongPwdAttempts": op.failed_logins,
        "metadata": null,
    })
}

fn role_for(scopes: &[String]) -> Result<Role, ApiError> {
    let parsed = scopes
        .iter()
        .map(|name| {
            Scope::parse(name).ok_or_else(|| {
                ApiError::bad_request("input_validation_error", format!("scopes: unknown scope {name}."))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Role::least_with_scopes(&parsed))
}

/// Path ids are strings in the API; ours are numbers, so anything else is simply not found.
fn operator_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| backend::Error::NotFound.into())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateBody {
    username: String,
    password: Secret,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    saml_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateBody {
    username: Option<String>,
    password: Option<Secret>,
    /// The spec names it `scope` on update (and `scopes` on create); both are accepted.
    #[serde(alias = "scopes")]
    scope: Option<Vec<String>>,
    saml_key: Option<String>,
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Value>>, ApiError> {
    let operators = state.backend.list_operators(&caller.actor).await?;
    Ok(Json(operators.iter().map(support_user_object).collect()))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = operator_id(&id)?;
    let op = state.backend.get_operator(&caller.actor, id).await?;
    Ok(Json(support_user_object(&op)))
}

pub async fn create(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    let body: CreateBody = parse_json(&body)?;
    let form = OperatorForm {
        username: body.username,
        role: Some(role_for(&body.scopes)?),
        password: body.password,
        saml_key: body.saml_key.unwrap_or_default(),
    };
    let created = state.backend.create_operator(&caller.actor, &caller.meta, form).await?;
    Ok(Json(support_user_object(&created)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = operator_id(&id)?;
    let body: UpdateBody = parse_json(&body)?;
    // A partial update: the backend merges it with the stored operator in its transaction.
    let patch = OperatorPatch {
        username: body.username,
        role: body.scope.as_deref().map(role_for).transpose()?,
        password: body.password,
        saml_key: body.saml_key,
    };
    let updated = state.backend.patch_operator(&caller.actor, &caller.meta, id, patch).await?;
    Ok(Json(support_user_object(&updated)))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = operator_id(&id)?;
    state.backend.delete_operator(&caller.actor, &caller.meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unblock(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = operator_id(&id)?;
    state.backend.unblock_operator(&caller.actor, &caller.meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
