//! Card actions: create a virtual card, activate, lock / unlock / lost / stolen / destroyed
//! (final for good), limits and options; each refusal changes and records nothing; the
//! dashboard's doors per role; All Cards' filters, capped total and keyset paging.

use app::error::AppError;
use backend::{Actor, RequestMeta};
use reqwest::Method;
use serde_json::{Value, json};
use shared::Role;
use shared::Scope;
use shared::domain::{Card, CardStatus};
use shared::dto::{CardSearch, KeysetPage};

use crate::harness::{Flavor, TestApp, spawn_app};
use crate::spec::assert_matches_schema;

crate::on_both_databases!(
    a_virtual_card_lives_and_dies_by_the_rules,
    limits_and_options_are_checked_and_merged,
    operators_use_the_card_actions_per_role,
    two_racing_blocks_apply_once,
    all_cards_filters_pages_and_caps_its_total
);

/// A new user with an EUR wallet: (user id, wallet id).
async fn user_with_wallet(app: &TestApp, token: &str) -> (i64, i64) {
    let body = json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": format!("{}@example.com", uuid::Uuid::new_v4().simple())});
    let (status, res) = app.rest(Method::POST, "/v1/users", token, Some(body)).await;
    assert_eq!(status, 200, "{res}");
    let user = res["users"][0]["userId"].as_i64().unwrap();
    let wallet = app.backend.add_wallet(&Actor::System, &RequestMeta::local(), user, "EUR", 0).await.unwrap();
    (user, wallet)
}

async fn new_card(app: &TestApp, token: &str, user: i64, wallet: i64) -> Value {
    let body =
        json!({"userId": user, "walletId": wallet, "permsGroup": "TRZ-CU-016", "cardPrint": "v", "cardTag": "t"});
    let (status, res) = app.rest(Method::POST, "/v1/cards/CreateVirtual", token, Some(body)).await;
    assert_eq!(status, 200, "{res}");
    assert_matches_schema("CardObject", &res, false);
    res["cards"][0].clone()
}

fn message(body: &Value) -> String {
    body["errors"][0]["message"].as_str().unwrap_or_default().to_string()
}

async fn audit_rows(app: &TestApp) -> usize {
    app.audit_actions().await.len()
}

