//! Requesting a KYC review (`PUT /v1/users/{userId}/Kycreview`, the KYC tab's "Request
//! review"). The request covers the user and its children, as in Treezor's API; each of them
//! must be ready: not canceled, not already under review, an autoentrepreneur's secondary
//! address whole or empty (`shared::user_fields::kyc_review_errors`), and a US person
//! (`specifiedUSPerson` = 1) with a live US tax residence; and each must hold the documents
//! its type requires, pre-review accepted (`shared::documents::submission_refusals`).
//!
//! A submission is a row of `kyc_reviews`; it is decided (validated or refused) by an
//! operator with `legal` who did not submit it (four-eyes), and the decision processes the
//! documents it covered.

use shared::documents::{COMMENT_MAX_LEN, KYC_REFUSAL_REASONS};
use shared::documents::{KycDecision, KycReviewRequest, submission_refusals};
use shared::domain::EndUser;
use shared::dto::{Cursor, Keyset, KeysetPage};
use shared::user_fields::kyc_review_errors;
use shared::user_states::{KycLevel, KycReview, UserStatus, UserType};
use shared::validation::clean_text;
use shared::{Action, Scope};
use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::Backend;
use crate::audit::{AuditAction, Record};
use crate::auth::Actor;
use crate::auth::RequestMeta;
use crate::error::{Error, Result};
use crate::listing::{Conditions, Order, bind_all, capped_count_sql, keyset_in, page_of, total_of};
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
    let documents = crate::documents::of_user(tx, user.id).await?;
    if let Some(missing) = submission_refusals(user.user_type, &documents).into_iter().next() {
        return Err(Error::Conflict(format!("{about}{missing}")));
    }
    Ok(())
}

