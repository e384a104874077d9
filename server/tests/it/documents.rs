//! KYC documents end to end: upload (base64 and pre-signed form), pre-review, Submit KYC,
//! the four-eyes decision, processed documents; every refused upload stores nothing; signed
//! links expire and name one document; every door checks its scope.

use std::time::Duration;

use backend::documents::{DocumentRef, NewDocument};
use backend::{Actor, RequestMeta};
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use shared::documents::KycDecision;
use shared::{Role, Scope};

use crate::harness::{Flavor, TestApp, browser, spawn_app};
use crate::spec::assert_matches_schema;

crate::on_both_databases!(
    a_document_goes_from_upload_to_a_validated_user,
    a_refused_review_sends_the_user_back,
    refused_uploads_store_nothing,
    signed_links_expire_and_name_one_document,
    upload_forms_work_once_and_expire,
    operators_see_documents_but_only_legal_opens_them,
    two_reviewers_at_once_decide_once,
    two_uploads_through_one_form_keep_the_winners_bytes,
    lists_stay_bounded,
    every_search_filter_narrows_the_list,
);

pub fn pdf(text: &str) -> Vec<u8> {
    backend::documents::demo::demo_pdf(text)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn new_user(app: &TestApp, token: &str, email: &str) -> i64 {
    let body = json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": email, "firstname": "Ada", "lastname": "Lovelace", "birthday": "1815-12-10", "country": "FR"});
    let (status, body) = app.rest(Method::POST, "/v1/users", token, Some(body)).await;
    assert_eq!(status, 200, "{body}");
    body["users"][0]["userId"].as_i64().unwrap()
}

/// An accepted identity document for `user_id`, written through the backend (for the tests
/// of other rules that need a user ready for review).
pub async fn make_ready(app: &TestApp, user_id: i64) {
    let new = NewDocument {
        user_id: Some(user_id),
        type_id: Some(17),
        name: Some("passport.pdf".into()),
        bytes: pdf("passport").into(),
        ..Default::default()
    };
    let meta = RequestMeta::local();
    let doc = app.backend.create_document(&Actor::System, &meta, new).await.unwrap();
    app.backend
        .pre_review_document(&Actor::System, &meta, &DocumentRef::Id(doc.id), Some(1), Some("ok".into()))
        .await
        .unwrap();
}

async fn upload(app: &TestApp, token: &str, user: i64, type_id: i64, bytes: &[u8]) -> (reqwest::StatusCode, Value) {
    let body =
        json!({"userId": user, "documentTypeId": type_id, "name": "passport.pdf", "fileContentBase64": b64(bytes)});
    app.rest(Method::POST, "/v1/documents", token, Some(body)).await
}

/// A signed URL of an answer, on this test's server.
fn local_url(app: &TestApp, url: &str) -> String {
    let path = &url[url.find("/documents/").expect("a documents URL")..];
    format!("{}{path}", app.base_url)
}

/// Uploads through a pre-signed form; answers the upload's status and body.
async fn upload_by_form(app: &TestApp, form: &Value, file: Vec<u8>, name: &str) -> (reqwest::StatusCode, Value) {
    let mut multipart = reqwest::multipart::Form::new();
    for (k, v) in form["formFields"].as_object().unwrap() {
        multipart = multipart.text(k.clone(), v.as_str().unwrap().to_string());
    }
    multipart = multipart.part("file", reqwest::multipart::Part::bytes(file).file_name(name.to_string()));
    let res = browser()
        .post(local_url(app, form["form"]["action"].as_str().unwrap()))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Submit KYC from the dashboard.
async fn submit(app: &TestApp, b: &reqwest::Client, user: i64) -> Result<Value, app::error::AppError> {
    app.call(b, "users/kyc-review", json!({"id": user})).await
}

async fn document_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM documents").fetch_one(&app.backend.db.pool).await.unwrap()
}

async fn a_document_goes_from_upload_to_a_validated_user(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let legal_client = app.bearer(&[Scope::ReadOnly, Scope::Legal]).await;
    let user = new_user(&app, &t, "ada@example.com").await;
    let (first, _) = app.logged_in("first@example.com", Role::SupportLegal).await;
    let (second, _) = app.logged_in("second@example.com", Role::SupportLegal).await;

    // A base64 upload waits for its pre-review.
    let (status, body) = upload(&app, &t, user, 17, &pdf("passport")).await;
    assert_eq!(status, 200, "{body}");
    assert_matches_schema("DocumentObject", &body, false);
    let passport = &body["documents"][0];
    assert_eq!((passport["documentStatus"].as_str(), passport["documentTypeId"].as_i64()), (Some("PENDING"), Some(17)));
    let passport_id = passport["documentId"].as_i64().unwrap();
    assert_eq!(app.backend.documents.count().await.unwrap(), 1, "the bytes are in the store");

    // Submit KYC needs the document pre-review accepted.
    let refused = submit(&app, &first, user).await.unwrap_err().to_string();
    assert!(refused.contains("Identity"), "{refused}");

    // The pre-review: a refusal needs a comment; then it is refused.
    let passport_uuid = app.backend.document(&Actor::System, &DocumentRef::Id(passport_id)).await.unwrap().uuid;
    let status_url = format!("/core-connect/kyc/documents/{passport_uuid}/status");
    let (status, body) =
        app.rest(Method::PUT, &status_url, &legal_client, Some(json!({"status": 2, "comment": ""}))).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) =
        app.rest(Method::PUT, &status_url, &legal_client, Some(json!({"status": 2, "comment": "Blurred"}))).await;
    assert_eq!(status, 200, "{body}");
    assert_matches_schema("updateDocument_200_response", &body, false);
    assert_eq!(body["status"], 2);
    let (status, _) =
        app.rest(Method::PUT, &status_url, &legal_client, Some(json!({"status": 1, "comment": ""}))).await;
    assert_eq!(status, 409, "a refused document stays refused: a new one replaces it");

    // The replacement comes through a pre-signed form.
    let (status, form) = app
        .rest(Method::POST, &format!("/core-connect/users/{user}/kyc/document"), &t, Some(json!({"documentType": 9})))
        .await;
    assert_eq!(status, 200, "{form}");
    assert_matches_schema("getPreSignedKycForm_200_response", &form, false);
    let (status, uploaded) = upload_by_form(&app, &form, pdf("identity card").to_vec(), "id.pdf").await;
    assert_eq!(status, 201, "{uploaded}");
    assert_eq!(uploaded["documentId"], form["documentId"]);
    let (_, list) = app.rest(Method::GET, &format!("/core-connect/users/{user}/kyc/document"), &t, None).await;
    assert_matches_schema("getKYCDocuments_200_response_inner", &list, true);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let (_, queue) = app.rest(Method::GET, "/core-connect/kyc/documents/need-review", &legal_client, None).await;
    assert_matches_schema("updateDocument_200_response", &queue, true);
    assert_eq!(
        queue.as_array().unwrap().iter().map(|d| d["documentId"].clone()).collect::<Vec<_>>(),
        vec![form["documentId"].clone()]
    );

    // The first legal operator accepts it from the dashboard, then submits.
    let card_id = app
        .backend
        .document(&Actor::System, &DocumentRef::Uuid(form["documentId"].as_str().unwrap().into()))
        .await
        .unwrap()
        .id;
    let accepted: Value = app
        .call(&first, "documents/pre-review", json!({"id": card_id, "accept": true, "comment": "Matches the profile"}))
        .await
        .unwrap();
    assert_eq!(accepted["pre_review"], "Accepted");
    let missing: Vec<String> = app.call(&first, "documents/submission-check", json!({"user_id": user})).await.unwrap();
    assert!(missing.is_empty(), "{missing:?}");
    submit(&app, &first, user).await.unwrap();
    let (status, _) =
        app.rest(Method::PUT, &format!("/v1/documents/{card_id}"), &t, Some(json!({"name": "other.pdf"}))).await;
    assert_eq!(status, 409, "a submitted document stays as it was submitted");
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/documents/{card_id}"), &t, None).await;
    assert_eq!(status, 409, "nor can it be deleted while its review is pending");

    // Four-eyes: the submitter cannot decide; the second operator validates.
    let queue: Value =
        app.call(&second, "kyc/reviews", json!({"user_id": user, "at": "First", "page_size": 20})).await.unwrap();
    let review =
        queue["items"].as_array().unwrap().iter().find(|r| r["user_id"] == user).expect("in the queue").clone();
    assert_eq!(review["document_count"], 1);
    let decide =
        json!({"review_id": review["id"], "decision": KycDecision::Validate, "reason": null, "comment": "All good"});
    let own = app.call::<Value>(&first, "kyc/decide", decide.clone()).await.unwrap_err().to_string();
    assert!(own.contains("four-eyes"), "{own}");
    app.call::<Value>(&second, "kyc/decide", decide.clone()).await.unwrap();
    let again = app.call::<Value>(&second, "kyc/decide", decide).await.unwrap_err().to_string();
    assert!(again.contains("already decided"), "{again}");

    let (_, body) = app.rest(Method::GET, &format!("/v1/users/{user}"), &t, None).await;
    let u = &body["users"][0];
    assert_eq!(
        (u["userStatus"].as_str(), u["codeStatus"].as_str(), u["kycReview"].as_i64()),
        (Some("VALIDATED"), Some("110009"), Some(2))
    );
    assert!(u["kycReviewComment"].as_str().unwrap().contains("validated by second@example.com"), "{u}");

    // The documents are processed: the accepted one VALIDATED, the refused one untouched.
    let (_, docs) = app.rest(Method::GET, &format!("/v1/documents?userId={user}&sortOrder=ASC"), &t, None).await;
    assert_matches_schema("DocumentObject", &docs, false);
    let statuses: Vec<&str> =
        docs["documents"].as_array().unwrap().iter().map(|d| d["documentStatus"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["PENDING", "VALIDATED"]);
    let (_, validated) =
        app.rest(Method::GET, &format!("/v1/documents?userId={user}&documentStatus=VALIDATED"), &t, None).await;
    assert_eq!(validated["documents"][0]["documentId"].as_i64(), Some(card_id));

    // A processed document is deleted by an Administrator only; the record stays.
    let legal_delete = app.call::<Value>(&first, "documents/delete", json!({"id": card_id})).await.unwrap_err();
    assert!(legal_delete.to_string().contains("Administrator"), "{legal_delete}");
    let (admin, _) = app.logged_in("admin@example.com", Role::Administrator).await;
    let deleted: Value = app.call(&admin, "documents/delete", json!({"id": card_id})).await.unwrap();
    assert!(deleted["deleted_date"].is_string());
    assert_eq!(app.backend.documents.count().await.unwrap(), 1, "its bytes went; the refused passport's stay");
    let (status, body) = app.rest(Method::GET, &format!("/v1/documents/{card_id}"), &t, None).await;
    assert_eq!((status.as_u16(), body["documents"][0]["informationStatus"].as_str()), (200, Some("Deleted")));

    let actions = app.audit_actions().await;
    for action in [
        "document.uploaded",
        "document.pre_review_refused",
        "document.pre_review_accepted",
        "user.kyc_review_requested",
        "user.kyc_validated",
        "document.deleted",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} missing from {actions:?}");
    }
}