async fn a_virtual_card_lives_and_dies_by_the_rules(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let (user, wallet) = user_with_wallet(&app, &t).await;
    let (other, _) = user_with_wallet(&app, &t).await;

    // Creation: on the user's own wallet only, valid permsGroup.
    let post = |body: Value| app.rest(Method::POST, "/v1/cards/CreateVirtual", &t, Some(body));
    let (status, body) = post(json!({"userId": other, "walletId": wallet})).await;
    assert_eq!(status, 400, "another user's wallet: {body}");
    let (status, _) = post(json!({"userId": user, "walletId": wallet, "permsGroup": "TRZ-CU-099"})).await;
    assert_eq!(status, 400);
    let card = new_card(&app, &t, user, wallet).await;
    assert_eq!((card["isLive"].as_i64(), card["statusCode"].as_str()), (Some(0), Some("UNLOCK")));
    assert_eq!(card["publicToken"].as_str().unwrap().len(), 9);
    assert_eq!(card["currencyCode"], "EUR");
    assert_eq!(card["limitPaymentDay"], 2000, "Treezor's default limits");
    let id = card["cardId"].as_i64().unwrap();
    let path = |action: &str| format!("/v1/cards/{id}/{action}");
    let put = |action: &str, body: Option<Value>| {
        let (app, t, path) = (&app, &t, path(action));
        async move { app.rest(Method::PUT, &path, t, body).await }
    };

    // Activate once.
    let (status, body) = put("Activate", Some(json!({}))).await;
    assert_eq!((status.as_u16(), body["cards"][0]["isLive"].as_i64()), (200, Some(1)), "{body}");
    let (status, body) = put("Activate", None).await;
    assert_eq!(status, 409, "{body}");

    // Lock, unlock, then stolen: final.
    let lock = |code: i64| Some(json!({"lockStatus": code}));
    let (status, body) = put("LockUnlock", lock(1)).await;
    assert_eq!((status.as_u16(), body["cards"][0]["statusCode"].as_str()), (200, Some("LOCK")), "{body}");
    assert_eq!(put("LockUnlock", lock(1)).await.0, 409, "already locked");
    let (_, body) = put("LockUnlock", lock(0)).await;
    assert_eq!(body["cards"][0]["statusCode"], "UNLOCK");
    assert_eq!(put("LockUnlock", lock(5)).await.0, 409, "only the bank sets LOCK_INTERNAL");
    assert_eq!(put("LockUnlock", lock(9)).await.0, 400);
    assert_eq!(put("LockUnlock", Some(json!({}))).await.0, 400, "lockStatus is required");
    let (status, body) = put("LockUnlock", lock(3)).await;
    assert_eq!((status.as_u16(), body["cards"][0]["statusCode"].as_str()), (200, Some("STOLEN")));
    assert_matches_schema("CardObject", &body, false);

    let before = audit_rows(&app).await;
    let (_, snapshot) = app.rest(Method::GET, &format!("/v1/cards/{id}"), &t, None).await;
    for (action, body) in [
        ("LockUnlock", lock(0)),
        ("LockUnlock", lock(1)),
        ("LockUnlock", lock(4)),
        ("Activate", None),
        ("Limits", Some(json!({"limitPaymentDay": 10}))),
        ("Options", Some(json!({"atm": 0, "foreign": 0, "online": 0, "nfc": 0}))),
    ] {
        let (status, answer) = put(action, body).await;
        assert_eq!(status, 409, "{action} on a stolen card: {answer}");
        assert!(message(&answer).contains("never"), "the refusal says it is final: {answer}");
    }
    let (_, after) = app.rest(Method::GET, &format!("/v1/cards/{id}"), &t, None).await;
    assert_eq!(after, snapshot, "nothing changed");
    assert_eq!(audit_rows(&app).await, before, "no refusal is audited");
    let actions = app.audit_actions().await;
    for expected in ["card.created", "card.activated", "card.status_changed"] {
        assert!(actions.iter().any(|a| a == expected), "{expected}: {actions:?}");
    }
    let (status, _) = app.rest(Method::PUT, "/v1/cards/999999/Activate", &t, None).await;
    assert_eq!(status, 404);
}

async fn limits_and_options_are_checked_and_merged(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let (user, wallet) = user_with_wallet(&app, &t).await;
    let id = new_card(&app, &t, user, wallet).await["cardId"].as_i64().unwrap();
    let put = |action: &str, body: Value| {
        let (app, t, path) = (&app, &t, format!("/v1/cards/{id}/{action}"));
        async move { app.rest(Method::PUT, &path, t, Some(body)).await }
    };

    let (status, body) = put("Limits", json!({"limitPaymentDay": 300, "limitAtmWeek": 1700})).await;
    assert_eq!(status, 200, "{body}");
    let card = &body["cards"][0];
    assert_eq!((card["limitPaymentDay"].as_i64(), card["limitAtmWeek"].as_i64()), (Some(300), Some(1700)));
    assert_eq!(card["limitPaymentWeek"], 3000, "the others keep their value");
    for (bad, field) in [
        (json!({"limitPaymentDay": -1}), "limitPaymentDay"),
        (json!({"limitPaymentDay": 5000}), "limitPaymentDay"),
        (json!({"limitPaymentDay": 1.5}), "limitPaymentDay"),
        (json!({"limitPaymentDya": 10}), "limitPaymentDya"),
    ] {
        let (status, answer) = put("Limits", bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {answer}");
        assert!(message(&answer).starts_with(field), "{bad}: {answer}");
    }

    let (status, body) = put("Options", json!({"atm": 1, "foreign": 0, "online": 1, "nfc": 0})).await;
    assert_eq!(status, 200, "{body}");
    let card = &body["cards"][0];
    assert_eq!((card["optionForeign"].as_i64(), card["optionNfc"].as_i64()), (Some(0), Some(0)));
    assert_eq!(card["permsGroup"], "TRZ-CU-007", "1 + online 2 + ATM 4");
    assert_eq!(put("Options", json!({"atm": 1, "foreign": 0, "online": 1})).await.0, 400, "all four are required");
    assert_eq!(put("Options", json!({"atm": 2, "foreign": 0, "online": 1, "nfc": 0})).await.0, 400);
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"card.limits_updated".to_string()) && actions.contains(&"card.options_updated".to_string())
    );
}

