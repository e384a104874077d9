//! KYC documents: upload (base64 through `/v1/documents`, or a pre-signed form through the
//! core-connect endpoints), the provider's pre-review, deletion, and the signed links that
//! are the only way to read the bytes. The rules on states and content are in
//! `shared::documents`; this stores the metadata (with its audit row, in one transaction)
//! and the bytes (in the object store, `store::DocumentStore`).

pub mod demo;
pub mod links;
pub mod store;

use bytes::Bytes;
use shared::documents::{
    COMMENT_MAX_LEN, ContentKind, Document, DocumentStatus, DocumentType, NAME_MAX_LEN, PreReview, content_refusal,
};
use shared::dto::{Cursor, Keyset, KeysetPage};
use shared::validation::clean_text;
use shared::{Action, Scope};
use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::Backend;
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::error::{Error, Result};
use crate::listing::{Bind, Conditions, Order, bind_all, capped_count_sql, keyset_in, page_of, total_of};
use crate::users::fetch_user_for;

/// The longest tag kept (the spec's `maxLength`).
pub const TAG_MAX_LEN: usize = 250;
/// At most this many metadata strings, each at most `METADATA_MAX_LEN` characters.
pub const METADATA_MAX: usize = 10;
pub const METADATA_MAX_LEN: usize = 250;
/// A user keeps at most this many documents that are not deleted (so that their KYC tab and
/// the submission check stay bounded).
pub const MAX_DOCUMENTS_PER_USER: i64 = 200;
/// The largest page of a documents list.
pub const MAX_PAGE_SIZE: i64 = 100;

/// A document to store.
#[derive(Clone, Debug, Default)]
pub struct NewDocument {
    pub user_id: Option<i64>,
    pub type_id: Option<i64>,
    pub name: Option<String>,
    pub tag: Option<String>,
    pub residence_id: Option<i64>,
    pub metadata: Vec<String>,
    pub bytes: Bytes,
}

/// Which document an endpoint names: `/v1/documents` by integer id, the pre-review
/// endpoints by UUID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentRef {
    Id(i64),
    Uuid(String),
}

impl DocumentRef {
    fn condition(&self) -> (&'static str, Bind) {
        match self {
            DocumentRef::Id(id) => ("d.id = $1", Bind::Int(*id)),
            DocumentRef::Uuid(uuid) => ("d.uuid = $1", Bind::Text(uuid.clone())),
        }
    }
}

/// `/v1/documents`' filters.
#[derive(Clone, Debug, Default)]
pub struct DocumentSearch {
    pub document_id: Option<i64>,
    pub tag: Option<String>,
    pub status: Option<DocumentStatus>,
    pub type_id: Option<i64>,
    pub user_id: Option<i64>,
    pub user_email: Option<String>,
    pub file_name: Option<String>,
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub updated_from: Option<String>,
    pub updated_to: Option<String>,
    pub page_number: i64,
    pub page_count: i64,
    pub sort_by_modified: bool,
    pub ascending: bool,
}

pub use shared::documents::QueuedDocument;
pub use shared::dto::PreReviewSearch;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    uuid: String,
    user_id: i64,
    document_type_id: i64,
    name: String,
    content_type: String,
    size_bytes: i64,
    document_tag: Option<String>,
    residence_id: Option<i64>,
    metadata_json: String,
    pre_review_status: i64,
    pre_review_comment: Option<String>,
    pre_reviewed_by: Option<String>,
    document_status: String,
    kyc_review_id: Option<i64>,
    created_by: String,
    created_date: String,
    modified_date: String,
    processed_date: Option<String>,
    deleted_date: Option<String>,
}