async fn a_refused_review_sends_the_user_back(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let user = new_user(&app, &t, "refused@example.com").await;
    make_ready(&app, user).await;
    // An API client submits; an operator decides.
    let (status, body) = app.rest(Method::PUT, &format!("/v1/users/{user}/Kycreview"), &t, None).await;
    assert_eq!(status, 200, "{body}");
    let (reviewer, _) = app.logged_in("reviewer@example.com", Role::SupportLegal).await;
    let (support, _) = app.logged_in("support@example.com", Role::Support).await;
    let queue: Value =
        app.call(&reviewer, "kyc/reviews", json!({"user_id": null, "at": "First", "page_size": 20})).await.unwrap();
    let review_id = queue["items"][0]["id"].clone();
    let refuse = |reason: Value, comment: &str| json!({"review_id": review_id, "decision": KycDecision::Refuse, "reason": reason, "comment": comment});
    let no_scope = app.call::<Value>(&support, "kyc/decide", refuse(json!("Document expired"), "x")).await.unwrap_err();
    assert!(matches!(no_scope, app::error::AppError::Forbidden(_)), "{no_scope:?}");
    for (reason, comment) in [(json!(null), "why"), (json!("Because"), "why"), (json!("Document expired"), "")] {
        let e = app.call::<Value>(&reviewer, "kyc/decide", refuse(reason.clone(), comment)).await.unwrap_err();
        assert!(matches!(e, app::error::AppError::Invalid { .. }), "{reason} {comment:?}: {e:?}");
    }
    let user_after: Value =
        app.call(&reviewer, "kyc/decide", refuse(json!("Document expired"), "Passport expired in 2020")).await.unwrap();
    assert_eq!(user_after["kyc_review"], "Refused");
    assert_eq!(user_after["status"], "Pending", "a refusal does not validate the user");
    let (_, body) = app.rest(Method::GET, &format!("/v1/documents?userId={user}"), &t, None).await;
    assert_eq!(body["documents"][0]["documentStatus"], "CANCELED");
    let (_, body) = app.rest(Method::GET, &format!("/v1/users/{user}"), &t, None).await;
    assert!(
        body["users"][0]["kycReviewComment"]
            .as_str()
            .unwrap()
            .contains("refused by reviewer@example.com (Document expired): Passport expired in 2020")
    );
    // The processed document no longer counts: a new one is needed before a new review.
    let (status, _) = app.rest(Method::PUT, &format!("/v1/users/{user}/Kycreview"), &t, None).await;
    assert_eq!(status, 409);
    make_ready(&app, user).await;
    let (status, _) = app.rest(Method::PUT, &format!("/v1/users/{user}/Kycreview"), &t, None).await;
    assert_eq!(status, 200);
    assert!(app.audit_actions().await.iter().any(|a| a == "user.kyc_refused"));
}