async fn operators_use_the_card_actions_per_role(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let (user, wallet) = user_with_wallet(&app, &t).await;
    let card = new_card(&app, &t, user, wallet).await["cardId"].as_i64().unwrap();
    let second = new_card(&app, &t, user, wallet).await["cardId"].as_i64().unwrap();
    let (reader, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let (support, _) = app.logged_in("support@example.com", Role::Support).await;

    let refused: Result<Card, AppError> = app.call(&reader, "cards/activate", json!({"id": card})).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let refused: Result<Card, AppError> =
        app.call(&reader, "cards/status", json!({"id": card, "status": "Lost"})).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let live: Card = app.call(&support, "cards/activate", json!({"id": card})).await.unwrap();
    assert!(live.is_live);
    let locked: Card = app.call(&support, "cards/status", json!({"id": card, "status": "Lock"})).await.unwrap();
    assert_eq!(locked.status, CardStatus::Lock);
    let mut settings = locked.settings();
    settings.limits.payment_day = 250;
    settings.options.nfc = false;
    let saved: Card = app
        .call(&support, "cards/settings", json!({"id": card, "settings": settings, "seen": locked.modified_date}))
        .await
        .unwrap();
    assert_eq!((saved.limits.payment_day, saved.options.nfc), (250, false));
    // A dialog opened before that save would undo it: refused.
    let stale: Result<Card, AppError> = app
        .call(
            &support,
            "cards/settings",
            json!({"id": card, "settings": locked.settings(), "seen": locked.modified_date}),
        )
        .await;
    assert!(matches!(stale, Err(AppError::Conflict(_))), "{stale:?}");
    settings.limits.payment_day = 9000;
    let refused: Result<Card, AppError> =
        app.call(&support, "cards/settings", json!({"id": card, "settings": settings})).await;
    assert!(matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "limitPaymentDay"), "{refused:?}");

    // A canceled user's card can still be blocked, never unlocked or activated.
    app.backend
        .deactivate_user(&Actor::System, &RequestMeta::local(), user, backend::users::DeactivationOrigin::Operator)
        .await
        .unwrap();
    let refused: Result<Card, AppError> =
        app.call(&support, "cards/status", json!({"id": card, "status": "Unlock"})).await;
    assert!(matches!(refused, Err(AppError::Conflict(_))), "{refused:?}");
    let refused: Result<Card, AppError> = app.call(&support, "cards/activate", json!({"id": second})).await;
    assert!(matches!(refused, Err(AppError::Conflict(_))), "{refused:?}");
    let lost: Card = app.call(&support, "cards/status", json!({"id": second, "status": "Lost"})).await.unwrap();
    assert_eq!(lost.status, CardStatus::Lost);
    // The profile shows the change at once.
    let profile: shared::dto::UserProfile = app.call(&reader, "users/profile", json!({"id": user})).await.unwrap();
    assert_eq!(profile.cards.iter().find(|c| c.id == second).map(|c| c.status), Some(CardStatus::Lost));
}