impl Row {
    fn typed(self) -> Result<Document> {
        let stored = |what: &str| Error::Internal(format!("document {}: the stored {what} is not valid", self.id));
        Ok(Document {
            id: self.id,
            content: ContentKind::from_mime(&self.content_type).ok_or_else(|| stored("content type"))?,
            pre_review: PreReview::from_code(self.pre_review_status).ok_or_else(|| stored("pre-review status"))?,
            status: DocumentStatus::parse(&self.document_status).ok_or_else(|| stored("status"))?,
            metadata: serde_json::from_str(&self.metadata_json).map_err(|_| stored("metadata"))?,
            uuid: self.uuid,
            user_id: self.user_id,
            type_id: self.document_type_id,
            name: self.name,
            size_bytes: self.size_bytes,
            tag: self.document_tag,
            residence_id: self.residence_id,
            pre_review_comment: self.pre_review_comment,
            pre_reviewed_by: self.pre_reviewed_by,
            kyc_review_id: self.kyc_review_id,
            created_by: self.created_by,
            created_date: self.created_date,
            modified_date: self.modified_date,
            processed_date: self.processed_date,
            deleted_date: self.deleted_date,
        })
    }
}

const COLUMNS: &str = "d.id, d.uuid, d.user_id, d.document_type_id, d.name, d.content_type, d.size_bytes, \
    d.document_tag, d.residence_id, d.metadata_json, d.pre_review_status, d.pre_review_comment, d.pre_reviewed_by, \
    d.document_status, d.kyc_review_id, d.created_by, d.created_date, d.modified_date, d.processed_date, d.deleted_date";

pub(crate) async fn fetch(tx: &mut Transaction<'_, Any>, which: &DocumentRef) -> Result<Document> {
    let (condition, bind) = which.condition();
    let sql = format!("SELECT {COLUMNS} FROM documents d WHERE {condition}");
    let row: Option<Row> = bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &[bind]).fetch_optional(&mut **tx).await?;
    row.ok_or(Error::NotFound)?.typed()
}

/// The live (not deleted) documents of a user, oldest first: at most
/// `MAX_DOCUMENTS_PER_USER`, so the KYC rules read a bounded list.
pub(crate) async fn of_user(tx: &mut Transaction<'_, Any>, user_id: i64) -> Result<Vec<Document>> {
    let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM documents d WHERE d.user_id = $1 AND d.deleted_date IS NULL ORDER BY d.id"
    )))
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter().map(Row::typed).collect()
}

/// The most documents the KYC tab lists (newest first, deleted ones included).
pub const TAB_LIST_MAX: i64 = 500;

/// Who reads a document's bytes: operators need the role table's action for its state
/// (`Document::read_action`), API clients the spec's read_only. Read-only and Support
/// operators see that documents exist, never what they hold.
pub(crate) fn require_may_read_content(actor: &Actor, document: &Document) -> Result<()> {
    actor.require_at_endpoint(document.read_action(), Scope::ReadOnly)
}

/// Who uploads (base64, form, rename): operators Add KYC document (legal), API clients the
/// spec's read_write. The REST handlers call it before parsing a body, so that a caller
/// without the scope learns nothing about its input.
pub fn require_may_upload(actor: &Actor) -> Result<()> {
    actor.require_at_endpoint(Action::AddKycDocument, Scope::ReadWrite)
}

/// Who pre-reviews: operators Review document (legal), API clients the spec's legal.
pub fn require_may_pre_review(actor: &Actor) -> Result<()> {
    actor.require_at_endpoint(Action::ReviewKycDocument, Scope::Legal)
}

/// Who may delete a document that is not processed, through a door whose spec scope is
/// `api_scope` (a processed one also needs `Document::delete_action`).
pub fn require_may_delete(actor: &Actor, api_scope: Scope) -> Result<()> {
    actor.require_at_endpoint(Action::DeleteKycDocument, api_scope)
}