async fn refused_uploads_store_nothing(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let user = new_user(&app, &t, "bad@example.com").await;
    let png_named_pdf = b"GIF89a not a pdf at all".to_vec();
    let mut too_big = b"%PDF-".to_vec();
    too_big.resize(shared::documents::MAX_DOCUMENT_BYTES + 1, b' ');
    let valid = b64(&pdf("ok"));
    let cases = [
        (
            "GIF bytes named .pdf",
            json!({"userId": user, "documentTypeId": 17, "name": "x.pdf", "fileContentBase64": b64(&png_named_pdf)}),
            "fileContentBase64",
        ),
        (
            "bad base64",
            json!({"userId": user, "documentTypeId": 17, "name": "x.pdf", "fileContentBase64": "%%% not base64"}),
            "fileContentBase64",
        ),
        (
            "empty file",
            json!({"userId": user, "documentTypeId": 17, "name": "x.pdf", "fileContentBase64": ""}),
            "fileContentBase64",
        ),
        (
            "over the limit",
            json!({"userId": user, "documentTypeId": 17, "name": "x.pdf", "fileContentBase64": b64(&too_big)}),
            "fileContentBase64",
        ),
        (
            "unknown type",
            json!({"userId": user, "documentTypeId": 3, "name": "x.pdf", "fileContentBase64": valid}),
            "documentTypeId",
        ),
        (
            "tax statement without residence",
            json!({"userId": user, "documentTypeId": 24, "name": "x.pdf", "fileContentBase64": valid}),
            "residenceId",
        ),
        (
            "residence on a passport",
            json!({"userId": user, "documentTypeId": 17, "residenceId": 1, "name": "x.pdf", "fileContentBase64": valid}),
            "residenceId",
        ),
        (
            "no such user",
            json!({"userId": 999999, "documentTypeId": 17, "name": "x.pdf", "fileContentBase64": valid}),
            "userId",
        ),
        ("no name", json!({"userId": user, "documentTypeId": 17, "fileContentBase64": valid}), "name"),
        (
            "control characters",
            json!({"userId": user, "documentTypeId": 17, "name": "a\u{0}b", "fileContentBase64": valid}),
            "name",
        ),
    ];
    for (what, body, field) in cases {
        let (status, answer) = app.rest(Method::POST, "/v1/documents", &t, Some(body)).await;
        assert_eq!(status, 400, "{what}: {answer}");
        let message = answer["errors"][0]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{what}: {message}");
        assert!(!message.to_lowercase().contains("sql"), "{message}");
    }
    // A body far over the limit is a 413 before anything is read.
    assert_eq!(crate::harness::declared_post(&app.base_url, "/v1/documents", &t, backend_limit() + 1024).await, 413);
    // Through a form: the same content rule, and the form stays usable.
    let (_, form) = app
        .rest(Method::POST, &format!("/core-connect/users/{user}/kyc/document"), &t, Some(json!({"documentType": 17})))
        .await;
    let (status, body) = upload_by_form(&app, &form, png_named_pdf, "renamed.pdf").await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("not a PDF, JPEG or PNG"), "{body}");
    let (status, body) = upload_by_form(&app, &form, Vec::new(), "empty.pdf").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(document_rows(&app).await, 0, "no row");
    assert_eq!(app.backend.documents.count().await.unwrap(), 0, "no object");
    assert!(!app.audit_actions().await.iter().any(|a| a.starts_with("document.")));
    let (status, _) = upload_by_form(&app, &form, b"\x89PNG\r\n\x1a\nrest".to_vec(), "scan.png").await;
    assert_eq!(status, 201, "a refused file does not use the form up");
    assert_eq!((document_rows(&app).await, app.backend.documents.count().await.unwrap()), (1, 1));
}

