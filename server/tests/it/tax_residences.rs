//! `/v1/taxResidences`: the TIN and waiver rules, one live residence per country, soft
//! delete, scopes, audit and the contract's shape.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::Scope;

use crate::harness::{Flavor, TestApp, spawn_app};
use crate::spec::assert_matches_schema;

crate::on_both_databases!(tax_residences_follow_the_tin_rules);

async fn user(app: &TestApp, token: &str, extra: Value) -> i64 {
    let mut body = json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": format!("{}@example.com", uuid::Uuid::new_v4().simple())});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, res) = app.rest(Method::POST, "/v1/users", token, Some(body)).await;
    assert_eq!(status, 200, "{res}");
    res["users"][0]["userId"].as_i64().unwrap()
}

fn field(body: &Value) -> String {
    body["errors"][0]["message"].as_str().unwrap_or_default().split(':').next().unwrap().to_string()
}

async fn tax_residences_follow_the_tin_rules(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let read_only = app.bearer(&[Scope::ReadOnly]).await;
    let ada = user(&app, &t, json!({})).await;
    let post = |body: Value| app.rest(Method::POST, "/v1/taxResidences", &t, Some(body));

    // US without TIN is refused; with a TIN it is saved.
    let (status, body) = post(json!({"userId": ada, "country": "US", "taxPayerId": "", "liabilityWaiver": true})).await;
    assert_eq!((status, field(&body)), (StatusCode::BAD_REQUEST, "taxPayerId".into()), "{body}");
    let (status, body) =
        post(json!({"userId": ada, "country": "US", "taxPayerId": "123-45-6789", "liabilityWaiver": false})).await;
    assert_eq!(status, 200, "{body}");
    assert_matches_schema("TaxResidenceObject", &body, false);
    let us = body["taxResidences"][0]["id"].as_i64().unwrap();
    assert_eq!(body["taxResidences"][0]["taxPayerId"], "123-45-6789");

    // France without TIN needs the waiver; the waiver with a TIN is refused.
    let (status, body) = post(json!({"userId": ada, "country": "FR", "liabilityWaiver": false})).await;
    assert_eq!((status, field(&body)), (StatusCode::BAD_REQUEST, "liabilityWaiver".into()));
    let (status, _) = post(json!({"userId": ada, "country": "FR", "liabilityWaiver": true})).await;
    assert_eq!(status, 200);
    let (status, _) = post(json!({"userId": ada, "country": "FR", "liabilityWaiver": true})).await;
    assert_eq!(status, 409, "one live residence per country");

    // Cleaned the same way at every door: "  us " is the US (and so needs a TIN, here given).
    let bob = user(&app, &t, json!({})).await;
    let (status, body) =
        post(json!({"userId": bob, "country": "  us ", "taxPayerId": " 987-65-4321 ", "liabilityWaiver": false})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["taxResidences"][0]["country"].as_str(), body["taxResidences"][0]["taxPayerId"].as_str()),
        (Some("US"), Some("987-65-4321"))
    );
    let (status, body) = post(json!({"userId": bob, "country": "us", "liabilityWaiver": true})).await;
    assert_eq!(
        (status, field(&body)),
        (StatusCode::BAD_REQUEST, "taxPayerId".into()),
        "lower case is the US too: {body}"
    );

    // Distribution country IT: a TIN everywhere.
    let italian = user(&app, &t, json!({"distributionCountry": "IT"})).await;
    let (status, body) = post(json!({"userId": italian, "country": "DE", "liabilityWaiver": true})).await;
    assert_eq!((status, field(&body)), (StatusCode::BAD_REQUEST, "taxPayerId".into()));
    // Bad input.
    for (bad, name) in [
        (json!({"userId": ada, "country": "Deutschland", "liabilityWaiver": true}), "country"),
        (json!({"userId": 999999, "country": "DE", "liabilityWaiver": true}), "userId"),
        (json!({"country": "DE", "liabilityWaiver": true}), "userId"),
        (json!({"userId": ada, "country": "DE", "liabilityWaiver": "yes"}), "Invalid JSON body"),
    ] {
        let (status, body) = post(bad.clone()).await;
        assert_eq!((status, field(&body)), (StatusCode::BAD_REQUEST, name.to_string()), "{bad}");
    }

    // Update: dropping the TIN of the US residence is refused; changing it works.
    let path = format!("/v1/taxResidences/{us}");
    let (status, body) =
        app.rest(Method::PUT, &path, &t, Some(json!({"taxPayerId": "", "liabilityWaiver": true}))).await;
    assert_eq!((status, field(&body)), (StatusCode::BAD_REQUEST, "taxPayerId".into()));
    let (status, body) = app.rest(Method::PUT, &path, &t, Some(json!({"taxPayerId": "987-65-4321"}))).await;
    assert_eq!((status, &body["taxResidences"][0]["taxPayerId"]), (StatusCode::OK, &json!("987-65-4321")));

    // Read with read_only; writing needs read_write.
    let (status, body) = app.rest(Method::GET, &format!("/v1/taxResidences?userId={ada}"), &read_only, None).await;
    assert_eq!((status, body["taxResidences"].as_array().unwrap().len()), (StatusCode::OK, 2));
    let (status, _) = app.rest(Method::DELETE, &path, &read_only, None).await;
    assert_eq!(status, 403);

    // Soft delete: flagged, still listed, a new one for that country is then allowed.
    let (status, body) = app.rest(Method::DELETE, &path, &t, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["taxResidences"][0]["isDeleted"], true);
    assert!(!body["taxResidences"][0]["deletedDate"].as_str().unwrap().is_empty());
    let (_, body) = app.rest(Method::GET, &format!("/v1/taxResidences?userId={ada}"), &t, None).await;
    assert_eq!(body["taxResidences"].as_array().unwrap().len(), 2);
    let (status, _) = app.rest(Method::DELETE, &path, &t, None).await;
    assert_eq!(status, 409);
    let (status, _) =
        post(json!({"userId": ada, "country": "US", "taxPayerId": "111-22-3333", "liabilityWaiver": false})).await;
    assert_eq!(status, 200);

    let audit = app.audit_actions().await;
    for action in ["tax_residence.created", "tax_residence.updated", "tax_residence.deleted"] {
        assert!(audit.iter().any(|a| a == action), "{action}");
    }
}
