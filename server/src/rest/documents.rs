//! `/v1/documents` (integer ids, base64 uploads) and the pre-review endpoints of
//! `/core-connect` (UUIDs, pre-signed upload forms), plus the two routes outside the
//! contract that move bytes: `POST /documents/upload` (a form's target) and
//! `GET /documents/{uuid}/{purpose}` (a signed link).

use std::collections::HashMap;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use backend::documents::links::Purpose;
use backend::documents::{DocumentRef, DocumentSearch, NewDocument};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::Scope;
use shared::documents::{DocumentStatus, MAX_DOCUMENT_BYTES};
use shared::dto::PreReviewSearch;

use super::{ApiError, Caller, json, parse_json, positive_id, request_meta};
use crate::AppState;

/// The body limit of the upload routes: the largest document in base64, and some room.
pub const UPLOAD_BODY_LIMIT: usize = MAX_DOCUMENT_BYTES / 3 * 4 + 64 * 1024;

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("input_validation_error", message)
}

fn document_id(raw: &str) -> Result<DocumentRef, ApiError> {
    Ok(DocumentRef::Id(positive_id("documentId", raw)?))
}

fn document_uuid(raw: &str) -> Result<DocumentRef, ApiError> {
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| DocumentRef::Uuid(u.to_string()))
        .map_err(|_| bad("documentId: documentId must be a UUID."))
}

fn optional_int(params: &HashMap<String, String>, name: &str) -> Result<Option<i64>, ApiError> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| bad(format!("{name}: {name} must be an integer."))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Create {
    document_tag: Option<String>,
    /// Accepted for the contract's sake; a retried upload is told apart by its content.
    #[allow(dead_code)]
    access_tag: Option<String>,
    user_id: Option<i64>,
    residence_id: Option<i64>,
    document_type_id: Option<i64>,
    name: Option<String>,
    file_content_base64: Option<String>,
}

/// `POST /v1/documents`.
pub async fn create(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<Value>, ApiError> {
    // The caller first: an unauthorised request learns nothing about its input.
    backend::documents::require_may_upload(&caller.actor)?;
    let input: Create = parse_json(&body)?;
    drop(body);
    let encoded = input.file_content_base64.ok_or_else(|| bad("fileContentBase64: fileContentBase64 is required."))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad("fileContentBase64: fileContentBase64 is not valid base64 (RFC 4648)."))?;
    drop(encoded);
    let new = NewDocument {
        user_id: input.user_id,
        type_id: input.document_type_id,
        name: input.name,
        tag: input.document_tag,
        residence_id: input.residence_id,
        metadata: Vec::new(),
        bytes: Bytes::from(bytes),
    };
    let created = state.backend.create_document(&caller.actor, &caller.meta, new).await?;
    Ok(Json(json::documents([&created])))
}

/// `GET /v1/documents`.
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let text = |name: &str| params.get(name).cloned().filter(|v| !v.trim().is_empty());
    let status = match text("documentStatus") {
        None => None,
        Some(s) => {
            Some(DocumentStatus::parse(&s).ok_or_else(|| bad("documentStatus: CANCELED, PENDING or VALIDATED."))?)
        }
    };
    // documentType is the type's label or its id.
    let type_id = match (optional_int(&params, "documentTypeId")?, text("documentType")) {
        (Some(id), _) => Some(id),
        (None, Some(label)) => Some(
            shared::documents::DocumentType::ALL
                .into_iter()
                .find(|t| t.label.eq_ignore_ascii_case(&label) || t.id.to_string() == label)
                .map(|t| t.id)
                .ok_or_else(|| bad("documentType: not a document type."))?,
        ),
        (None, None) => None,
    };
    let sort_by_modified = match text("sortBy").as_deref() {
        None | Some("createdDate") => false,
        Some("modifiedDate" | "updatedDate") => true,
        Some(_) => return Err(bad("sortBy: createdDate or modifiedDate.")),
    };
    let ascending = match text("sortOrder").as_deref() {
        None | Some("DESC") => false,
        Some("ASC") => true,
        Some(_) => return Err(bad("sortOrder: ASC or DESC.")),
    };
    let search = DocumentSearch {
        document_id: optional_int(&params, "documentId")?,
        tag: text("documentTag"),
        status,
        type_id,
        user_id: optional_int(&params, "userId")?,
        user_email: text("userEmail"),
        file_name: text("fileName"),
        created_from: text("createdDateFrom"),
        created_to: text("createdDateTo"),
        updated_from: text("updatedDateFrom"),
        updated_to: text("updatedDateTo"),
        page_number: optional_int(&params, "pageNumber")?.unwrap_or(1),
        page_count: optional_int(&params, "pageCount")?.unwrap_or(50),
        sort_by_modified,
        ascending,
    };
    let found = state.backend.search_documents(&caller.actor, &search).await?;
    Ok(Json(json::documents(&found)))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let document = state.backend.document(&caller.actor, &document_id(&id)?).await?;
    Ok(Json(json::documents([&document])))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Rename {
    name: Option<String>,
}

pub async fn rename(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let which = document_id(&id)?;
    backend::documents::require_may_upload(&caller.actor)?;
    let input: Rename = parse_json(&body)?;
    let document = state.backend.rename_document(&caller.actor, &caller.meta, &which, input.name).await?;
    Ok(Json(json::documents([&document])))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let document =
        state.backend.delete_document(&caller.actor, &caller.meta, &document_id(&id)?, Scope::ReadWrite).await?;
    Ok(Json(json::documents([&document])))
}

/// `GET /v1/documents/{id}/download`: a signed link, and how long it works.
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let link = state.backend.document_link(&caller.actor, &document_id(&id)?, Purpose::Download).await?;
    Ok(Json(json!({
        "url": format!("{}{}", state.backend.mail.public_url, link.path),
        "duration": link.expires_in,
    })))
}

