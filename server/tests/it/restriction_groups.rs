//! Country and MCC restriction groups: who manages them per door, their rules, cancellation
//! kept, and applying them to a card (`PUT /v1/cards/{id}`, the dashboard's settings).

use app::error::AppError;
use reqwest::Method;
use serde_json::{Value, json};
use shared::Role;
use shared::Scope;
use shared::cards::{RestrictionGroup, RestrictionKind};

use crate::harness::{Flavor, spawn_app};
use crate::spec::assert_matches_schema;

crate::on_both_databases!(restriction_groups_are_managed_and_applied);

fn message(body: &Value) -> String {
    body["errors"][0]["message"].as_str().unwrap_or_default().to_string()
}

async fn restriction_groups_are_managed_and_applied(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(12, |_| {}).await.unwrap();
    let t = app.bearer(&[Scope::ReadOnly, Scope::ReadWrite]).await;
    let countries = "/v1/countryRestrictionGroups";

    let (status, body) =
        app.rest(Method::POST, countries, &t, Some(json!({"name": " EU ", "countries": ["fr", "DE", "FR"]}))).await;
    assert_eq!(status, 200, "{body}");
    assert_matches_schema("postCountryRestrictionGroup_200_response", &body, false);
    let group = &body["countryRestrictionGroups"][0];
    assert_eq!((group["name"].as_str(), group["countries"].clone()), (Some("EU"), json!(["250", "276"])));
    assert_eq!((group["status"].as_str(), group["isWhitelist"].as_bool()), (Some("VALIDATED"), Some(true)));
    let eu = group["id"].as_i64().unwrap();
    for (bad, field) in [
        (json!({"name": "x", "countries": ["XX"]}), "countries"),
        (json!({"name": "x", "countries": []}), "countries"),
        (json!({"name": "", "countries": ["FR"]}), "name"),
        (json!({"name": "x", "mcc": [5411]}), "mcc"),
    ] {
        let (status, answer) = app.rest(Method::POST, countries, &t, Some(bad.clone())).await;
        assert_eq!(status, 400, "{bad}: {answer}");
        assert!(message(&answer).starts_with(field), "{bad}: {answer}");
    }
    let (status, body) = app
        .rest(
            Method::POST,
            "/v1/mccRestrictionGroups",
            &t,
            Some(json!({"name": "No gambling", "isWhitelist": false, "mcc": [7995]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mccRestrictionGroups"][0]["mcc"], json!([7995]));
    let gambling = body["mccRestrictionGroups"][0]["id"].as_i64().unwrap();
    let (_, list) = app.rest(Method::GET, "/v1/mccRestrictionGroups", &t, None).await;
    assert_matches_schema("getMccRestrictionGroups_200_response", &list, false);
    let (status, _) = app.rest(Method::GET, &format!("{countries}/{gambling}"), &t, None).await;
    assert_eq!(status, 404, "an MCC group is not a country group");

    // Operators need admin, whatever the door.
    let (support, _) = app.logged_in("support@example.com", Role::Support).await;
    let (admin, _) = app.logged_in("admin@example.com", Role::Administrator).await;
    let save = json!({"kind": "Country", "id": null, "name": "Nordics", "is_whitelist": true, "items": ["SE", "NO"]});
    let refused: Result<RestrictionGroup, AppError> = app.call(&support, "groups/save", save.clone()).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let nordics: RestrictionGroup = app.call(&admin, "groups/save", save).await.unwrap();
    assert_eq!(
        (nordics.kind, nordics.items.clone()),
        (RestrictionKind::Country, vec!["578".to_string(), "752".into()])
    );
    assert_eq!(nordics.display_items(), "NO, SE");

    // Applied to a card: the kind must match and the group must be live.
    let (_, cards) = app.rest(Method::GET, "/v1/cards?userId=10", &t, None).await;
    let card = cards["cards"][0]["cardId"].as_i64().unwrap();
    let card_path = format!("/v1/cards/{card}");
    let put_card = |body: Value| app.rest(Method::PUT, &card_path, &t, Some(body));
    let (status, body) =
        put_card(json!({"countryRestrictionGroupId": eu, "mccRestrictionGroupId": gambling, "cardTag": "travel"}))
            .await;
    assert_eq!(status, 200, "{body}");
    assert_matches_schema("CardObject", &body, false);
    let c = &body["cards"][0];
    assert_eq!(
        (c["countryRestrictionGroupId"].as_i64(), c["mccRestrictionGroupId"].as_i64()),
        (Some(eu), Some(gambling))
    );
    assert_eq!(c["cardTag"], "travel");
    let (status, body) = put_card(json!({"countryRestrictionGroupId": gambling})).await;
    assert_eq!(status, 400, "an MCC group as the country group: {body}");
    let (status, body) = put_card(json!({"mccRestrictionGroupId": null})).await;
    assert_eq!(status, 200);
    assert!(body["cards"][0]["mccRestrictionGroupId"].is_null(), "null removes it; the rest stays: {body}");
    assert_eq!(body["cards"][0]["countryRestrictionGroupId"], eu);
    assert_eq!(put_card(json!({"surprise": 1})).await.0, 400);
    assert_eq!(put_card(json!({"merchantRestrictionGroupId": 3})).await.0, 400, "not offered: refused, not dropped");

    // A group can be given at creation too, and is checked there.
    let wallet = cards["cards"][0]["walletId"].as_i64().unwrap();
    let create = |extra: Value| {
        let mut body = json!({"userId": 10, "walletId": wallet, "permsGroup": "TRZ-CU-016"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        app.rest(Method::POST, "/v1/cards/CreateVirtual", &t, Some(body))
    };
    let (status, body) = create(json!({"countryRestrictionGroupId": eu})).await;
    assert_eq!((status.as_u16(), body["cards"][0]["countryRestrictionGroupId"].as_i64()), (200, Some(eu)), "{body}");
    assert_eq!(create(json!({"mccRestrictionGroupId": eu})).await.0, 400, "a country group as the MCC group");
    assert_eq!(create(json!({"pin": "1234"})).await.0, 400, "a PIN would be dropped: refused");

    // Canceled: kept, listed, no longer applicable, canceled once.
    let (status, body) = app.rest(Method::DELETE, &format!("{countries}/{}", nordics.id), &t, None).await;
    assert_eq!((status.as_u16(), body["countryRestrictionGroups"][0]["status"].as_str()), (200, Some("CANCELED")));
    assert_eq!(app.rest(Method::DELETE, &format!("{countries}/{}", nordics.id), &t, None).await.0, 409);
    let (status, body) = put_card(json!({"countryRestrictionGroupId": nordics.id})).await;
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).contains("canceled"), "{body}");
    let (_, list) = app.rest(Method::GET, countries, &t, None).await;
    assert_eq!(list["countryRestrictionGroups"].as_array().unwrap().len(), 2, "the canceled group is still listed");
    let actions = app.audit_actions().await;
    for expected in ["restriction_group.created", "restriction_group.canceled", "card.updated"] {
        assert!(actions.iter().any(|a| a == expected), "{expected}: {actions:?}");
    }
}
