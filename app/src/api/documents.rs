//! Server functions of KYC documents and reviews: the KYC tab, User docs pending
//! pre-review and KYC reviews. The backend checks every role and state
//! (`shared::documents`); the bytes themselves travel only through signed links.

use leptos::prelude::*;
use server_fn::codec::Json;
use shared::documents::{Document, KycDecision, KycReviewRequest, QueuedDocument, SignedLink, UploadForm};
use shared::domain::EndUser;
use shared::dto::{Keyset, KeysetPage, PreReviewSearch};

use crate::client::AppClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::with_actor;

/// A user's documents, newest first (deleted ones too).
#[server(endpoint = "documents/of-user", input = Json, client = AppClient)]
pub async fn user_documents(user_id: i64) -> Result<Vec<Document>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.user_documents(&actor, user_id).await }).await
}

/// What the user still lacks before Submit KYC (empty: ready).
#[server(endpoint = "documents/submission-check", input = Json, client = AppClient)]
pub async fn kyc_submission_refusals(user_id: i64) -> Result<Vec<String>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.kyc_submission_refusals(&actor, user_id).await }).await
}

/// A form to upload one document (the browser then posts the file to it).
#[server(endpoint = "documents/upload-form", input = Json, client = AppClient)]
pub async fn document_upload_form(user_id: i64, type_id: i64) -> Result<UploadForm, AppError> {
    with_actor(
        |ctx, actor| async move { ctx.backend.create_upload_form(&actor, user_id, Some(type_id), Vec::new()).await },
    )
    .await
}

/// A signed link to a document's bytes (`preview` shows it, `download` saves it).
#[server(endpoint = "documents/link", input = Json, client = AppClient)]
pub async fn document_link(id: i64, preview: bool) -> Result<SignedLink, AppError> {
    with_actor(|ctx, actor| async move {
        use backend::documents::links::Purpose;
        let purpose = if preview { Purpose::Preview } else { Purpose::Download };
        ctx.backend.document_link(&actor, &backend::documents::DocumentRef::Id(id), purpose).await
    })
    .await
}

/// Accept or refuse a document waiting for its pre-review.
#[server(endpoint = "documents/pre-review", input = Json, client = AppClient)]
pub async fn pre_review_document(id: i64, accept: bool, comment: String) -> Result<Document, AppError> {
    with_actor(|ctx, actor| async move {
        let status = if accept { 1 } else { 2 };
        let which = backend::documents::DocumentRef::Id(id);
        ctx.backend.pre_review_document(&actor, &ctx.meta, &which, Some(status), Some(comment)).await
    })
    .await
}

#[server(endpoint = "documents/delete", input = Json, client = AppClient)]
pub async fn delete_document(id: i64) -> Result<Document, AppError> {
    with_actor(|ctx, actor| async move {
        let which = backend::documents::DocumentRef::Id(id);
        ctx.backend.delete_document(&actor, &ctx.meta, &which, shared::Scope::Legal).await
    })
    .await
}

/// User docs pending pre-review.
#[server(endpoint = "documents/pre-review-queue", input = Json, client = AppClient)]
pub async fn pre_review_queue(search: PreReviewSearch) -> Result<KeysetPage<QueuedDocument>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.pre_review_queue(&actor, &search, shared::Scope::Legal).await })
        .await
}

/// KYC reviews waiting for a decision, oldest first.
#[server(endpoint = "kyc/reviews", input = Json, client = AppClient)]
pub async fn kyc_review_queue(
    user_id: Option<i64>,
    at: Keyset,
    page_size: i64,
) -> Result<KeysetPage<KycReviewRequest>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.kyc_review_queue(&actor, user_id, &at, page_size).await }).await
}

/// A user's KYC reviews, newest first.
#[server(endpoint = "kyc/reviews-of-user", input = Json, client = AppClient)]
pub async fn user_kyc_reviews(user_id: i64) -> Result<Vec<KycReviewRequest>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.user_kyc_reviews(&actor, user_id).await }).await
}

/// Validate or refuse a review (never the submitter's own).
#[server(endpoint = "kyc/decide", input = Json, client = AppClient)]
pub async fn decide_kyc_review(
    review_id: i64,
    decision: KycDecision,
    reason: Option<String>,
    comment: String,
) -> Result<EndUser, AppError> {
    with_actor(|ctx, actor| async move {
        ctx.backend.decide_kyc_review(&actor, &ctx.meta, review_id, decision, reason, Some(comment)).await
    })
    .await
}
