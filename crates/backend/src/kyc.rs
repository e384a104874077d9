//! Requesting a KYC review (`PUT /v1/users/{userId}/Kycreview`, the KYC tab's "Request
//! review"). The request covers the user and its children, as in Treezor's API; each of them
//! must be ready: not canceled, not already under review, an autoentrepreneur's secondary
//! address whole or empty (`shared::user_fields::kyc_review_errors`), and a US person
//! (`specifiedUSPerson` = 1) with a live US tax residence.

use shared::domain::EndUser;
use shared::user_fields::kyc_review_errors;
use shared::user_states::{KycReview, UserStatus};
use shared::{Action, Scope};
use sqlx::{Any, Transaction};

use crate::Backend;
use crate::audit::{AuditAction, Record};
use crate::auth::Actor;
use crate::auth::RequestMeta;
use crate::clock;
use crate::error::{Error, Result};
use crate::users::fetch_user;

/// Refuses unless `user` may go to review. `child` is set when checking one of the children,
/// whose id then starts every message.
async fn check_ready(tx: &mut Transaction<'_, Any>, user: &EndUser, child: Option<i64>) -> Result<()> {
    let about = match child {
        None => String::new(),
        Some(id) => format!("Child user {id}: "),
    };
    if let Some(refusal) = user.refusal(Action::SubmitKycReview) {
        return Err(Error::Conflict(format!("{about}{}", refusal.message())));
    }
    if let Some(mut e) = kyc_review_errors(user).into_iter().next() {
        e.message = format!("{about}{}", e.message);
        return Err(Error::Invalid(e));
    }
    if user.field("specifiedUSPerson").and_then(|v| v.as_i64()) == Some(1) {
        let us_residences: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tax_residences WHERE user_id = $1 AND country = 'US' AND is_deleted = 0",
        )
        .bind(user.id)
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
        let children: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM end_users WHERE parent_user_id = $1 AND user_status <> $2 ORDER BY id")
                .bind(parent)
                .bind(UserStatus::Canceled.name())
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
    pub async fn request_kyc_review(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<EndUser> {
        // Operators need `legal` (DESIGN.md), API clients the spec's `read_write`.
        actor.require_at_endpoint(Action::SubmitKycReview, Scope::ReadWrite)?;
        let mut change = self.open_change(actor, meta).await?;
        let user = fetch_user(&mut change.tx, id).await?;
        check_ready(&mut change.tx, &user, None).await?;
        let mut to_review = vec![user];
        for child_id in descendants(&mut change.tx, id).await? {
            let child = fetch_user(&mut change.tx, child_id).await?;
            if child.kyc_review != KycReview::Pending {
                check_ready(&mut change.tx, &child, Some(child_id)).await?;
                to_review.push(child);
            }
        }
        let now = clock::now_rfc3339();
        let (_, _, by) = actor.audit_identity();
        for before in to_review {
            let line = format!(
                "{now} kycReview {} -> PENDING, kycLevel {}: review requested by {by}",
                before.kyc_review.name(),
                before.kyc_level.code(),
            );
            let history = match before.kyc_review_comment.as_deref() {
                Some(previous) if !previous.is_empty() => format!("{previous}\n{line}"),
                _ => line,
            };
            // Conditional: of two requests racing, one sends the user to review.
            let updated = sqlx::query(
                "UPDATE end_users SET kyc_review = $1, kyc_review_comment = $2, modified_date = $3 WHERE id = $4 AND kyc_review <> $1",
            )
            .bind(KycReview::Pending.code())
            .bind(history)
            .bind(&now)
            .bind(before.id)
            .execute(&mut *change.tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(Error::Conflict(format!("User {} already has a KYC review pending.", before.id)));
            }
            let after = fetch_user(&mut change.tx, before.id).await?;
            change
                .audit(Record::new(AuditAction::UserKycReviewRequested, before.id).before(&before)?.after(&after)?)
                .await?;
        }
        let user = fetch_user(&mut change.tx, id).await?;
        change.commit().await?;
        Ok(user)
    }
}
