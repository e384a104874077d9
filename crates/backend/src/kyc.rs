//! Requesting a KYC review (`PUT /v1/users/{userId}/Kycreview`, the KYC tab's "Request
//! review"). The request covers the user and its children, as in Treezor's API; each of them
//! must be ready: not canceled, not already under review, an autoentrepreneur's secondary
//! address whole or empty (`shared::user_fields::kyc_review_errors`), and a US person
//! (`specifiedUSPerson` = 1) with a live US tax residence.

use serde_json::{Map, Value};
use shared::user_fields::kyc_review_errors;
use shared::{Action, Scope};
use sqlx::{Any, Transaction};

use crate::audit::{self, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::{Error, Result};
use crate::users::{STATUS_CANCELED, fetch_user};
use shared::user_states::{KycReview, kyc_review_name};

const PENDING: i64 = KycReview::Pending.code();
use crate::Backend;

/// Who may request a review. An operator always needs the dashboard action's scope
/// (`legal`, DESIGN.md), whatever the door, so that an operator's password-grant token cannot
/// go around it; a machine client needs the scope the spec gives the endpoint (`read_write`).
fn require_may_request(actor: &Actor) -> Result<()> {
    match actor {
        Actor::ApiClient(_) => actor.require_scope(Scope::ReadWrite),
        _ => actor.require(Action::SubmitKycReview),
    }
}

/// Refuses unless `user` may go to review. `child` is set when checking one of the children,
/// whose id then starts every message.
async fn check_ready(tx: &mut Transaction<'_, Any>, user: &Map<String, Value>, child: Option<i64>) -> Result<()> {
    let (who, about) = match child {
        None => ("This user".to_string(), String::new()),
        Some(id) => (format!("Child user {id}"), format!("Child user {id}: ")),
    };
    if user["userStatus"] == STATUS_CANCELED {
        return Err(Error::Conflict(format!("{who} is canceled: no KYC review can be requested.")));
    }
    if user["kycReview"] == PENDING {
        return Err(Error::Conflict(format!("{who} already has a KYC review pending.")));
    }
    if let Some(mut e) = kyc_review_errors(user).into_iter().next() {
        e.message = format!("{about}{}", e.message);
        return Err(Error::Invalid(e));
    }
    if user.get("specifiedUSPerson").and_then(Value::as_i64) == Some(1) {
        let us_residences: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tax_residences WHERE user_id = $1 AND country = 'US' AND is_deleted = 0",
        )
        .bind(user["userId"].as_i64())
        .fetch_one(&mut **tx)
        .await?;
        if us_residences == 0 {
            return Err(Error::invalid(
                "specifiedUSPerson",
                format!("{about}a US person (specifiedUSPerson = 1) needs a US tax residence before a KYC review."),
            ));
        }
    }
    Ok(())
}

/// The live children of a user, then theirs (nesting is at most two levels deep).
async fn descendants(tx: &mut Transaction<'_, Any>, id: i64) -> Result<Vec<i64>> {
    let mut found = Vec::new();
    let mut frontier = vec![id];
    while let Some(parent) = frontier.pop() {
        let children: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM end_users WHERE parent_user_id = $1 AND user_status <> $2 ORDER BY id",
        )
        .bind(parent)
        .bind(STATUS_CANCELED)
        .fetch_all(&mut **tx)
        .await?;
        frontier.extend(&children);
        found.extend(children);
    }
    Ok(found)
}

impl Backend {
    /// Sends a user, and those of its children not already under review, to KYC review
    /// (`kycReview` PENDING), appending a line to each one's review history. Returns the user.
    pub async fn request_kyc_review(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
    ) -> Result<Map<String, Value>> {
        require_may_request(actor)?;
        let mut tx = self.db.begin_write().await?;
        let user = fetch_user(&mut tx, id).await?;
        check_ready(&mut tx, &user, None).await?;
        let mut to_review = vec![user];
        for child_id in descendants(&mut tx, id).await? {
            let child = fetch_user(&mut tx, child_id).await?;
            if child["kycReview"] != PENDING {
                check_ready(&mut tx, &child, Some(child_id)).await?;
                to_review.push(child);
            }
        }
        let now = clock::now_rfc3339();
        let (_, _, by) = actor.audit_identity();
        for before in to_review {
            let user_id = before["userId"].as_i64().unwrap_or_default();
            let line = format!(
                "{now} kycReview {} -> PENDING, kycLevel {}: review requested by {by}",
                kyc_review_name(before["kycReview"].as_i64().unwrap_or_default()),
                before["kycLevel"],
            );
            let history = match before.get("kycReviewComment").and_then(Value::as_str) {
                Some(previous) if !previous.is_empty() => format!("{previous}\n{line}"),
                _ => line,
            };
            // Conditional: of two requests racing, one sends the user to review.
            let updated = sqlx::query(
                "UPDATE end_users SET kyc_review = $1, kyc_review_comment = $2, modified_date = $3 WHERE id = $4 AND kyc_review <> $1",
            )
            .bind(PENDING)
            .bind(history)
            .bind(&now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(Error::Conflict(format!("User {user_id} already has a KYC review pending.")));
            }
            let after = fetch_user(&mut tx, user_id).await?;
            let record = Record::new("user.kyc_review_requested", "user", user_id).before(&before).after(&after);
            audit::write(&mut tx, actor, meta, record).await?;
        }
        let user = fetch_user(&mut tx, id).await?;
        tx.commit().await?;
        Ok(user)
    }
}