/// Appends a line to a user's KYC history (`kycReviewComment`), one line per step.
pub(crate) async fn append_kyc_history(tx: &mut Transaction<'_, Any>, user_id: i64, line: &str) -> Result<()> {
    sqlx::query(
        "UPDATE end_users SET kyc_review_comment = CASE WHEN kyc_review_comment IS NULL OR kyc_review_comment = '' \
         THEN $1 ELSE kyc_review_comment || $2 || $1 END WHERE id = $3",
    )
    .bind(line)
    .bind("\n")
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
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
        let now = self.clock.now_rfc3339();
        let (_, _, by) = actor.audit_identity();
        for before in to_review {
            // Conditional: of two requests racing, one sends the user to review.
            let updated = sqlx::query(
                "UPDATE end_users SET kyc_review = $1, modified_date = $2 WHERE id = $3 AND kyc_review <> $1",
            )
            .bind(KycReview::Pending.code())
            .bind(&now)
            .bind(before.id)
            .execute(&mut *change.tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(Error::Conflict(format!("User {} already has a KYC review pending.", before.id)));
            }
            let line = format!(
                "{now} kycReview {} -> PENDING, kycLevel {}: review requested by {by}",
                before.kyc_review.name(),
                before.kyc_level.code(),
            );
            append_kyc_history(&mut change.tx, before.id, &line).await?;
            let (by_type, by_id, by_label) = actor.audit_identity();
            let review_id: i64 = sqlx::query_scalar(
                "INSERT INTO kyc_reviews (user_id, submitted_by_type, submitted_by_id, submitted_by, submitted_date) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(before.id)
            .bind(by_type)
            .bind(by_id)
            .bind(by_label)
            .bind(&now)
            .fetch_one(&mut *change.tx)
            .await?;
            // The documents the review covers: live, accepted, not yet processed.
            sqlx::query(
                "UPDATE documents SET kyc_review_id = $1, modified_date = $2 WHERE user_id = $3 \
                 AND deleted_date IS NULL AND document_status = 'PENDING' AND pre_review_status = 1 \
                 AND kyc_review_id IS NULL",
            )
            .bind(review_id)
            .bind(&now)
            .bind(before.id)
            .execute(&mut *change.tx)
            .await?;
            // What was attached is what the review covers: a document deleted meanwhile
            // (Postgres reads committed rows) must not leave the review short of one.
            let attached: Vec<_> = crate::documents::of_user(&mut change.tx, before.id)
                .await?
                .into_iter()
                .filter(|d| d.kyc_review_id == Some(review_id))
                .collect();
            if let Some(missing) = submission_refusals(before.user_type, &attached).into_iter().next() {
                return Err(Error::Conflict(format!("User {}: {missing}", before.id)));
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

    /// What a user still lacks before a KYC review can be submitted (empty: ready), shown to
    /// the operator beside Submit KYC.
    pub async fn kyc_submission_refusals(&self, actor: &Actor, id: i64) -> Result<Vec<String>> {
        actor.require(Action::ReadUsers)?;
        let mut tx = self.db.pool.begin().await?;
        let user = fetch_user(&mut tx, id).await?;
        let documents = crate::documents::of_user(&mut tx, id).await?;
        let mut refusals = submission_refusals(user.user_type, &documents);
        if let Some(refusal) = user.refusal(Action::SubmitKycReview) {
            refusals.insert(0, refusal.message().to_string());
        }
        Ok(refusals)
    }

    /// The KYC reviews queue: submissions not decided yet (of one user, if given), oldest
    /// first, one keyset page.
    pub async fn kyc_review_queue(
        &self,
        actor: &Actor,
        user_id: Option<i64>,
        at: &Keyset,
        page_size: i64,
    ) -> Result<KeysetPage<KycReviewRequest>> {
        actor.require(Action::DecideKycReview)?;
        let mut c = Conditions::default();
        c.raw("r.status = 'PENDING'".into());
        if let Some(user_id) = user_id {
            c.int("r.user_id = ?", user_id);
        }
        let counted: i64 = bind_all!(
            sqlx::query_scalar(AssertSqlSafe(capped_count_sql(&format!("FROM kyc_reviews r {}", c.where_clause())))),
            &c.binds
        )
        .fetch_one(&self.db.pool)
        .await?;
        let size = page_size.clamp(1, 100);
        let order_by = keyset_in(&mut c, Some("r.submitted_date"), "r.id", at, Order::OldestFirst)?;
        let sql = format!("{REVIEW_SELECT} {} ORDER BY {order_by} LIMIT ${}", c.where_clause(), c.next());
        let rows: Vec<ReviewRow> =
            bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &c.binds).bind(size + 1).fetch_all(&self.db.pool).await?;
        let items = rows.into_iter().map(ReviewRow::typed).collect::<Result<Vec<_>>>()?;
        let (items, has_newer, has_older) = page_of(items, size as usize, at);
        let cursor = |r: &KycReviewRequest| Cursor { key: Some(r.submitted_date.clone()), id: r.id };
        Ok(KeysetPage {
            newer: has_newer.then(|| items.first().map(|r| Keyset::After(cursor(r)))).flatten(),
            older: has_older.then(|| items.last().map(|r| Keyset::Before(cursor(r)))).flatten(),
            total: total_of(counted),
            items,
        })
    }

    /// A user's KYC reviews, newest first.
    pub async fn user_kyc_reviews(&self, actor: &Actor, user_id: i64) -> Result<Vec<KycReviewRequest>> {
        actor.require(Action::ReadUsers)?;
        let rows: Vec<ReviewRow> =
            sqlx::query_as(AssertSqlSafe(format!("{REVIEW_SELECT} WHERE r.user_id = $1 ORDER BY r.id DESC")))
                .bind(user_id)
                .fetch_all(&self.db.pool)
                .await?;
        rows.into_iter().map(ReviewRow::typed).collect()
    }

    /// Validates or refuses a submitted review. The decider holds `legal` and is not the
    /// submitter; a refusal names a reason of the list and carries a comment. The user, its
    /// documents (now processed) and the review row change together, with the audit row.
    pub async fn decide_kyc_review(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        review_id: i64,
        decision: KycDecision,
        reason: Option<String>,
        comment: Option<String>,
    ) -> Result<EndUser> {
        actor.require(Action::DecideKycReview)?;
        let comment = clean_text("comment", comment.as_deref(), COMMENT_MAX_LEN)?;
        let reason = match decision {
            KycDecision::Validate => None,
            KycDecision::Refuse => {
                let reason = reason.filter(|r| KYC_REFUSAL_REASONS.contains(&r.as_str())).ok_or_else(|| {
                    Error::invalid("reason", format!("reason is one of: {}.", KYC_REFUSAL_REASONS.join(", ")))
                })?;
                if comment.is_none() {
                    return Err(Error::invalid("comment", "A refusal needs a comment for the customer's file."));
                }
                Some(reason)
            }
        };
        let mut change = self.open_change(actor, meta).await?;
        let review: Option<(i64, String, Option<i64>, String)> =
            sqlx::query_as("SELECT user_id, submitted_by_type, submitted_by_id, status FROM kyc_reviews WHERE id = $1")
                .bind(review_id)
                .fetch_optional(&mut *change.tx)
                .await?;
        let (user_id, submitter_type, submitter_id, status) = review.ok_or(Error::NotFound)?;
        let (by_type, by_id, by_label) = actor.audit_identity();
        if submitter_type == by_type && submitter_id == by_id {
            return Err(Error::Forbidden(
                "You submitted this review: another legal operator must decide it (four-eyes).",
            ));
        }
        if status != "PENDING" {
            return Err(Error::Conflict("This KYC review was already decided.".into()));
        }
        let before = fetch_user(&mut change.tx, user_id).await?;
        if before.is_canceled() {
            return Err(Error::Conflict(shared::domain::Refusal::Canceled.message().into()));
        }
        let now = self.clock.now_rfc3339();
        let (review_status, document_status, audit_action) = match decision {
            KycDecision::Validate => ("VALIDATED", "VALIDATED", AuditAction::UserKycValidated),
            KycDecision::Refuse => ("REFUSED", "CANCELED", AuditAction::UserKycRefused),
        };
        // Conditional: of two deciders at once, one decides.
        let decided = sqlx::query(
            "UPDATE kyc_reviews SET status = $1, decided_by_type = $2, decided_by_id = $3, decided_by = $4, \
             decided_date = $5, reason = $6, comment = $7 WHERE id = $8 AND status = 'PENDING'",
        )
        .bind(review_status)
        .bind(by_type)
        .bind(by_id)
        .bind(&by_label)
        .bind(&now)
        .bind(&reason)
        .bind(&comment)
        .bind(review_id)
        .execute(&mut *change.tx)
        .await?;
        if decided.rows_affected() != 1 {
            return Err(Error::Conflict("This KYC review was already decided.".into()));
        }
        let (kyc_review, kyc_level, user_status, code_status) = match decision {
            KycDecision::Validate => {
                (KycReview::Validated, KycLevel::Regular, UserStatus::Validated, Some(VALIDATED_CODE_STATUS))
            }
            KycDecision::Refuse => (KycReview::Refused, before.kyc_level, before.status, before.code_status),
        };
        let mut line = format!(
            "{now} kycReview {} -> {}, kycLevel {} -> {}: {} by {by_label}",
            before.kyc_review.name(),
            kyc_review.name(),
            before.kyc_level.code(),
            kyc_level.code(),
            if decision == KycDecision::Validate { "validated" } else { "refused" },
        );
        if let Some(reason) = &reason {
            line.push_str(&format!(" ({reason})"));
        }
        if let Some(comment) = &comment {
            line.push_str(&format!(": {comment}"));
        }
        sqlx::query(
            "UPDATE end_users SET kyc_review = $1, kyc_level = $2, user_status = $3, code_status = $4, \
             modified_date = $5 WHERE id = $6",
        )
        .bind(kyc_review.code())
        .bind(kyc_level.code())
        .bind(user_status.name())
        .bind(code_status)
        .bind(&now)
        .bind(user_id)
        .execute(&mut *change.tx)
        .await?;
        append_kyc_history(&mut change.tx, user_id, &line).await?;
        sqlx::query(
            "UPDATE documents SET document_status = $1, processed_date = $2, modified_date = $2 \
             WHERE kyc_review_id = $3 AND deleted_date IS NULL",
        )
        .bind(document_status)
        .bind(&now)
        .bind(review_id)
        .execute(&mut *change.tx)
        .await?;
        let after = fetch_user(&mut change.tx, user_id).await?;
        change.audit(Record::new(audit_action, user_id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }
}

/// Treezor's `codeStatus` of a validated user.
pub const VALIDATED_CODE_STATUS: i64 = 110009;

const REVIEW_SELECT: &str = "SELECT r.id, r.user_id, r.submitted_by, r.submitted_by_type, r.submitted_by_id, r.submitted_date, r.status, r.decided_by, \
    r.decided_date, r.reason, r.comment, u.user_type_id, u.firstname, u.lastname, u.legal_name, u.email, \
    (SELECT COUNT(*) FROM documents d WHERE d.kyc_review_id = r.id) AS document_count \
    FROM kyc_reviews r JOIN end_users u ON u.id = r.user_id";

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: i64,
    user_id: i64,
    submitted_by: String,
    submitted_by_type: String,
    submitted_by_id: Option<i64>,
    submitted_date: String,
    status: String,
    decided_by: Option<String>,
    decided_date: Option<String>,
    reason: Option<String>,
    comment: Option<String>,
    user_type_id: Option<i64>,
    firstname: Option<String>,
    lastname: Option<String>,
    legal_name: Option<String>,
    email: Option<String>,
    document_count: i64,
}

impl ReviewRow {
    fn typed(self) -> Result<KycReviewRequest> {
        let user_type = self.user_type_id.and_then(UserType::from_code).unwrap_or(UserType::Physical);
        let mut user = EndUser::blank(self.user_id, user_type);
        user.firstname = self.firstname;
        user.lastname = self.lastname;
        user.legal_name = self.legal_name;
        user.email = self.email.unwrap_or_default();
        Ok(KycReviewRequest {
            id: self.id,
            user_id: self.user_id,
            user_name: user.display_name(),
            user_type,
            submitted_by: self.submitted_by,
            submitted_by_operator: self.submitted_by_id.filter(|_| self.submitted_by_type == "operator"),
            submitted_date: self.submitted_date,
            status: self.status,
            decided_by: self.decided_by,
            decided_date: self.decided_date,
            reason: self.reason,
            comment: self.comment,
            document_count: self.document_count,
        })
    }
}
