//! The server functions behind the dashboard's end-user views: the toolbar lookup, All
//! Users, profiles, and the actions with their scopes (refused on the server, whatever the
//! browser shows).

use app::error::AppError;
use serde_json::{Value, json};
use shared::Role;
use shared::domain::{EndUser, Refusal, TaxResidence};
use shared::dto::{Keyset, KeysetPage, Total, UserList, UserProfile};
use shared::user_states::{KycReview, UserStatus, UserType};

use crate::harness::{Flavor, TestApp, spawn_app};

crate::on_both_databases!(
    the_toolbar_finds_users_by_each_field,
    all_users_filters_sorts_and_pages,
    a_profile_holds_every_tab,
    read_only_operators_are_refused_every_action,
    tax_residences_are_saved_by_the_shared_rules,
    deactivation_and_kyc_review_from_the_dashboard,
    a_canceled_user_refuses_every_change_from_the_dashboard,
    money_shows_each_currency_with_its_own_exponent,
);

async fn seeded(flavor: Flavor) -> TestApp {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(60, |_| {}).await.unwrap();
    app
}

async fn sql_i64(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.backend.db.pool).await.unwrap()
}

async fn lookup(app: &TestApp, b: &reqwest::Client, fields: Value) -> Result<UserList, AppError> {
    let mut lookup = json!({"user_id": "", "user_tag": "", "email": "", "name": "", "card": "", "wallet": ""});
    for (k, v) in fields.as_object().unwrap() {
        lookup[k] = v.clone();
    }
    app.call(b, "users/lookup", json!({ "lookup": lookup })).await
}

fn ids(list: &UserList) -> Vec<i64> {
    list.users.iter().map(|u| u.id).collect()
}