fn backend_limit() -> usize {
    shared::documents::MAX_DOCUMENT_BYTES / 3 * 4 + 64 * 1024
}

async fn signed_links_expire_and_name_one_document(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let reader = app.bearer(&[Scope::ReadOnly]).await;
    let user = new_user(&app, &t, "links@example.com").await;
    let first_bytes = pdf("first");
    let (_, a) = upload(&app, &t, user, 17, &first_bytes).await;
    let (_, b) = upload(&app, &t, user, 12, &pdf("second")).await;
    let (a, b) = (a["documents"][0]["documentId"].as_i64().unwrap(), b["documents"][0]["documentId"].as_i64().unwrap());
    let b_uuid = app.backend.document(&Actor::System, &DocumentRef::Id(b)).await.unwrap().uuid;

    // The spec gives read_only the download link.
    let (status, link) = app.rest(Method::GET, &format!("/v1/documents/{a}/download"), &reader, None).await;
    assert_eq!(status, 200, "{link}");
    assert_matches_schema("getDocumentDownloadUrl_200_response", &link, false);
    assert_eq!(link["duration"], 120);
    let url = local_url(&app, link["url"].as_str().unwrap());
    let res = browser().get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), first_bytes);

    // Another document's id in the same link, another purpose or expiry: refused.
    let a_uuid = app.backend.document(&Actor::System, &DocumentRef::Id(a)).await.unwrap().uuid;
    for forged in [
        url.replace(&a_uuid, &b_uuid),
        url.replace("/download?", "/preview?"),
        {
            let e = url.split("expires=").nth(1).unwrap()[..10].to_string();
            url.replace(&e, &(e.parse::<i64>().unwrap() + 600).to_string())
        },
        url.split("&signature=").next().unwrap().to_string(),
    ] {
        let res = browser().get(&forged).send().await.unwrap();
        assert_eq!(res.status(), 403, "{forged}");
    }
    // The preview link carries its content type and works inline.
    let (status, preview) =
        app.rest(Method::GET, &format!("/core-connect/kyc/documents/{b_uuid}/preview"), &reader, None).await;
    assert_eq!(status, 200, "{preview}");
    assert_matches_schema("getPresignedUrlDocument_200_response", &preview, false);
    let res = browser().get(local_url(&app, preview["url"].as_str().unwrap())).send().await.unwrap();
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("inline"));

    // After two minutes the link is dead.
    app.clock.advance(Duration::from_secs(121));
    assert_eq!(browser().get(&url).send().await.unwrap().status(), 403);

    // A deleted document has no link, and an old link no longer serves it.
    let (_, fresh) = app.rest(Method::GET, &format!("/v1/documents/{b}/download"), &reader, None).await;
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/documents/{b}"), &t, None).await;
    assert_eq!(status, 200);
    assert_eq!(browser().get(local_url(&app, fresh["url"].as_str().unwrap())).send().await.unwrap().status(), 404);
    let (status, _) = app.rest(Method::GET, &format!("/v1/documents/{b}/download"), &reader, None).await;
    assert_eq!(status, 409);
}