/// The name, tag and metadata of a new document, cleaned.
fn clean_labels(new: &NewDocument) -> Result<(String, Option<String>, String)> {
    let name = clean_text("name", new.name.as_deref(), NAME_MAX_LEN)?
        .ok_or_else(|| Error::invalid("name", "name is required."))?;
    let tag = clean_text("documentTag", new.tag.as_deref(), TAG_MAX_LEN)?;
    if new.metadata.len() > METADATA_MAX {
        return Err(Error::invalid("metadata", format!("metadata holds at most {METADATA_MAX} strings.")));
    }
    let metadata = new
        .metadata
        .iter()
        .map(|m| clean_text("metadata", Some(m), METADATA_MAX_LEN).map(Option::unwrap_or_default))
        .collect::<std::result::Result<Vec<String>, _>>()?;
    let metadata = serde_json::to_string(&metadata).map_err(|e| Error::Internal(e.to_string()))?;
    Ok((name, tag, metadata))
}

/// The document type, and the residence rule: types 24 and 25 name a live tax residence of
/// the user; the others name none.
async fn check_type_and_residence(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    type_id: Option<i64>,
    residence_id: Option<i64>,
) -> Result<DocumentType> {
    let type_id = type_id.ok_or_else(|| Error::invalid("documentTypeId", "documentTypeId is required."))?;
    let kind = DocumentType::from_id(type_id)
        .ok_or_else(|| Error::invalid("documentTypeId", format!("documentTypeId {type_id} is not a document type.")))?;
    match (kind.needs_residence(), residence_id) {
        (true, None) => {
            return Err(Error::invalid(
                "residenceId",
                "residenceId is required for a tax statement (types 24 and 25).",
            ));
        }
        (false, Some(_)) => {
            return Err(Error::invalid("residenceId", "residenceId is only for tax statements (types 24 and 25)."));
        }
        (true, Some(id)) => {
            let live: Option<i64> =
                sqlx::query_scalar("SELECT id FROM tax_residences WHERE id = $1 AND user_id = $2 AND is_deleted = 0")
                    .bind(id)
                    .bind(user_id)
                    .fetch_optional(&mut **tx)
                    .await?;
            live.ok_or_else(|| Error::invalid("residenceId", "residenceId names no live tax residence of this user."))?;
        }
        (false, None) => {}
    }
    Ok(kind)
}

fn audit_label(actor: &Actor) -> String {
    actor.audit_identity().2
}

