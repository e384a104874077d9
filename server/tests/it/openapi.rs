//! Our generated OpenAPI document tells the truth: every documented operation is routed, each
//! needs exactly its documented scope, and real answers match the documented schemas.

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::Scope;

use crate::harness::{Flavor, TestApp, browser, spawn_app};
use crate::spec::{assert_matches_schema_of, openapi_to_json_schema};

crate::on_both_databases!(documented_scopes_are_the_enforced_ones, answers_match_the_documented_schemas);

async fn fetch_document(app: &TestApp) -> Value {
    let res = browser().get(format!("{}/openapi.json", app.base_url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// (method, path, scope, example body) of every documented operation.
fn operations(doc: &Value) -> Vec<(Method, String, Option<Scope>, Option<Value>)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let scope = op["x-scope"].as_str().map(|s| Scope::parse(s).expect("a known scope"));
            let body = op["requestBody"]["content"]["application/json"]["example"].clone();
            found.push((
                method.to_uppercase().parse().unwrap(),
                path.clone(),
                scope,
                (!body.is_null()).then_some(body),
            ));
        }
    }
    found
}

/// A concrete URL for a documented path: ids that name nothing, the owner query most lists need.
fn concrete(path: &str) -> String {
    let mut url = String::new();
    for segment in path.split('/').skip(1) {
        url.push('/');
        url.push_str(if segment.starts_with('{') { "999999" } else { segment });
    }
    format!("{url}?userId=999999&origin=OPERATOR")
}