async fn upload_forms_work_once_and_expire(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let user = new_user(&app, &t, "forms@example.com").await;
    let form_url = format!("/core-connect/users/{user}/kyc/document");
    let (_, form) = app.rest(Method::POST, &form_url, &t, Some(json!({"documentType": 17}))).await;
    assert_eq!(upload_by_form(&app, &form, pdf("one"), "a.pdf").await.0, 201);
    assert_eq!(upload_by_form(&app, &form, pdf("two"), "b.pdf").await.0, 409, "a form works once");
    // A tampered form is refused.
    let mut forged = form.clone();
    forged["formFields"]["key"] = json!(uuid::Uuid::new_v4().to_string());
    assert_eq!(upload_by_form(&app, &forged, pdf("x"), "c.pdf").await.0, 403);
    let (_, late) = app.rest(Method::POST, &form_url, &t, Some(json!({"documentType": 9}))).await;
    app.clock.advance(Duration::from_secs(301));
    assert_eq!(upload_by_form(&app, &late, pdf("late"), "d.pdf").await.0, 403, "expired after five minutes");
    // Tax statements name a residence: not through a form. Unknown types are refused.
    for (body, field) in [
        (json!({"documentType": 24}), "documentType"),
        (json!({"documentType": 1}), "documentType"),
        (json!({}), "documentType"),
    ] {
        let (status, answer) = app.rest(Method::POST, &form_url, &t, Some(body)).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer["errors"][0]["message"].as_str().unwrap().starts_with(field));
    }
    assert_eq!(document_rows(&app).await, 1);
}