impl Backend {
    /// Stores a document: its bytes in the object store, then its row and audit row in one
    /// transaction. Nothing is kept of a refused document (the object is removed if the
    /// transaction fails). `form` is the pre-signed upload form it comes through, used once.
    pub(crate) async fn store_document(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        new: NewDocument,
        form: Option<&str>,
    ) -> Result<Document> {
        require_may_upload(actor)?;
        let user_id = new.user_id.ok_or_else(|| Error::invalid("userId", "userId is required."))?;
        let (name, tag, metadata) = clean_labels(&new)?;
        if new.type_id.is_none() {
            return Err(Error::invalid("documentTypeId", "documentTypeId is required."));
        }
        let content = content_refusal(&new.bytes).map_err(|message| Error::invalid("fileContentBase64", message))?;
        // The cheap checks before the bytes are written; they run again in the transaction.
        {
            let mut tx = self.db.pool.begin().await?;
            match fetch_user_for(&mut tx, user_id, Action::AddKycDocument).await {
                Err(Error::NotFound) => return Err(Error::invalid("userId", "userId names no user.")),
                other => other?,
            };
            check_type_and_residence(&mut tx, user_id, new.type_id, new.residence_id).await?;
        }
        let uuid = form.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
        let key = self.documents.new_key(user_id, &uuid);
        let size = new.bytes.len() as i64;
        self.documents.put(&key, new.bytes).await?;
        let stored = self
            .insert_document(
                actor,
                meta,
                &uuid,
                &key,
                user_id,
                new.type_id,
                new.residence_id,
                (name, tag, metadata),
                content,
                size,
                form,
            )
            .await;
        if stored.is_err() {
            self.documents.delete(&key).await.ok();
        }
        stored
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_document(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        uuid: &str,
        key: &str,
        user_id: i64,
        type_id: Option<i64>,
        residence_id: Option<i64>,
        (name, tag, metadata): (String, Option<String>, String),
        content: ContentKind,
        size: i64,
        form: Option<&str>,
    ) -> Result<Document> {
        let mut change = self.open_change(actor, meta).await?;
        fetch_user_for(&mut change.tx, user_id, Action::AddKycDocument).await?;
        let kind = check_type_and_residence(&mut change.tx, user_id, type_id, residence_id).await?;
        let live: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE user_id = $1 AND deleted_date IS NULL")
                .bind(user_id)
                .fetch_one(&mut *change.tx)
                .await?;
        if live >= MAX_DOCUMENTS_PER_USER {
            return Err(Error::Conflict(format!(
                "This user already has {MAX_DOCUMENTS_PER_USER} documents: delete those no longer needed first."
            )));
        }
        if let Some(form) = form {
            let used = sqlx::query("UPDATE document_upload_forms SET used_at = $1 WHERE uuid = $2 AND used_at IS NULL")
                .bind(self.clock.now_rfc3339())
                .bind(form)
                .execute(&mut *change.tx)
                .await?;
            if used.rows_affected() != 1 {
                return Err(Error::Conflict("This upload form was already used.".into()));
            }
        }
        let now = self.clock.now_rfc3339();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO documents (uuid, user_id, document_type_id, name, content_type, size_bytes, object_key, \
             document_tag, residence_id, metadata_json, created_by, created_date, modified_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
        )
        .bind(uuid)
        .bind(user_id)
        .bind(kind.id)
        .bind(name)
        .bind(content.mime())
        .bind(size)
        .bind(key)
        .bind(tag)
        .bind(residence_id)
        .bind(metadata)
        .bind(audit_label(actor))
        .bind(&now)
        .fetch_one(&mut *change.tx)
        .await?;
        let created = fetch(&mut change.tx, &DocumentRef::Id(id)).await?;
        change.audit(Record::new(AuditAction::DocumentUploaded, id).after(&created)?).await?;
        change.commit().await?;
        Ok(created)
    }

    /// `POST /v1/documents`.
    pub async fn create_document(&self, actor: &Actor, meta: &RequestMeta, new: NewDocument) -> Result<Document> {
        self.store_document(actor, meta, new, None).await
    }

    /// One document, deleted or not (its metadata: anyone who reads users sees it exists).
    pub async fn document(&self, actor: &Actor, which: &DocumentRef) -> Result<Document> {
        actor.require(Action::ReadUsers)?;
        let mut tx = self.db.pool.begin().await?;
        fetch(&mut tx, which).await
    }

    /// The documents of a user, newest first, deleted ones included (the KYC tab), at
    /// most `TAB_LIST_MAX`.
    pub async fn user_documents(&self, actor: &Actor, user_id: i64) -> Result<Vec<Document>> {
        actor.require(Action::ReadUsers)?;
        let mut tx = self.db.pool.begin().await?;
        crate::users::fetch_user(&mut tx, user_id).await?;
        let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM documents d WHERE d.user_id = $1 ORDER BY d.id DESC LIMIT {TAB_LIST_MAX}"
        )))
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        rows.into_iter().map(Row::typed).collect()
    }

    /// `GET /v1/documents`: filtered, one page; deep pages are refused rather than read.
    pub async fn search_documents(&self, actor: &Actor, search: &DocumentSearch) -> Result<Vec<Document>> {
        actor.require(Action::ReadUsers)?;
        let mut c = Conditions::default();
        if let Some(id) = search.document_id {
            c.int("d.id = ?", id);
        }
        if let Some(tag) = clean_text("documentTag", search.tag.as_deref(), TAG_MAX_LEN)? {
            c.text("d.document_tag = ?", tag);
        }
        if let Some(status) = search.status {
            c.text("d.document_status = ?", status.name());
        }
        if let Some(type_id) = search.type_id {
            c.int("d.document_type_id = ?", type_id);
        }
        if let Some(user_id) = search.user_id {
            c.int("d.user_id = ?", user_id);
        }
        if let Some(email) = clean_text("userEmail", search.user_email.as_deref(), 254)? {
            c.text("d.user_id IN (SELECT id FROM end_users WHERE lower(email) = ?)", email.to_lowercase());
        }
        if let Some(name) = clean_text("fileName", search.file_name.as_deref(), NAME_MAX_LEN)? {
            c.text("d.name = ?", name);
        }
        for (field, value, condition) in [
            ("createdDateFrom", &search.created_from, "d.created_date >= ?"),
            ("createdDateTo", &search.created_to, "d.created_date <= ?"),
            ("updatedDateFrom", &search.updated_from, "d.modified_date >= ?"),
            ("updatedDateTo", &search.updated_to, "d.modified_date <= ?"),
        ] {
            if let Some(raw) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                let to = condition.contains("<=");
                c.text(condition, crate::listing::date_bound(field, raw, to)?);
            }
        }
        let page_count = search.page_count.clamp(1, MAX_PAGE_SIZE);
        let page_number = search.page_number.max(1);
        if page_number.saturating_mul(page_count) > 10_000 {
            return Err(Error::invalid(
                "pageNumber",
                "Pages end at the 10,000th document: narrow the search (userId, dates) instead.",
            ));
        }
        // Modification order (asked for, or implied by an updatedDate range) follows the
        // (modified_date, id) index; with a filter of its own index it would sort every
        // match, so it goes only with the per-user filters, whose matches are few.
        let by_modified = search.sort_by_modified || search.updated_from.is_some() || search.updated_to.is_some();
        let per_user = search.user_id.is_some() || search.user_email.is_some() || search.document_id.is_some();
        let indexed_filter =
            search.tag.is_some() || search.status.is_some() || search.type_id.is_some() || search.file_name.is_some();
        if by_modified && indexed_filter && !per_user {
            return Err(Error::invalid(
                "sortBy",
                "Modification dates (sortBy=modifiedDate, updatedDate*) combine with userId, userEmail or documentId, \
                 not with status, type, tag or name filters alone.",
            ));
        }
        let column = if by_modified { "d.modified_date" } else { "d.created_date" };
        let order = if search.ascending { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT {COLUMNS} FROM documents d {} ORDER BY {column} {order}, d.id {order} LIMIT ${} OFFSET ${}",
            c.where_clause(),
            c.next(),
            c.next() + 1
        );
        let rows: Vec<Row> = bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &c.binds)
            .bind(page_count)
            .bind((page_number - 1) * page_count)
            .fetch_all(&self.db.pool)
            .await?;
        rows.into_iter().map(Row::typed).collect()
    }

    /// `PUT /v1/documents/{id}`: a new name.
    pub async fn rename_document(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        which: &DocumentRef,
        name: Option<String>,
    ) -> Result<Document> {
        require_may_upload(actor)?;
        let name = clean_text("name", name.as_deref(), NAME_MAX_LEN)?
            .ok_or_else(|| Error::invalid("name", "name is required."))?;
        let mut change = self.open_change(actor, meta).await?;
        let before = fetch(&mut change.tx, which).await?;
        if before.is_deleted() {
            return Err(Error::Conflict("This document was deleted.".into()));
        }
        if before.kyc_review_id.is_some() {
            return Err(Error::Conflict("A document submitted for KYC review is kept as it was submitted.".into()));
        }
        sqlx::query("UPDATE documents SET name = $1, modified_date = $2 WHERE id = $3")
            .bind(name)
            .bind(self.clock.now_rfc3339())
            .bind(before.id)
            .execute(&mut *change.tx)
            .await?;
        let after = fetch(&mut change.tx, &DocumentRef::Id(before.id)).await?;
        change.audit(Record::new(AuditAction::DocumentRenamed, before.id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }

    /// Deletes a document: the record stays with its deletion date, the bytes go. A
    /// processed document needs `admin` (the role table's Delete processed KYC documents) at
    /// every door; the others need Delete document (operators: legal) or, for an API
    /// client, `api_scope` (the endpoint's scope in the spec).
    pub async fn delete_document(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        which: &DocumentRef,
        api_scope: Scope,
    ) -> Result<Document> {
        require_may_delete(actor, api_scope)?;
        let mut change = self.open_change(actor, meta).await?;
        let before = fetch(&mut change.tx, which).await?;
        if before.is_processed() {
            actor
                .require(Action::DeleteProcessedKycDocuments)
                .map_err(|_| Error::Forbidden("A processed KYC document can only be deleted by an Administrator."))?;
        }
        if let Some(refusal) = before.delete_refusal() {
            return Err(Error::Conflict(refusal.into()));
        }
        let now = self.clock.now_rfc3339();
        let deleted = sqlx::query(
            "UPDATE documents SET deleted_date = $1, modified_date = $1 WHERE id = $2 AND deleted_date IS NULL \
             AND (kyc_review_id IS NULL OR document_status <> 'PENDING')",
        )
        .bind(&now)
        .bind(before.id)
        .execute(&mut *change.tx)
        .await?;
        if deleted.rows_affected() != 1 {
            return Err(Error::Conflict("This document was deleted or submitted for KYC review meanwhile.".into()));
        }
        let key: String = sqlx::query_scalar("SELECT object_key FROM documents WHERE id = $1")
            .bind(before.id)
            .fetch_one(&mut *change.tx)
            .await?;
        let after = fetch(&mut change.tx, &DocumentRef::Id(before.id)).await?;
        change.audit(Record::new(AuditAction::DocumentDeleted, before.id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        // After the commit: a failed transaction must not lose the bytes. A failed removal
        // leaves an unreachable object (no link is signed for a deleted document).
        if let Err(e) = self.documents.delete(&key).await {
            tracing::warn!(document = before.id, error = %e, "the bytes of a deleted document stayed in the store");
        }
        Ok(after)
    }

    /// Accepts (`PreReview::Accepted`) or refuses a document waiting for its pre-review. A
    /// refusal needs a comment (the reason the customer will hear).
    pub async fn pre_review_document(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        which: &DocumentRef,
        decision: Option<i64>,
        comment: Option<String>,
    ) -> Result<Document> {
        require_may_pre_review(actor)?;
        let decision = match decision.and_then(PreReview::from_code) {
            Some(d @ (PreReview::Accepted | PreReview::Refused)) => d,
            _ => return Err(Error::invalid("status", "status is 1 (accept) or 2 (refuse).")),
        };
        let comment = clean_text("comment", comment.as_deref(), COMMENT_MAX_LEN)?;
        if decision == PreReview::Refused && comment.is_none() {
            return Err(Error::invalid("comment", shared::documents::REFUSAL_NEEDS_COMMENT));
        }
        let mut change = self.open_change(actor, meta).await?;
        let before = fetch(&mut change.tx, which).await?;
        fetch_user_for(&mut change.tx, before.user_id, Action::ReviewKycDocument).await?;
        if let Some(refusal) = before.pre_review_refusal() {
            return Err(Error::Conflict(refusal.into()));
        }
        let now = self.clock.now_rfc3339();
        // Conditional: of two reviewers deciding at once, one decides.
        let updated = sqlx::query(
            "UPDATE documents SET pre_review_status = $1, pre_review_comment = $2, pre_reviewed_by = $3, \
             pre_reviewed_date = $4, modified_date = $4 \
             WHERE id = $5 AND pre_review_status = 0 AND deleted_date IS NULL AND kyc_review_id IS NULL",
        )
        .bind(decision.code())
        .bind(&comment)
        .bind(audit_label(actor))
        .bind(&now)
        .bind(before.id)
        .execute(&mut *change.tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(Error::Conflict("This document was pre-reviewed meanwhile; reload it.".into()));
        }
        let mut line = format!(
            "{now} document {} ({}) pre-review PENDING -> {} by {}",
            before.id,
            before.type_label(),
            if decision == PreReview::Accepted { "ACCEPTED" } else { "REFUSED" },
            audit_label(actor)
        );
        if let Some(comment) = &comment {
            line.push_str(&format!(": {comment}"));
        }
        crate::kyc::append_kyc_history(&mut change.tx, before.user_id, &line).await?;
        let after = fetch(&mut change.tx, &DocumentRef::Id(before.id)).await?;
        let action = if decision == PreReview::Accepted {
            AuditAction::DocumentPreReviewAccepted
        } else {
            AuditAction::DocumentPreReviewRefused
        };
        change.audit(Record::new(action, before.id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }

    /// User docs pending pre-review: live documents waiting, oldest first, filtered by type,
    /// user and creation date, one keyset page.
    pub async fn pre_review_queue(
        &self,
        actor: &Actor,
        search: &PreReviewSearch,
        api_scope: Scope,
    ) -> Result<KeysetPage<QueuedDocument>> {
        actor.require_at_endpoint(Action::ReviewKycDocument, api_scope)?;
        let mut c = Conditions::default();
        c.raw("d.pre_review_status = 0 AND d.deleted_date IS NULL AND d.kyc_review_id IS NULL".into());
        if let Some(type_id) = search.type_id {
            c.int("d.document_type_id = ?", type_id);
        }
        if let Some(user_id) = search.user_id {
            c.int("d.user_id = ?", user_id);
        }
        if let Some(from) = search.from.as_deref().filter(|v| !v.is_empty()) {
            c.text("d.created_date >= ?", crate::listing::date_bound("from", from, false)?);
        }
        if let Some(to) = search.to.as_deref().filter(|v| !v.is_empty()) {
            c.text("d.created_date <= ?", crate::listing::date_bound("to", to, true)?);
        }
        let counted: i64 = if search.skip_total {
            0
        } else {
            bind_all!(
                sqlx::query_scalar(AssertSqlSafe(capped_count_sql(&format!("FROM documents d {}", c.where_clause())))),
                &c.binds
            )
            .fetch_one(&self.db.pool)
            .await?
        };
        let size = search.page_size.clamp(1, MAX_PAGE_SIZE);
        let order_by = keyset_in(&mut c, Some("d.created_date"), "d.id", &search.at, Order::OldestFirst)?;
        let sql = format!(
            "SELECT {COLUMNS}, u.firstname, u.lastname, u.legal_name FROM documents d \
             JOIN end_users u ON u.id = d.user_id {} ORDER BY {order_by} LIMIT ${}",
            c.where_clause(),
            c.next()
        );
        let rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), &c.binds).bind(size + 1).fetch_all(&self.db.pool).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            use sqlx::{FromRow, Row as _};
            let first: Option<String> = row.try_get("firstname")?;
            let last: Option<String> = row.try_get("lastname")?;
            let legal: Option<String> = row.try_get("legal_name")?;
            let user_name = legal
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| [first.unwrap_or_default(), last.unwrap_or_default()].join(" ").trim().to_string());
            items.push(QueuedDocument { document: Row::from_row(&row)?.typed()?, user_name });
        }
        let (items, has_newer, has_older) = page_of(items, size as usize, &search.at);
        let cursor = |q: &QueuedDocument| Cursor { key: Some(q.document.created_date.clone()), id: q.document.id };
        Ok(KeysetPage {
            newer: has_newer.then(|| items.first().map(|q| Keyset::After(cursor(q)))).flatten(),
            older: has_older.then(|| items.last().map(|q| Keyset::Before(cursor(q)))).flatten(),
            total: total_of(counted),
            items,
        })
    }
}