/// Where `exclusiveMinimum`/`exclusiveMaximum` are not OpenAPI 3.0's (a boolean beside its
/// `minimum`/`maximum`; a number there is 3.1's form, which 3.0 tools refuse).
fn exclusive_bounds_not_in_3_0_form(value: &Value, at: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    match value {
        Value::Object(map) => {
            for (key, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
                if map.get(key).is_some_and(|v| !v.is_boolean() || !map.contains_key(bound)) {
                    wrong.push(format!("{at}/{key}"));
                }
            }
            for (key, child) in map {
                wrong.extend(exclusive_bounds_not_in_3_0_form(child, &format!("{at}/{key}")));
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                wrong.extend(exclusive_bounds_not_in_3_0_form(child, &format!("{at}/{i}")));
            }
        }
        _ => {}
    }
    wrong
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_the_reference_is_readable() {
    let app = spawn_app(Flavor::Sqlite).await;
    let doc = fetch_document(&app).await;
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(exclusive_bounds_not_in_3_0_form(&doc, "#"), Vec::<String>::new());
    let ops = operations(&doc);
    assert!(ops.len() >= 24, "only {} operations documented", ops.len());
    for (method, path, scope, _) in &ops {
        let res =
            browser().request(method.clone(), format!("{}{}", app.base_url, concrete(path))).send().await.unwrap();
        let expected = if scope.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
        assert_eq!(res.status(), expected, "{method} {path} without a token");
    }
    // The user schemas come from the field table.
    let user = &doc["components"]["schemas"]["User"]["properties"];
    for field in shared::user_fields::FIELDS {
        assert!(user.get(field.name).is_some(), "User lacks {}", field.name);
    }
    assert!(
        doc["components"]["schemas"]["UserUpdate"]["properties"].get("parentType").is_none(),
        "parentType cannot be changed, so the update schema does not offer it"
    );

    let res = browser().get(format!("{}/api-reference", app.base_url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = res.text().await.unwrap();
    for (_, path, _, _) in &ops {
        assert!(html.contains(&format!("<code>{path}</code>")), "the reference misses {path}");
    }
    assert!(!html.contains("<script"), "the reference needs no script");
    let css = browser().get(format!("{}/api-reference.css", app.base_url)).send().await.unwrap();
    assert_eq!(
        (css.status().as_u16(), css.headers()["content-type"].to_str().unwrap()),
        (200, "text/css; charset=utf-8")
    );
}

async fn documented_scopes_are_the_enforced_ones(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let doc = fetch_document(&app).await;
    for (method, path, scope, body) in operations(&doc) {
        let Some(scope) = scope else { continue };
        let others: Vec<Scope> = Scope::ALL.into_iter().filter(|s| *s != scope).collect();
        let without = app.bearer(&others).await;
        let (status, answer) = app.rest(method.clone(), &concrete(&path), &without, body.clone()).await;
        assert_eq!(status, 403, "{method} {path} with every scope but {}: {answer}", scope.as_str());
        let only = app.bearer(&[scope]).await;
        let (status, answer) = app.rest(method.clone(), &concrete(&path), &only, body).await;
        // The one 403 the endpoint's scope alone may meet: granting more than the token holds.
        let granting_more = answer["errors"][0]["message"] == backend::auth::GRANT_REFUSAL;
        assert!(
            (status != 403 || granting_more) && status != 401,
            "{method} {path} with {} alone: {status} {answer}",
            scope.as_str()
        );
    }
}

async fn answers_match_the_documented_schemas(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let mut doc = fetch_document(&app).await;
    openapi_to_json_schema(&mut doc);
    let check = |name: &str, value: &Value| assert_matches_schema_of(&doc, name, value, false);
    app.backend.seed_demo(20, |_| {}).await.unwrap();
    let t = app.bearer(&Scope::ALL).await;
    let call = |method: Method, path: String, body: Option<Value>| {
        let (app, t) = (&app, &t);
        async move {
            let (status, answer) = app.rest(method, &path, t, body).await;
            assert_eq!(status, 200, "{path}: {answer}");
            answer
        }
    };

    let grant = app.grant(&[Scope::ReadOnly]).await;
    check("TokenGrant", &grant);
    let created = call(
        Method::POST,
        "/v1/users".into(),
        Some(json!({
            "userTypeId": 1, "specifiedUSPerson": 1, "email": "schema@example.com", "firstname": "Grace",
            "lastname": "Hopper", "birthday": "1906-12-09", "country": "US", "timezone": "America/New_York",
        })),
    )
    .await;
    check("Users", &created);
    let id = created["users"][0]["userId"].as_i64().unwrap();
    check("Users", &call(Method::GET, format!("/v1/users/{id}"), None).await);
    check("Users", &call(Method::PUT, format!("/v1/users/{id}"), Some(json!({"phone": "+12025550123"}))).await);
    check("Users", &call(Method::GET, "/v1/users?userTypeId=1&pageCount=5".into(), None).await);
    let residence = call(
        Method::POST,
        "/v1/taxResidences".into(),
        Some(json!({"userId": id, "country": "US", "taxPayerId": "123-45-6789", "liabilityWaiver": false})),
    )
    .await;
    check("TaxResidences", &residence);
    check("TaxResidences", &call(Method::GET, format!("/v1/taxResidences?userId={id}"), None).await);
    // Documents: an upload, its pre-review, the links; then the user can go to review.
    let pdf = base64::engine::general_purpose::STANDARD.encode(crate::documents::pdf("passport"));
    let uploaded = call(
        Method::POST,
        "/v1/documents".into(),
        Some(json!({"userId": id, "documentTypeId": 17, "name": "passport.pdf", "fileContentBase64": pdf, "documentTag": "t"})),
    )
    .await;
    check("Documents", &uploaded);
    let doc_id = uploaded["documents"][0]["documentId"].as_i64().unwrap();
    check("Documents", &call(Method::GET, format!("/v1/documents?userId={id}"), None).await);
    check("Documents", &call(Method::GET, format!("/v1/documents/{doc_id}"), None).await);
    check("Documents", &call(Method::PUT, format!("/v1/documents/{doc_id}"), Some(json!({"name": "p.pdf"}))).await);
    check("DocumentDownload", &call(Method::GET, format!("/v1/documents/{doc_id}/download"), None).await);
    let listed = call(Method::GET, format!("/core-connect/users/{id}/kyc/document"), None).await;
    check("PreReviewDocuments", &listed);
    let uuid = listed[0]["documentId"].as_str().unwrap().to_string();
    check("PreReviewDocuments", &call(Method::GET, "/core-connect/kyc/documents/need-review".into(), None).await);
    check("DocumentPreview", &call(Method::GET, format!("/core-connect/kyc/documents/{uuid}/preview"), None).await);
    let form =
        call(Method::POST, format!("/core-connect/users/{id}/kyc/document"), Some(json!({"documentType": 9}))).await;
    check("UploadForm", &form);
    check(
        "PreReviewDocument",
        &call(
            Method::PUT,
            format!("/core-connect/kyc/documents/{uuid}/status"),
            Some(json!({"status": 1, "comment": "ok"})),
        )
        .await,
    );
    check("Users", &call(Method::PUT, format!("/v1/users/{id}/Kycreview"), None).await);
    let other = call(
        Method::POST,
        "/v1/documents".into(),
        Some(json!({"userId": id, "documentTypeId": 12, "name": "bill.pdf", "fileContentBase64": pdf})),
    )
    .await;
    let other_uuid = call(Method::GET, format!("/core-connect/users/{id}/kyc/document"), None).await[0]["documentId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(other_uuid, uuid, "newest first");
    check("PreReviewDocument", &call(Method::DELETE, format!("/core-connect/kyc/documents/{other_uuid}"), None).await);
    let _ = other;
    check("Users", &call(Method::PUT, format!("/v1/users/{id}/FreezeAssets"), Some(json!({"isFrozen": 1}))).await);
    // User 10 of the demo data has a wallet, a card and beneficiaries.
    let wallets = call(Method::GET, "/v1/wallets?userId=10".into(), None).await;
    check("Wallets", &wallets);
    check("Cards", &call(Method::GET, "/v1/cards?userId=10".into(), None).await);
    let wallet = wallets["wallets"][0]["walletId"].as_i64().unwrap();
    let virtual_card = json!({"userId": 10, "walletId": wallet, "permsGroup": "TRZ-CU-016", "cardTag": "v"});
    let created_card = call(Method::POST, "/v1/cards/CreateVirtual".into(), Some(virtual_card)).await;
    check("Cards", &created_card);
    let card = created_card["cards"][0]["cardId"].as_i64().unwrap();
    check("Cards", &call(Method::PUT, format!("/v1/cards/{card}/Activate"), None).await);
    check("Cards", &call(Method::PUT, format!("/v1/cards/{card}/Limits"), Some(json!({"limitAtmDay": 100}))).await);
    let options = json!({"atm": 0, "foreign": 1, "online": 1, "nfc": 1});
    check("Cards", &call(Method::PUT, format!("/v1/cards/{card}/Options"), Some(options)).await);
    check("Cards", &call(Method::PUT, format!("/v1/cards/{card}/LockUnlock"), Some(json!({"lockStatus": 2}))).await);
    let demo_card = call(Method::GET, "/v1/cards?userId=10".into(), None).await["cards"][0]["cardId"].as_i64().unwrap();
    check("CardTransactions", &call(Method::GET, format!("/v1/cardtransactions?cardId={demo_card}"), None).await);
    check("CoreCardTransactions", &call(Method::GET, "/core-connect/cardtransactions?pageCount=2".into(), None).await);
    check(
        "CoreCardTransactions",
        &call(Method::GET, format!("/core-connect/cardtransactions/{demo_card}"), None).await,
    );
    check("Beneficiaries", &call(Method::GET, "/v1/beneficiaries?userId=10".into(), None).await);
    // SCA devices: user 7 of the demo data has a phone and a web device, user 4 a deleted one.
    let sca = "/core-connect/sca/scawallets";
    check("ScaWallets", &call(Method::GET, format!("{sca}?userId=7"), None).await);
    check("ScaWallets", &call(Method::GET, format!("{sca}?userId=4&includeDeleted=true"), None).await);
    let phone = json!({"userId": id.to_string(), "scaWalletTag": "t", "mobileWallet": {"os": "iOS", "brand": "Apple", "productModel": "X"}});
    let enrolled = call(Method::POST, sca.into(), Some(phone)).await;
    check("ScaWallets", &enrolled);
    let device = enrolled["scaWallets"][0]["id"].as_str().unwrap().to_string();
    let lock = json!({"lockReason": "LOST_DEVICE", "lockMessage": "m"});
    check("ScaWallets", &call(Method::PUT, format!("{sca}/{device}/lock"), Some(lock)).await);
    check("ScaWallets", &call(Method::PUT, format!("{sca}/{device}/unlock"), None).await);
    check("ScaWallets", &call(Method::PUT, format!("{sca}/{device}/resetPin"), None).await);
    check("ScaWallets", &call(Method::GET, format!("{sca}/{device}"), None).await);
    check("ScaWallets", &call(Method::DELETE, format!("{sca}/{device}"), None).await);
    check("Users", &call(Method::DELETE, format!("/v1/users/{id}?origin=OPERATOR"), None).await);
    let supports = call(Method::GET, "/core-connect/support-user".into(), None).await;
    assert_matches_schema_of(&doc, "SupportUsers", &supports, false);
    let (status, refusal) = app.rest(Method::GET, "/v1/users/abc", &t, None).await;
    assert_eq!(status, 400);
    check("Error", &refusal);

    // And a schema that is strict enough to fail: an unknown field is refused.
    let mut extra = created.clone();
    extra["users"][0]["surprise"] = json!(1);
    let caught = std::panic::catch_unwind(|| check("Users", &extra));
    assert!(caught.is_err(), "additional properties are refused by the documented schema");
}