async fn two_racing_blocks_apply_once(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let (user, wallet) = user_with_wallet(&app, &t).await;
    let id = new_card(&app, &t, user, wallet).await["cardId"].as_i64().unwrap();
    let path = format!("/v1/cards/{id}/LockUnlock");
    let stolen = || Some(json!({"lockStatus": 3}));
    let (a, b) = tokio::join!(app.rest(Method::PUT, &path, &t, stolen()), app.rest(Method::PUT, &path, &t, stolen()));
    let mut statuses = [a.0.as_u16(), b.0.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let changes = app.audit_actions().await.iter().filter(|a| *a == "card.status_changed").count();
    assert_eq!(changes, 1);
}

async fn all_cards_filters_pages_and_caps_its_total(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    // 2,100 users: 1,050 cards, more than the total's cap.
    app.backend.seed_demo(2100, |_| {}).await.unwrap();
    let (reader, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let search = |s: CardSearch| {
        let (app, reader) = (&app, &reader);
        async move {
            let page: KeysetPage<Card> = app.call(reader, "cards/search", json!({ "search": s })).await.unwrap();
            page
        }
    };
    let first = search(CardSearch { page_size: 20, ..CardSearch::default() }).await;
    assert_eq!(first.items.len(), 20);
    assert!(first.total.more && first.total.count == 1000, "capped: {:?}", first.total);
    assert!(first.newer.is_none() && first.older.is_some());
    let ids: Vec<i64> = first.items.iter().map(|c| c.id).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");

    // Cards created between two pages neither shift nor repeat the next page.
    let t = app.bearer(&Scope::ALL).await;
    let (user, wallet) = user_with_wallet(&app, &t).await;
    for _ in 0..3 {
        new_card(&app, &t, user, wallet).await;
    }
    let second = search(CardSearch { page_size: 20, at: first.older.clone().unwrap(), ..CardSearch::default() }).await;
    assert_eq!(second.items.first().map(|c| c.id), Some(ids[19] - 1), "continues right after the first page");
    let back = search(CardSearch { page_size: 20, at: second.newer.unwrap(), ..CardSearch::default() }).await;
    assert_eq!(back.items.iter().map(|c| c.id).collect::<Vec<_>>(), ids, "Previous gives the first page again");
    assert!(back.newer.is_some(), "and now knows of the newer cards");

    // Filters: status, user, last 4 digits, expiry months; the total is exact below the cap.
    let locked = search(CardSearch { status: Some(CardStatus::Lock), page_size: 100, ..CardSearch::default() }).await;
    assert!(!locked.items.is_empty() && locked.items.iter().all(|c| c.status == CardStatus::Lock));
    assert_eq!((locked.total.count, locked.total.more), (locked.items.len() as i64, false));
    let target = &first.items[3];
    let by_user = search(CardSearch { user_id: Some(target.user_id), page_size: 20, ..CardSearch::default() }).await;
    assert!(
        by_user.items.iter().all(|c| c.user_id == target.user_id) && by_user.items.iter().any(|c| c.id == target.id)
    );
    let last4 = target.masked_pan[target.masked_pan.len() - 4..].to_string();
    let by_digits = search(CardSearch { card: Some(last4.clone()), page_size: 100, ..CardSearch::default() }).await;
    assert!(by_digits.items.iter().any(|c| c.id == target.id));
    assert!(by_digits.items.iter().all(|c| c.masked_pan.ends_with(&last4)));
    let by_token =
        search(CardSearch { card: Some(target.public_token.clone()), page_size: 20, ..CardSearch::default() }).await;
    assert_eq!(by_token.items.iter().map(|c| c.id).collect::<Vec<_>>(), [target.id]);
    let month = target.expiry_date[..7].to_string();
    let expiring = CardSearch {
        expiry_from: Some(month.clone()),
        expiry_to: Some(month.clone()),
        page_size: 100,
        ..CardSearch::default()
    };
    let expiring = search(expiring).await;
    assert!(!expiring.items.is_empty() && expiring.items.iter().all(|c| c.expiry_date.starts_with(&month)));
    let bad: Result<KeysetPage<Card>, AppError> = app
        .call(
            &reader,
            "cards/search",
            json!({ "search": CardSearch { expiry_from: Some("2027-13".into()), ..CardSearch::default() } }),
        )
        .await;
    assert!(matches!(&bad, Err(AppError::Invalid { field, .. }) if field == "expiryFrom"), "{bad:?}");
}
