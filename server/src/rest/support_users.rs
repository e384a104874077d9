//! `/core-connect/support-user`: operators ("Dashboard users") for API clients, through the
//! same backend rules as the Dashboard Users view.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use shared::dto::OperatorSummary;

use super::{ApiError, Caller};
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

pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Value>>, ApiError> {
    let operators = state
        .backend
        .list_operators(&caller.actor)
        .await
        .map_err(|e| ApiError::from_backend(e, &caller.meta.request_id))?;
    Ok(Json(operators.iter().map(support_user_object).collect()))
}