async fn the_toolbar_finds_users_by_each_field(flavor: Flavor) {
    let app = seeded(flavor).await;
    let (b, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let user: EndUser = app.call::<UserProfile>(&b, "users/profile", json!({"id": 12})).await.unwrap().user;

    assert_eq!(ids(&lookup(&app, &b, json!({"user_id": "12"})).await.unwrap()), [12]);
    let email = user.email.to_uppercase();
    assert_eq!(ids(&lookup(&app, &b, json!({"email": email})).await.unwrap()), [12], "email ignores case");
    let tag = user.text("userTag");
    assert!(ids(&lookup(&app, &b, json!({"user_tag": tag})).await.unwrap()).contains(&12));
    let name = lookup(&app, &b, json!({"name": "lovel"})).await.unwrap();
    assert!(
        !name.users.is_empty()
            && name.users.iter().all(|u| u.lastname.as_deref() == Some("Lovelace") || u.email.contains("lovel"))
    );

    // Card (by id or public token) and wallet name their owner.
    let card: (i64, i64, String) = sqlx::query_as("SELECT id, user_id, public_token FROM cards ORDER BY id LIMIT 1")
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
    assert_eq!(ids(&lookup(&app, &b, json!({"card": card.0.to_string()})).await.unwrap()), [card.1]);
    assert_eq!(ids(&lookup(&app, &b, json!({"card": card.2})).await.unwrap()), [card.1]);
    // A generated public token is 9 digits: no card has that id, so it is found as a token.
    sqlx::query("UPDATE cards SET public_token = '482913576' WHERE id = $1")
        .bind(card.0)
        .execute(&app.backend.db.pool)
        .await
        .unwrap();
    assert_eq!(ids(&lookup(&app, &b, json!({"card": "482913576"})).await.unwrap()), [card.1]);
    assert!(lookup(&app, &b, json!({"card": "482913577"})).await.unwrap().users.is_empty());
    let wallet: (i64, i64) = sqlx::query_as("SELECT id, user_id FROM wallets WHERE user_id = 30")
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
    assert_eq!(ids(&lookup(&app, &b, json!({"wallet": wallet.0.to_string()})).await.unwrap()), [30]);

    // Every filled field must match; unknown ids find nobody; bad input names the field.
    assert!(lookup(&app, &b, json!({"wallet": wallet.0.to_string(), "user_id": "12"})).await.unwrap().users.is_empty());
    assert!(lookup(&app, &b, json!({"card": "no-such-token"})).await.unwrap().users.is_empty());
    assert!(lookup(&app, &b, json!({"user_id": "999999"})).await.unwrap().users.is_empty());
    assert!(matches!(lookup(&app, &b, json!({})).await, Err(AppError::Invalid { .. })));
    assert!(
        matches!(lookup(&app, &b, json!({"wallet": "abc"})).await, Err(AppError::Invalid { field, .. }) if field == "wallet")
    );
    assert!(
        matches!(lookup(&app, &b, json!({"name": "ab"})).await, Err(AppError::Invalid { field, .. }) if field == "name")
    );
}

async fn all_users_filters_sorts_and_pages(flavor: Flavor) {
    let app = seeded(flavor).await;
    let (b, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let search = |params: Vec<(&str, &str)>| {
        let params: Vec<(String, String)> = params.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        let (app, b) = (&app, &b);
        async move { app.call::<KeysetPage<EndUser>>(b, "users/search", json!({ "params": params })).await }
    };
    let page_ids = |page: &KeysetPage<EndUser>| page.items.iter().map(|u| u.id).collect::<Vec<_>>();
    let businesses = search(vec![("userTypeId", "2"), ("pageCount", "100")]).await.unwrap();
    let expected = sql_i64(&app, "SELECT COUNT(*) FROM end_users WHERE user_type_id = 2").await;
    assert_eq!(businesses.total, Total { count: expected, more: false });
    assert!(businesses.items.iter().all(|u| u.user_type == UserType::Business));

    let canceled = search(vec![("userStatus", "CANCELED")]).await.unwrap();
    assert!(canceled.total.count > 0 && canceled.items.iter().all(|u| u.status == UserStatus::Canceled));

    // Next is the cursor of the page's last row; the URL carries it as `before`.
    let ascending = search(vec![("sortBy", "userId"), ("sortOrder", "ASC"), ("pageCount", "10")]).await.unwrap();
    assert_eq!(page_ids(&ascending), (1..=10).collect::<Vec<_>>());
    assert_eq!(ascending.total, Total { count: 60, more: false });
    let Some(Keyset::Before(next)) = ascending.older.clone() else { panic!("a next page: {:?}", ascending.older) };
    let second =
        search(vec![("sortBy", "userId"), ("sortOrder", "ASC"), ("pageCount", "10"), ("before", &next.to_param())])
            .await
            .unwrap();
    assert_eq!(page_ids(&second), (11..=20).collect::<Vec<_>>());
    let descending = search(vec![("sortBy", "userId"), ("sortOrder", "DESC"), ("pageCount", "5")]).await.unwrap();
    assert_eq!(page_ids(&descending), [60, 59, 58, 57, 56]);

    let far_future = search(vec![("createdDateFrom", "2999-01-01")]).await.unwrap();
    assert_eq!((far_future.total, far_future.items.len()), (Total::default(), 0));
    let refused = search(vec![("userStatus", "GONE")]).await;
    assert!(matches!(refused, Err(AppError::Invalid { field, .. }) if field == "userStatus"));
}

async fn a_profile_holds_every_tab(flavor: Flavor) {
    let app = seeded(flavor).await;
    let (b, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    // User 10 has a wallet, a card and beneficiaries; user 39 has user 40 as employee.
    let p: UserProfile = app.call(&b, "users/profile", json!({"id": 10})).await.unwrap();
    assert_eq!(p.user.id, 10);
    assert_eq!(p.wallets.len(), 1);
    assert_eq!(p.cards.len(), 1);
    assert!(!p.beneficiaries.is_empty());
    let parent: UserProfile = app.call(&b, "users/profile", json!({"id": 39})).await.unwrap();
    assert_eq!(parent.children.len(), 1);
    assert_eq!((parent.children[0].user_id, parent.children[0].parent_type.as_deref()), (40, Some("employee")));
    let physical = sql_i64(&app, "SELECT MIN(id) FROM end_users WHERE user_type_id = 1 AND country IS NOT NULL").await;
    let p: UserProfile = app.call(&b, "users/profile", json!({"id": physical})).await.unwrap();
    assert_eq!(p.tax_residences.len(), 1, "seeded physical users have a tax residence");
    let missing = app.call::<UserProfile>(&b, "users/profile", json!({"id": 999999})).await;
    assert_eq!(missing, Err(AppError::NotFound));
}

async fn read_only_operators_are_refused_every_action(flavor: Flavor) {
    let app = seeded(flavor).await;
    let (ro, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let (support, _) = app.logged_in("support@example.com", Role::Support).await;
    let before = app.audit_actions().await.len();
    let forbidden = |r: Result<Value, AppError>| matches!(r, Err(AppError::Forbidden(_)));
    let new_user = json!({"input": {"userTypeId": 1, "specifiedUSPerson": 0, "email": "new@example.com"}});
    let drafts = json!({"user_id": 10, "kept": []});
    for (endpoint, args) in [
        ("users/update", json!({"id": 10, "changes": {"firstname": "Eve"}})),
        ("users/deactivate", json!({"id": 3})),
        ("users/kyc-review", json!({"id": 10})),
        ("users/tax-residences", drafts.clone()),
        ("users/create", new_user.clone()),
    ] {
        assert!(forbidden(app.call(&ro, endpoint, args).await), "read-only may not call {endpoint}");
    }
    // Support (read_write) edits, but KYC reviews and creation are legal actions.
    assert!(forbidden(app.call(&support, "users/kyc-review", json!({"id": 10})).await));
    assert!(forbidden(app.call(&support, "users/create", new_user).await));
    assert_eq!(app.audit_actions().await.len(), before, "nothing was written");
    let edited: EndUser =
        app.call(&support, "users/update", json!({"id": 10, "changes": {"firstname": "Eve"}})).await.unwrap();
    assert_eq!(edited.firstname.as_deref(), Some("Eve"));
    let refused = app.call::<EndUser>(&support, "users/update", json!({"id": 10, "changes": {"country": "XX"}})).await;
    assert!(matches!(refused, Err(AppError::Invalid { field, .. }) if field == "country"));
    // Without a session, nothing.
    let anonymous = crate::harness::browser();
    assert_eq!(
        app.call::<UserList>(&anonymous, "users/search", json!({"params": []})).await,
        Err(AppError::Unauthenticated)
    );
}

async fn tax_residences_are_saved_by_the_shared_rules(flavor: Flavor) {
    let app = seeded(flavor).await;
    let (b, _) = app.logged_in("support@example.com", Role::Support).await;
    let user = sql_i64(
        &app,
        "SELECT MIN(id) FROM end_users WHERE user_type_id = 1 AND country IS NOT NULL AND country <> 'US'",
    )
    .await;
    let current: UserProfile = app.call(&b, "users/profile", json!({"id": user})).await.unwrap();
    let kept_id = current.tax_residences[0].id;
    let kept_country = current.tax_residences[0].country.clone();
    let kept_tin = current.tax_residences[0].tax_payer_id.clone();
    let save = |kept: Value| {
        let (app, b) = (&app, &b);
        async move { app.call::<Vec<TaxResidence>>(b, "users/tax-residences", json!({"user_id": user, "kept": kept})).await }
    };

    let refused = save(json!([{"id": kept_id, "country": kept_country, "tax_payer_id": kept_tin},
                              {"id": null, "country": "US", "tax_payer_id": ""}]))
    .await;
    assert!(matches!(refused, Err(AppError::Invalid { ref field, .. }) if field == "taxPayerId"), "{refused:?}");
    let twice = save(json!([{"id": kept_id, "country": kept_country, "tax_payer_id": kept_tin},
                            {"id": null, "country": kept_country, "tax_payer_id": "X1"}]))
    .await;
    assert!(matches!(twice, Err(AppError::Conflict(_))), "{twice:?}");
    let unchanged: UserProfile = app.call(&b, "users/profile", json!({"id": user})).await.unwrap();
    assert_eq!(unchanged.tax_residences, current.tax_residences, "a refusal changes nothing");

    // A kept residence's TIN is edited in place (and its waiver follows).
    let edited = save(json!([{"id": kept_id, "country": kept_country, "tax_payer_id": "FR-TIN-42"}])).await.unwrap();
    assert_eq!(
        (edited.len(), edited[0].id, edited[0].tax_payer_id.as_str(), edited[0].liability_waiver),
        (1, kept_id, "FR-TIN-42", false),
        "{edited:?}"
    );
    let saved = save(json!([{"id": null, "country": "US", "tax_payer_id": "123-45-6789"}])).await.unwrap();
    assert_eq!(saved.len(), 1, "the old residence was removed, the US one added: {saved:?}");
    assert_eq!((saved[0].country.as_str(), saved[0].liability_waiver), ("US", false));
    let deleted = sql_i64(&app, "SELECT COUNT(*) FROM tax_residences WHERE is_deleted = 1").await;
    assert_eq!(deleted, 1, "removal is a soft delete");
}

async fn deactivation_and_kyc_review_from_the_dashboard(flavor: Flavor) {
    let app = seeded(flavor).await;
    let (b, _) = app.logged_in("legal@example.com", Role::SupportLegal).await;
    // Demo wallets: ids that are multiples of 3 are empty.
    let empty = sql_i64(&app, "SELECT MIN(u.id) FROM end_users u JOIN wallets w ON w.user_id = u.id WHERE w.balance = 0 AND u.user_status <> 'CANCELED'").await;
    let funded = sql_i64(&app, "SELECT MIN(u.id) FROM end_users u JOIN wallets w ON w.user_id = u.id WHERE w.balance > 0 AND u.user_status <> 'CANCELED'").await;
    let refused = app.call::<EndUser>(&b, "users/deactivate", json!({"id": funded})).await;
    assert!(matches!(refused, Err(AppError::Conflict(ref m)) if m.contains("balance")), "{refused:?}");
    let done: EndUser = app.call(&b, "users/deactivate", json!({"id": empty})).await.unwrap();
    assert_eq!((done.status, done.code_status), (UserStatus::Canceled, Some(110005)));
    let again = app.call::<EndUser>(&b, "users/deactivate", json!({"id": empty})).await;
    assert!(matches!(again, Err(AppError::Conflict(_))));

    let reviewable = sql_i64(&app, "SELECT MIN(id) FROM end_users WHERE kyc_review <> 1 AND user_status <> 'CANCELED' AND specified_u_s_person = 0 AND parent_user_id IS NULL AND id % 40 <> 39").await;
    let reviewed: EndUser = app.call(&b, "users/kyc-review", json!({"id": reviewable})).await.unwrap();
    assert_eq!(reviewed.kyc_review, KycReview::Pending);
    assert!(reviewed.kyc_review_comment.unwrap().contains("legal@example.com"));

    // Create a new user / Add child user: the same rules as the API.
    let child = json!({"input": {"userTypeId": 1, "specifiedUSPerson": 0, "email": "child@example.com",
                                 "parentUserId": reviewable, "parentType": "employee"}});
    let created: EndUser = app.call(&b, "users/create", child).await.unwrap();
    assert_eq!((created.parent_user_id, created.status), (Some(reviewable), UserStatus::Pending));
    let profile: UserProfile = app.call(&b, "users/profile", json!({"id": reviewable})).await.unwrap();
    assert!(profile.children.iter().any(|c| c.user_id == created.id));
    let orphan = json!({"input": {"userTypeId": 1, "specifiedUSPerson": 0, "email": "orphan@example.com",
                                  "parentUserId": 999999, "parentType": "employee"}});
    let refused = app.call::<EndUser>(&b, "users/create", orphan).await;
    assert!(matches!(refused, Err(AppError::Invalid { ref field, .. }) if field == "parentUserId"), "{refused:?}");
}

/// Every server function that changes a user refuses a canceled one with the same error,
/// and writes nothing (the tax residences popup included, which used to accept it).
async fn a_canceled_user_refuses_every_change_from_the_dashboard(flavor: Flavor) {
    let app = seeded(flavor).await;
    let (b, _) = app.logged_in("legal@example.com", Role::SupportLegal).await;
    let empty = sql_i64(&app, "SELECT MIN(u.id) FROM end_users u JOIN wallets w ON w.user_id = u.id WHERE w.balance = 0 AND u.user_status <> 'CANCELED'").await;
    let _: EndUser = app.call(&b, "users/deactivate", json!({"id": empty})).await.unwrap();
    let before = app.audit_actions().await.len();
    let canceled = AppError::Conflict(Refusal::Canceled.message().to_string());
    let child = json!({"input": {"userTypeId": 1, "specifiedUSPerson": 0, "email": "late-child@example.com",
                                 "parentUserId": empty, "parentType": "employee"}});
    for (endpoint, args) in [
        ("users/update", json!({"id": empty, "changes": {"firstname": "Eve"}})),
        ("users/deactivate", json!({"id": empty})),
        ("users/kyc-review", json!({"id": empty})),
        (
            "users/tax-residences",
            json!({"user_id": empty, "kept": [{"id": null, "country": "FR", "tax_payer_id": ""}]}),
        ),
        ("users/create", child),
    ] {
        let refused = app.call::<Value>(&b, endpoint, args).await;
        assert_eq!(refused, Err(canceled.clone()), "{endpoint} on a canceled user");
    }
    assert_eq!(app.audit_actions().await.len(), before, "nothing was written");
    // Reading stays possible.
    let profile: UserProfile = app.call(&b, "users/profile", json!({"id": empty})).await.unwrap();
    assert!(profile.user.is_canceled());
}

/// A JPY wallet holds whole yen, a KWD wallet thousandths of a dinar: the profile carries the
/// amount with its currency, and shows it with that currency's exponent.
async fn money_shows_each_currency_with_its_own_exponent(flavor: Flavor) {
    let app = seeded(flavor).await;
    let (b, _) = app.logged_in("admin@example.com", Role::Administrator).await;
    let user = sql_i64(&app, "SELECT MIN(id) FROM end_users WHERE user_status <> 'CANCELED'").await;
    for currency in ["JPY", "KWD"] {
        app.backend
            .add_wallet(&backend::Actor::System, &backend::RequestMeta::local(), user, currency, 1500)
            .await
            .unwrap();
    }
    let profile: UserProfile = app.call(&b, "users/profile", json!({"id": user})).await.unwrap();
    let shown: Vec<String> =
        profile.wallets.iter().filter(|w| w.balance.minor == 1500).map(|w| w.balance.to_string()).collect();
    assert!(shown.contains(&"1,500 JPY".to_string()) && shown.contains(&"1.500 KWD".to_string()), "{shown:?}");
}