/// `GET /core-connect/users/{userId}/kyc/document`: the user's documents (not deleted), newest first.
pub async fn user_documents(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let documents = state.backend.user_documents(&caller.actor, positive_id("userId", &user_id)?).await?;
    let live: Vec<Value> = documents.iter().filter(|d| !d.is_deleted()).map(json::pre_review_document).collect();
    Ok(Json(Value::Array(live)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FormRequest {
    document_type: Option<i64>,
    #[serde(default)]
    metadata: Vec<String>,
}

/// `POST /core-connect/users/{userId}/kyc/document`: a pre-signed upload form.
pub async fn upload_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let user_id = positive_id("userId", &user_id)?;
    backend::documents::require_may_upload(&caller.actor)?;
    let input: FormRequest = parse_json(&body)?;
    let form = state.backend.create_upload_form(&caller.actor, user_id, input.document_type, input.metadata).await?;
    let fields: serde_json::Map<String, Value> = form.fields.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    Ok(Json(json!({
        "documentId": form.document_uuid,
        "form": {
            "action": format!("{}{}", state.backend.mail.public_url, form.action),
            "method": "POST",
            "enctype": "multipart/form-data",
        },
        "formFields": fields,
        "expireIn": form.expires_in,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreReview {
    status: Option<i64>,
    comment: Option<String>,
}

/// `PUT /core-connect/kyc/documents/{uuid}/status`.
pub async fn pre_review(
    State(state): State<AppState>,
    caller: Caller,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    backend::documents::require_may_pre_review(&caller.actor)?;
    let which = document_uuid(&uuid)?;
    let input: PreReview = parse_json(&body)?;
    let document =
        state.backend.pre_review_document(&caller.actor, &caller.meta, &which, input.status, input.comment).await?;
    Ok(Json(json::pre_review_document(&document)))
}

/// `DELETE /core-connect/kyc/documents/{uuid}`.
pub async fn pre_review_delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(uuid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    backend::documents::require_may_delete(&caller.actor, Scope::Legal)?;
    let document =
        state.backend.delete_document(&caller.actor, &caller.meta, &document_uuid(&uuid)?, Scope::Legal).await?;
    Ok(Json(json::pre_review_document(&document)))
}

/// `GET /core-connect/kyc/documents/need-review`: the 100 that waited longest.
pub async fn need_review(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let search = PreReviewSearch { page_size: 100, skip_total: true, ..Default::default() };
    let page = state.backend.pre_review_queue(&caller.actor, &search, Scope::Legal).await?;
    Ok(Json(Value::Array(page.items.iter().map(|q| json::pre_review_document(&q.document)).collect())))
}

/// `GET /core-connect/kyc/documents/{uuid}/preview`.
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Path(uuid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.actor.require(shared::Action::ReadUsers)?;
    let link = state.backend.document_link(&caller.actor, &document_uuid(&uuid)?, Purpose::Preview).await?;
    Ok(Json(json!({
        "url": format!("{}{}", state.backend.mail.public_url, link.path),
        "contentType": link.content_type,
        "duration": link.expires_in,
    })))
}

/// `POST /documents/upload`: the target of a pre-signed form (multipart: the form's fields,
/// then `file`). The form is the credential, as with a pre-signed S3 POST.
pub async fn upload(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let meta = request_meta(&parts);
    let mut fields = HashMap::new();
    let mut file: Option<(Option<String>, Bytes)> = None;
    while let Some(field) =
        multipart.next_field().await.map_err(|e| bad(format!("The multipart body is not valid: {e}.")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            // The form's fields come first, as with S3: a stranger's file is never read.
            state.backend.check_upload_form(&fields).await?;
            let file_name = field.file_name().map(str::to_string);
            let bytes = field.bytes().await.map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "invalid_request",
                    "payload_too_large",
                    "The file is too large.",
                )
            })?;
            file = Some((file_name, bytes));
        } else if fields.len() < 20 {
            let value = field.text().await.map_err(|_| bad("A form field is not text."))?;
            fields.insert(name, value);
        }
    }
    let (name, bytes) = file.ok_or_else(|| bad("file: the multipart body has no file field."))?;
    let document = state.backend.upload_with_form(&meta, &fields, name, bytes).await?;
    Ok((StatusCode::CREATED, Json(json::pre_review_document(&document))))
}

#[derive(Deserialize)]
pub struct LinkQuery {
    expires: Option<i64>,
    signature: Option<String>,
}

/// `GET /documents/{uuid}/{purpose}?expires=&signature=`: the bytes, streamed from the store.
pub async fn content(
    State(state): State<AppState>,
    Path((uuid, purpose)): Path<(String, String)>,
    Query(link): Query<LinkQuery>,
) -> Result<Response, ApiError> {
    let opened = state.backend.open_document_link(&uuid, &purpose, link.expires, link.signature.as_deref()).await?;
    let document = &opened.document;
    let disposition = match opened.purpose {
        Purpose::Download => "attachment",
        Purpose::Preview => "inline",
    };
    let file_name = format!("document-{}.{}", document.id, document.content.extension());
    let mut response = Body::from_stream(opened.bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(document.content.mime()));
    if let Ok(length) = HeaderValue::from_str(&document.size_bytes.to_string()) {
        headers.insert(header::CONTENT_LENGTH, length);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("{disposition}; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Only the dashboard may frame it (its preview). An image can load nothing else; a PDF
    // keeps the browser's viewer, which a stricter policy would block (the content type is
    // checked by its bytes and nosniff holds, so nothing else can run).
    let policy = if document.content.is_image() {
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    } else {
        "frame-ancestors 'self'"
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    Ok(response)
}