async fn operators_see_documents_but_only_legal_opens_them(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let user = new_user(&app, &t, "roles@example.com").await;
    let (_, body) = upload(&app, &t, user, 17, &pdf("passport")).await;
    let id = body["documents"][0]["documentId"].as_i64().unwrap();
    let (read_only, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let (support, _) = app.logged_in("support@example.com", Role::Support).await;
    let (legal, _) = app.logged_in("legal@example.com", Role::SupportLegal).await;
    for (who, b) in [("read-only", &read_only), ("support", &support)] {
        let list: Vec<Value> = app.call(b, "documents/of-user", json!({"user_id": user})).await.unwrap();
        assert_eq!((list.len(), list[0]["pre_review"].as_str()), (1, Some("Pending")), "{who} sees it and its state");
        for (endpoint, args) in [
            ("documents/link", json!({"id": id, "preview": true})),
            ("documents/link", json!({"id": id, "preview": false})),
            ("documents/pre-review", json!({"id": id, "accept": true, "comment": ""})),
            ("documents/delete", json!({"id": id})),
            ("documents/upload-form", json!({"user_id": user, "type_id": 17})),
            (
                "documents/pre-review-queue",
                json!({"search": {"type_id": null, "user_id": null, "from": null, "to": null, "at": "First", "page_size": 20}}),
            ),
            ("kyc/reviews", json!({"user_id": null, "at": "First", "page_size": 20})),
        ] {
            let e = app.call::<Value>(b, endpoint, args).await.unwrap_err();
            assert!(matches!(e, app::error::AppError::Forbidden(_)), "{who} {endpoint}: {e:?}");
        }
    }
    let link: Value = app.call(&legal, "documents/link", json!({"id": id, "preview": true})).await.unwrap();
    let res = browser().get(format!("{}{}", app.base_url, link["path"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // API clients: the spec's scopes (pre-review needs legal, uploads read_write).
    let read_write = app.bearer(&[Scope::ReadOnly, Scope::ReadWrite]).await;
    let uuid = app.backend.document(&Actor::System, &DocumentRef::Id(id)).await.unwrap().uuid;
    let (status, _) = app
        .rest(
            Method::PUT,
            &format!("/core-connect/kyc/documents/{uuid}/status"),
            &read_write,
            Some(json!({"status": 1, "comment": ""})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app.rest(Method::GET, "/core-connect/kyc/documents/need-review", &read_write, None).await;
    assert_eq!(status, 403);
    let reader = app.bearer(&[Scope::ReadOnly]).await;
    let (status, _) = upload(&app, &reader, user, 17, &pdf("x")).await;
    assert_eq!(status, 403);
    // Renaming, then the queue with its filters.
    let (status, body) = app
        .rest(Method::PUT, &format!("/v1/documents/{id}"), &read_write, Some(json!({"name": "passport-2026.pdf"})))
        .await;
    assert_eq!((status.as_u16(), body["documents"][0]["name"].as_str()), (200, Some("passport-2026.pdf")));
    let queue = |type_id: Option<i64>, user_id: Option<i64>| json!({"search": {"type_id": type_id, "user_id": user_id, "from": null, "to": null, "at": "First", "page_size": 20}});
    let page: Value = app.call(&legal, "documents/pre-review-queue", queue(Some(17), Some(user))).await.unwrap();
    assert_eq!(page["items"][0]["document"]["id"].as_i64(), Some(id));
    assert_eq!(page["items"][0]["user_name"], "Ada Lovelace");
    let page: Value = app.call(&legal, "documents/pre-review-queue", queue(Some(9), None)).await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
}

async fn two_reviewers_at_once_decide_once(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let user = new_user(&app, &t, "race@example.com").await;
    let (_, body) = upload(&app, &t, user, 17, &pdf("passport")).await;
    let uuid = app
        .backend
        .document(&Actor::System, &DocumentRef::Id(body["documents"][0]["documentId"].as_i64().unwrap()))
        .await
        .unwrap()
        .uuid;
    let legal = app.bearer(&[Scope::Legal]).await;
    let url = format!("/core-connect/kyc/documents/{uuid}/status");
    let (one, two) = tokio::join!(
        app.rest(Method::PUT, &url, &legal, Some(json!({"status": 1, "comment": "ok"}))),
        app.rest(Method::PUT, &url, &legal, Some(json!({"status": 2, "comment": "blurred"}))),
    );
    let mut statuses = [one.0.as_u16(), two.0.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let decided = app.audit_actions().await.iter().filter(|a| a.starts_with("document.pre_review")).count();
    assert_eq!(decided, 1);
}

async fn two_uploads_through_one_form_keep_the_winners_bytes(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let user = new_user(&app, &t, "twice@example.com").await;
    let (_, form) = app
        .rest(Method::POST, &format!("/core-connect/users/{user}/kyc/document"), &t, Some(json!({"documentType": 17})))
        .await;
    let (one, two) = (pdf("first attempt"), pdf("second attempt"));
    let ((s1, _), (s2, _)) = tokio::join!(
        upload_by_form(&app, &form, one.clone(), "one.pdf"),
        upload_by_form(&app, &form, two.clone(), "two.pdf"),
    );
    let mut statuses = [s1.as_u16(), s2.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    // The loser removed only what it wrote: the document's bytes are the winner's, whole.
    assert_eq!(app.backend.documents.count().await.unwrap(), 1);
    let id = app
        .backend
        .document(&Actor::System, &DocumentRef::Uuid(form["documentId"].as_str().unwrap().into()))
        .await
        .unwrap()
        .id;
    let (_, link) = app.rest(Method::GET, &format!("/v1/documents/{id}/download"), &t, None).await;
    let bytes =
        browser().get(local_url(&app, link["url"].as_str().unwrap())).send().await.unwrap().bytes().await.unwrap();
    let winner = if s1.as_u16() == 201 { one } else { two };
    assert_eq!(bytes.to_vec(), winner);
}

async fn lists_stay_bounded(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let user = new_user(&app, &t, "bounded@example.com").await;
    // Modification order with a filter that has its own index would sort every match.
    let (status, body) =
        app.rest(Method::GET, "/v1/documents?sortBy=modifiedDate&documentStatus=PENDING", &t, None).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = app
        .rest(Method::GET, &format!("/v1/documents?sortBy=modifiedDate&documentStatus=PENDING&userId={user}"), &t, None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.rest(Method::GET, "/v1/documents?pageNumber=201&pageCount=50", &t, None).await;
    assert_eq!(status, 400, "pages end at the 10,000th document");
    // A user holds at most MAX_DOCUMENTS_PER_USER live documents.
    let (_, body) = upload(&app, &t, user, 17, &pdf("first")).await;
    let first = body["documents"][0]["documentId"].as_i64().unwrap();
    for k in 1..backend::documents::MAX_DOCUMENTS_PER_USER {
        sqlx::query(
            "INSERT INTO documents (uuid, user_id, document_type_id, name, content_type, size_bytes, object_key, \
             created_by, created_date, modified_date) VALUES ($1, $2, 12, 'bill.pdf', 'application/pdf', 1, 'x', 't', 'd', 'd')",
        )
        .bind(format!("filler-{k}"))
        .bind(user)
        .execute(&app.backend.db.pool)
        .await
        .unwrap();
    }
    let (status, body) = upload(&app, &t, user, 17, &pdf("one too many")).await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/documents/{first}"), &t, None).await;
    assert_eq!(status, 200);
    let (status, _) = upload(&app, &t, user, 17, &pdf("fits again")).await;
    assert_eq!(status, 200);
}

/// `GET /v1/documents`: each filter of the contract keeps exactly the documents it names;
/// a bad value is a 400 naming it.
async fn every_search_filter_narrows_the_list(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let ada = new_user(&app, &t, "ada@example.com").await;
    let bob = new_user(&app, &t, "bob@example.com").await;
    let post = |user: i64, type_id: i64, name: &str, tag: Option<&str>| {
        let mut body =
            json!({"userId": user, "documentTypeId": type_id, "name": name, "fileContentBase64": b64(&pdf(name))});
        if let Some(tag) = tag {
            body["documentTag"] = json!(tag);
        }
        let (app, t) = (&app, &t);
        async move {
            let (status, answer) = app.rest(Method::POST, "/v1/documents", t, Some(body)).await;
            assert_eq!(status, 200, "{answer}");
            answer["documents"][0]["documentId"].as_i64().unwrap()
        }
    };
    let passport = post(ada, 17, "passport.pdf", Some("front")).await;
    let bill = post(ada, 12, "bill.pdf", None).await;
    let other = post(bob, 17, "bob-passport.pdf", None).await;
    let found = |query: &str| {
        let (app, t) = (&app, &t);
        let query = query.to_string();
        async move {
            let (status, body) = app.rest(Method::GET, &format!("/v1/documents?{query}&sortOrder=ASC"), t, None).await;
            assert_eq!(status, 200, "{query}: {body}");
            body["documents"].as_array().unwrap().iter().map(|d| d["documentId"].as_i64().unwrap()).collect::<Vec<_>>()
        }
    };
    assert_eq!(found("pageCount=10").await, vec![passport, bill, other]);
    assert_eq!(found(&format!("documentId={bill}")).await, vec![bill]);
    assert_eq!(found("documentTag=front").await, vec![passport]);
    assert_eq!(found("documentTypeId=17").await, vec![passport, other]);
    assert_eq!(found("documentType=Passport").await, vec![passport, other]);
    assert_eq!(found(&format!("userId={ada}")).await, vec![passport, bill]);
    assert_eq!(found("userEmail=BOB@example.com").await, vec![other]);
    assert_eq!(found("fileName=bill.pdf").await, vec![bill]);
    assert_eq!(found("documentStatus=PENDING").await, vec![passport, bill, other]);
    assert_eq!(found("documentStatus=VALIDATED").await, Vec::<i64>::new());
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(found(&format!("createdDateFrom={today}&createdDateTo={today}")).await.len(), 3);
    assert_eq!(found("createdDateFrom=2999-01-01").await, Vec::<i64>::new());
    assert_eq!(found(&format!("userId={ada}&updatedDateFrom={today} 00:00:00")).await, vec![passport, bill]);
    assert_eq!(found("pageCount=2&pageNumber=2").await, vec![other]);
    assert_eq!(found("accessTag=anything").await.len(), 3, "accessTag filters nothing");
    for (query, field) in [
        ("documentStatus=DONE", "documentStatus"),
        ("documentType=Unicorn", "documentType"),
        ("documentTypeId=x", "documentTypeId"),
        ("createdDateFrom=yesterday", "createdDateFrom"),
        ("sortBy=name", "sortBy"),
        ("sortOrder=UP", "sortOrder"),
    ] {
        let (status, body) = app.rest(Method::GET, &format!("/v1/documents?{query}"), &t, None).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().starts_with(field), "{query}: {body}");
    }
}
