//! Our generated OpenAPI document tells the truth: every documented operation is routed, each
//! needs exactly its documented scope, and real answers match the documented schemas.

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

#[tokio::test]
async fn every_documented_operation_is_routed_and_the_reference_is_readable() {
    let app = spawn_app(Flavor::Sqlite).await;
    let doc = fetch_document(&app).await;
    assert_eq!(doc["openapi"], "3.0.3");
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
        assert!(status != 403 && status != 401, "{method} {path} with {} alone: {status} {answer}", scope.as_str());
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
    check("Users", &call(Method::PUT, format!("/v1/users/{id}/Kycreview"), None).await);
    check("Users", &call(Method::PUT, format!("/v1/users/{id}/FreezeAssets"), Some(json!({"isFrozen": 1}))).await);
    // User 10 of the demo data has a wallet, a card and beneficiaries.
    check("Wallets", &call(Method::GET, "/v1/wallets?userId=10".into(), None).await);
    check("Cards", &call(Method::GET, "/v1/cards?userId=10".into(), None).await);
    check("Beneficiaries", &call(Method::GET, "/v1/beneficiaries?userId=10".into(), None).await);
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
