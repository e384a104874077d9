//! `/v1/users` over HTTP: creation, reading, editing and deactivation with their refusals.

use backend::{Actor, RequestMeta};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::Scope;

use crate::harness::{Flavor, TestApp, browser, spawn_app};
use crate::spec::assert_matches_schema;

crate::on_both_databases!(
    users_are_created_read_and_shaped_like_the_contract,
    each_invalid_field_is_refused_by_name,
    parents_must_exist_be_active_and_stay_shallow,
    deactivation_needs_empty_wallets_and_is_final,
    editing_a_validated_user_sends_it_back_to_review,
    each_endpoint_needs_its_scope,
    only_admin_tokens_freeze_assets,
    kyc_review_requests_check_that_each_user_is_ready,
    a_canceled_user_refuses_every_change_over_the_api,
    legal_name_search_is_partial,
);

async fn only_admin_tokens_freeze_assets(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let admin = app.bearer(&Scope::ALL).await;
    let legal = app.bearer(&[Scope::ReadOnly, Scope::ReadWrite, Scope::Legal]).await;
    let id = create(&app, &admin, person("frozen@example.com")).await["userId"].as_i64().unwrap();
    let path = format!("/v1/users/{id}/FreezeAssets");

    let (status, _) = app.rest(Method::PUT, &path, &legal, Some(json!({"isFrozen": 1}))).await;
    assert_eq!(status, 403);
    let (status, body) = app.rest(Method::PUT, &path, &admin, Some(json!({"isFrozen": 1}))).await;
    assert_eq!((status, &body["users"][0]["isFrozen"]), (StatusCode::OK, &json!(1)), "{body}");
    let (_, body) = app.rest(Method::GET, &format!("/v1/users/{id}"), &legal, None).await;
    assert_eq!(body["users"][0]["isFrozen"], 1);
    let (status, body) = app.rest(Method::PUT, &path, &admin, Some(json!({"isFrozen": 2}))).await;
    assert_eq!((status, refused_field(&body)), (StatusCode::BAD_REQUEST, "isFrozen".into()));
    let (status, body) = app.rest(Method::PUT, &path, &admin, Some(json!({"isFrozen": 0}))).await;
    assert_eq!((status, &body["users"][0]["isFrozen"]), (StatusCode::OK, &json!(0)));
    let audit = app.audit_actions().await;
    assert!(audit.contains(&"user.frozen".to_string()) && audit.contains(&"user.unfrozen".to_string()));
}

fn person(email: &str) -> Value {
    json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": email, "firstname": "Ada", "lastname": "Lovelace",
           "title": "MME", "birthday": "1815-12-10", "country": "GB", "phone": "+441234567890", "timezone": "Europe/London"})
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, res) = app.rest(Method::POST, "/v1/users", token, Some(body)).await;
    assert_eq!(status, 200, "{res}");
    res["users"][0].clone()
}

fn refused_field(body: &Value) -> String {
    body["errors"][0]["message"].as_str().unwrap().split(':').next().unwrap().to_string()
}

async fn users_are_created_read_and_shaped_like_the_contract(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let (status, created) = app.rest(Method::POST, "/v1/users", &t, Some(person("ada@example.com"))).await;
    assert_eq!(status, 200, "{created}");
    assert_matches_schema("UserObject", &created, false);
    let user = &created["users"][0];
    assert_eq!(user["userStatus"], "PENDING");
    assert_eq!((user["firstname"].as_str(), user["country"].as_str()), (Some("Ada"), Some("GB")));
    let id = user["userId"].as_i64().unwrap();

    let (status, fetched) = app.rest(Method::GET, &format!("/v1/users/{id}"), &t, None).await;
    assert_eq!(status, 200);
    assert_eq!(fetched["users"][0], *user);
    assert_eq!(fetched["users"].as_array().unwrap().len(), 1);
    let (status, _) = app.rest(Method::GET, "/v1/users/999999", &t, None).await;
    assert_eq!(status, 404);
    let (status, body) = app.rest(Method::GET, "/v1/users/abc", &t, None).await;
    assert_eq!(status, 400);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("userId"));

    // The same email in another case is a duplicate.
    let (status, body) = app.rest(Method::POST, "/v1/users", &t, Some(person("ADA@example.com"))).await;
    assert_eq!((status, refused_field(&body)), (StatusCode::BAD_REQUEST, "email".to_string()));
    let audit = app.audit_actions().await;
    assert_eq!(audit.iter().filter(|a| *a == "user.created").count(), 1);
}

async fn each_invalid_field_is_refused_by_name(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let cases = [
        ("country", json!("FRA")),
        ("birthday", json!("1990-02-30")),
        ("title", json!("DR")),
        ("phone", json!("0612345678")),
        ("language", json!("french")),
        ("timezone", json!("Nowhere/City")),
        ("userTag", json!("t".repeat(251))),
        ("address1", json!("a".repeat(151))),
        ("userTypeId", json!(7)),
        ("specifiedUSPerson", json!("yes")),
        ("legalShareCapital", json!(-5)),
        ("email", json!("nope")),
        ("unknownField", json!(1)),
    ];
    for (field, value) in cases {
        let mut body = person("bad@example.com");
        body[field] = value.clone();
        let (status, res) = app.rest(Method::POST, "/v1/users", &t, Some(body)).await;
        assert_eq!(status, 400, "{field}={value}: {res}");
        assert_eq!(refused_field(&res), field, "{res}");
    }
    let raw = browser()
        .post(format!("{}/v1/users", app.base_url))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("[1,2")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let (status, _) = app.rest(Method::POST, "/v1/users", &t, Some(json!(["not", "an", "object"]))).await;
    assert_eq!(status, 400);
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM end_users").fetch_one(&app.backend.db.pool).await.unwrap();
    assert_eq!(count, 0, "nothing was stored");
}

async fn parents_must_exist_be_active_and_stay_shallow(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let root = create(&app, &t, person("root@example.com")).await["userId"].as_i64().unwrap();
    let child_of = |parent: i64, email: &str| {
        let mut body = person(email);
        body["parentUserId"] = json!(parent);
        body["parentType"] = json!("employee");
        body
    };
    let child = create(&app, &t, child_of(root, "child@example.com")).await;
    assert_eq!((child["parentUserId"].as_i64(), child["parentType"].as_str()), (Some(root), Some("employee")));
    let grandchild = create(&app, &t, child_of(child["userId"].as_i64().unwrap(), "grand@example.com")).await;
    let (status, body) = app
        .rest(
            Method::POST,
            "/v1/users",
            &t,
            Some(child_of(grandchild["userId"].as_i64().unwrap(), "great@example.com")),
        )
        .await;
    assert_eq!((status, refused_field(&body)), (StatusCode::BAD_REQUEST, "parentUserId".into()), "depth 3: {body}");
    let (status, body) = app.rest(Method::POST, "/v1/users", &t, Some(child_of(424242, "orphan@example.com"))).await;
    assert_eq!((status, refused_field(&body)), (StatusCode::BAD_REQUEST, "parentUserId".into()));

    // parentType is fixed at creation.
    let (status, body) = app
        .rest(Method::PUT, &format!("/v1/users/{}", child["userId"]), &t, Some(json!({"parentType": "leader"})))
        .await;
    assert_eq!((status, refused_field(&body)), (StatusCode::BAD_REQUEST, "parentType".into()));

    // A canceled parent takes no new children.
    let lonely = create(&app, &t, person("lonely@example.com")).await["userId"].as_i64().unwrap();
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/users/{lonely}?origin=OPERATOR"), &t, None).await;
    assert_eq!(status, 200);
    let (status, body) = app.rest(Method::POST, "/v1/users", &t, Some(child_of(lonely, "late@example.com"))).await;
    assert_eq!(status, StatusCode::CONFLICT, "the canceled-user refusal, as everywhere: {body}");
    assert_eq!(body["errors"][0]["message"], shared::domain::Refusal::Canceled.message());
}

async fn deactivation_needs_empty_wallets_and_is_final(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let rich = create(&app, &t, person("rich@example.com")).await["userId"].as_i64().unwrap();
    let poor = create(&app, &t, person("poor@example.com")).await["userId"].as_i64().unwrap();
    app.backend.add_wallet(&Actor::System, &RequestMeta::local(), rich, "EUR", 1250).await.unwrap();
    app.backend.add_wallet(&Actor::System, &RequestMeta::local(), poor, "EUR", 0).await.unwrap();

    let (status, body) = app.rest(Method::DELETE, &format!("/v1/users/{rich}?origin=OPERATOR"), &t, None).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("balance"));
    let (status, body) = app.rest(Method::DELETE, &format!("/v1/users/{poor}"), &t, None).await;
    assert_eq!(status, 400, "origin is required: {body}");

    let (status, body) =
        app.rest(Method::DELETE, &format!("/v1/users/{poor}"), &t, Some(json!({"origin": "USER"}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["users"][0]["userStatus"], "CANCELED");
    assert_eq!(body["users"][0]["codeStatus"], "110006");
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/users/{poor}?origin=OPERATOR"), &t, None).await;
    assert_eq!(status, 409, "a canceled user stays canceled");
    let (status, _) = app.rest(Method::PUT, &format!("/v1/users/{poor}"), &t, Some(json!({"firstname": "X"}))).await;
    assert_eq!(status, 409);
    // Never deleted: still readable, with its status.
    let (status, body) = app.rest(Method::GET, &format!("/v1/users/{poor}"), &t, None).await;
    assert_eq!((status, body["users"][0]["userStatus"].as_str()), (StatusCode::OK, Some("CANCELED")));
    let audit = app.audit_actions().await;
    assert_eq!(audit.iter().filter(|a| *a == "user.deactivated").count(), 1);
}

async fn editing_a_validated_user_sends_it_back_to_review(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let id = create(&app, &t, person("kyc@example.com")).await["userId"].as_i64().unwrap();
    sqlx::query("UPDATE end_users SET kyc_review = 2, kyc_level = 2 WHERE id = $1")
        .bind(id)
        .execute(&app.backend.db.pool)
        .await
        .unwrap();
    let path = format!("/v1/users/{id}");
    let put = |body: Value| app.rest(Method::PUT, &path, &t, Some(body));

    let (status, body) = put(json!({"phone": "+33612345678", "timezone": "Europe/Paris", "address3": "Bat. B"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["users"][0]["kycReview"], 2, "contact details do not reopen the review");
    assert_eq!(body["users"][0]["phone"], "+33612345678");

    let (status, body) = put(json!({"lastname": "King"})).await;
    assert_eq!(status, 200);
    assert_eq!(body["users"][0]["kycReview"], 1, "identity changes go back to review");
    assert_eq!(body["users"][0]["lastname"], "King");

    let (status, body) = put(json!({"country": "XX"})).await;
    assert_eq!((status, refused_field(&body)), (StatusCode::BAD_REQUEST, "country".into()));
    let (status, body) = put(json!({"email": "Kyc@Example.com"})).await;
    assert_eq!(status, 200, "{body}");

    let row: (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT before_json, after_json FROM audit_log WHERE action = 'user.updated' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.backend.db.pool)
    .await
    .unwrap();
    assert!(row.0.unwrap().contains("+441234567890") && row.1.unwrap().contains("+33612345678"));
}

async fn each_endpoint_needs_its_scope(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let admin = app.bearer(&Scope::ALL).await;
    let id = create(&app, &admin, person("scoped@example.com")).await["userId"].as_i64().unwrap();
    let read_only = app.bearer(&[Scope::ReadOnly]).await;
    let read_write = app.bearer(&[Scope::ReadOnly, Scope::ReadWrite]).await;
    let legal = app.bearer(&[Scope::Legal]).await;

    assert_eq!(app.rest(Method::GET, &format!("/v1/users/{id}"), &read_only, None).await.0, 200);
    assert_eq!(app.rest(Method::POST, "/v1/users", &read_only, Some(person("a@example.com"))).await.0, 403);
    assert_eq!(app.rest(Method::POST, "/v1/users", &read_write, Some(person("b@example.com"))).await.0, 403);
    assert_eq!(app.rest(Method::POST, "/v1/users", &legal, Some(person("c@example.com"))).await.0, 200);
    assert_eq!(
        app.rest(Method::PUT, &format!("/v1/users/{id}"), &read_only, Some(json!({"city": "Paris"}))).await.0,
        403
    );
    assert_eq!(
        app.rest(Method::PUT, &format!("/v1/users/{id}"), &read_write, Some(json!({"city": "Paris"}))).await.0,
        200
    );
    assert_eq!(app.rest(Method::DELETE, &format!("/v1/users/{id}?origin=OPERATOR"), &read_only, None).await.0, 403);
    assert_eq!(browser().get(format!("{}/v1/users/{id}", app.base_url)).send().await.unwrap().status(), 401);
}

mod search {
    use super::*;

    crate::on_both_databases!(filters_sort_and_pages, name_search_matches_partial_words_of_names_and_email);

    async fn seed(app: &TestApp, t: &str) -> Vec<i64> {
        let people = [
            json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": "ada.lovelace@example.com", "firstname": "Ada", "lastname": "Lovelace", "userTag": "vip"}),
            json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": "alan@example.org", "firstname": "Alan", "lastname": "Turing"}),
            json!({"userTypeId": 2, "specifiedUSPerson": 0, "email": "contact@acme.test", "legalName": "Acme Widgets SARL", "userTag": "vip"}),
            json!({"userTypeId": 3, "specifiedUSPerson": 0, "email": "hello@greenpeace.test", "legalName": "Ocean Friends"}),
            json!({"userTypeId": 4, "specifiedUSPerson": 1, "email": "mairie@ville.test", "legalName": "Mairie de Lyon"}),
        ];
        let mut ids = Vec::new();
        for p in people {
            ids.push(create(app, t, p).await["userId"].as_i64().unwrap());
        }
        ids
    }

    async fn ids(app: &TestApp, t: &str, query: &str) -> (Vec<i64>, Option<i64>) {
        let (status, body) = app.rest(Method::GET, &format!("/v1/users?{query}"), t, None).await;
        assert_eq!(status, 200, "{query}: {body}");
        let users = body["users"].as_array().unwrap();
        (
            users.iter().map(|u| u["userId"].as_i64().unwrap()).collect(),
            users.first().and_then(|u| u["totalRows"].as_i64()),
        )
    }

    async fn filters_sort_and_pages(flavor: Flavor) {
        let app = spawn_app(flavor).await;
        let t = app.bearer(&Scope::ALL).await;
        let all = seed(&app, &t).await;
        let (ada, alan, acme, ocean, mairie) = (all[0], all[1], all[2], all[3], all[4]);
        // Default: newest first, totalRows on the first object.
        let (got, total) = ids(&app, &t, "").await;
        assert_eq!((got.clone(), total), (vec![mairie, ocean, acme, alan, ada], Some(5)));
        assert_eq!(ids(&app, &t, "sortBy=userId&sortOrder=ASC").await.0, all);
        assert_eq!(ids(&app, &t, "userTypeId=1&sortBy=userId&sortOrder=ASC").await.0, vec![ada, alan]);
        assert_eq!(ids(&app, &t, "userTag=vip&sortBy=userId&sortOrder=ASC").await.0, vec![ada, acme]);
        assert_eq!(ids(&app, &t, &format!("userId={ocean}")).await.0, vec![ocean]);
        assert_eq!(ids(&app, &t, "email=ALAN@example.org").await.0, vec![alan]);
        assert_eq!(ids(&app, &t, "legalName=acme widgets sarl").await.0, vec![acme]);
        assert_eq!(ids(&app, &t, "specifiedUSPerson=1").await.0, vec![mairie]);
        assert_eq!(ids(&app, &t, "createdDateFrom=2000-01-01&createdDateTo=2999-12-31").await.1, Some(5));
        assert_eq!(ids(&app, &t, "createdDateTo=2000-01-01").await.0, Vec::<i64>::new());

        // Deactivation shows in the status filter; the user stays listed.
        app.rest(Method::DELETE, &format!("/v1/users/{alan}?origin=OPERATOR"), &t, None).await;
        assert_eq!(ids(&app, &t, "userStatus=CANCELED").await.0, vec![alan]);
        assert_eq!(ids(&app, &t, "userStatus=PENDING").await.1, Some(4));

        // Paging: pages of two, in order, with the total on each first object.
        let (p1, t1) = ids(&app, &t, "sortBy=userId&sortOrder=ASC&pageCount=2&pageNumber=1").await;
        let (p2, _) = ids(&app, &t, "sortBy=userId&sortOrder=ASC&pageCount=2&pageNumber=2").await;
        let (p3, _) = ids(&app, &t, "sortBy=userId&sortOrder=ASC&pageCount=2&pageNumber=3").await;
        let (p4, _) = ids(&app, &t, "sortBy=userId&sortOrder=ASC&pageCount=2&pageNumber=4").await;
        assert_eq!((p1, p2, p3, p4, t1), (vec![ada, alan], vec![acme, ocean], vec![mairie], vec![], Some(5)));

        for bad in
            ["userTypeId=9", "userStatus=GONE", "pageCount=0", "sortBy=email", "userId=x", "createdDateFrom=01/02/2024"]
        {
            let (status, body) = app.rest(Method::GET, &format!("/v1/users?{bad}"), &t, None).await;
            let param = bad.split('=').next().unwrap();
            assert_eq!((status, refused_field(&body)), (StatusCode::BAD_REQUEST, param.to_string()), "{bad}");
        }
        let (_, body) = app.rest(Method::GET, "/v1/users?pageCount=2", &t, None).await;
        assert_matches_schema("UserObject", &body, false);
    }

    async fn name_search_matches_partial_words_of_names_and_email(flavor: Flavor) {
        let app = spawn_app(flavor).await;
        let t = app.bearer(&Scope::ALL).await;
        let all = seed(&app, &t).await;
        let (ada, alan, acme, ocean, mairie) = (all[0], all[1], all[2], all[3], all[4]);
        // A name search ranks its matches (tests in `user_search`): compared here as sets.
        let sorted = |q: &str| {
            let q = format!("name={q}");
            let app = &app;
            let t = &t;
            async move {
                let mut found = ids(app, t, &q).await.0;
                found.sort();
                found
            }
        };
        assert_eq!(sorted("love").await, vec![ada], "part of a last name");
        assert_eq!(sorted("LOVE").await, vec![ada], "any case");
        assert_eq!(sorted("uri").await, vec![alan], "inside a word");
        assert_eq!(sorted("widget").await, vec![acme], "legal name");
        assert_eq!(sorted("greenpeace").await, vec![ocean], "email");
        assert_eq!(sorted("example").await, vec![ada, alan], "email domain");
        assert_eq!(sorted("lyon").await, vec![mairie]);
        assert_eq!(sorted("zzz").await, Vec::<i64>::new());
        assert_eq!(sorted("\"x\" OR ada").await, Vec::<i64>::new(), "operators are text");
        assert_eq!(sorted("50%").await, Vec::<i64>::new(), "LIKE wildcards are text");
        // The index follows edits.
        app.rest(Method::PUT, &format!("/v1/users/{alan}"), &t, Some(json!({"lastname": "Kay"}))).await;
        assert_eq!(sorted("turing").await, Vec::<i64>::new());
        assert_eq!(sorted("kay").await, vec![alan], "the new name is found");
        let (status, body) = app.rest(Method::GET, "/v1/users?name=ab", &t, None).await;
        assert_eq!((status, refused_field(&body)), (StatusCode::BAD_REQUEST, "name".into()));
    }
}

async fn kyc_review_requests_check_that_each_user_is_ready(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let review = |id: i64| {
        let (app, t) = (&app, &t);
        async move { app.rest(Method::PUT, &format!("/v1/users/{id}/Kycreview"), t, None).await }
    };

    // An autoentrepreneur with half a secondary address is refused, naming what is missing.
    let mut auto = person("auto@example.com");
    auto["legalForm"] = json!("1000");
    auto["secondaryAddress1"] = json!("2 rue du Bac");
    auto["secondaryCity"] = json!("Paris");
    let auto_id = create(&app, &t, auto).await["userId"].as_i64().unwrap();
    // Each user needs an accepted identity document (the documents' own tests cover that).
    crate::documents::make_ready(&app, auto_id).await;
    let (status, body) = review(auto_id).await;
    assert_eq!((status, refused_field(&body)), (StatusCode::BAD_REQUEST, "secondaryPostcode".into()), "{body}");
    let (status, _) = app
        .rest(
            Method::PUT,
            &format!("/v1/users/{auto_id}"),
            &t,
            Some(json!({"secondaryPostcode": "75007", "secondaryCountry": "FR"})),
        )
        .await;
    assert_eq!(status, 200);

    // A scope check first: an API client needs read_write ...
    let no_write = app.bearer(&[Scope::ReadOnly, Scope::Legal]).await;
    let (status, _) = app.rest(Method::PUT, &format!("/v1/users/{auto_id}/Kycreview"), &no_write, None).await;
    assert_eq!(status, 403);
    // ... and an operator, whatever the door, needs its role's legal scope.
    app.add_operator("support@example.com", shared::Role::Support).await;
    let support = &app.password_grant("support@example.com", None).await;
    let (status, _) = app.rest(Method::PUT, &format!("/v1/users/{auto_id}/Kycreview"), support, None).await;
    assert_eq!(status, 403, "a Support operator cannot request a review through the API either");

    let (status, body) = review(auto_id).await;
    assert_eq!(status, 200, "{body}");
    let user = &body["users"][0];
    assert_eq!(user["kycReview"], 1);
    assert!(user["kycReviewComment"].as_str().unwrap().contains("kycReview NONE -> PENDING"), "{user}");
    let (status, body) = review(auto_id).await;
    assert_eq!(status, 409, "already pending: {body}");

    // A US person needs a US tax residence first.
    let mut us = person("us@example.com");
    us["specifiedUSPerson"] = json!(1);
    us["country"] = json!("US");
    let us_id = create(&app, &t, us).await["userId"].as_i64().unwrap();
    crate::documents::make_ready(&app, us_id).await;
    let (status, body) = review(us_id).await;
    assert_eq!((status, refused_field(&body)), (StatusCode::BAD_REQUEST, "specifiedUSPerson".into()), "{body}");
    let (status, _) = app
        .rest(
            Method::POST,
            "/v1/taxResidences",
            &t,
            Some(json!({"userId": us_id, "country": "US", "taxPayerId": "123-45-6789", "liabilityWaiver": false})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = review(us_id).await;
    assert_eq!(status, 200);

    // The request covers the children; a child that is not ready stops it, named.
    let parent = create(&app, &t, person("parent@example.com")).await["userId"].as_i64().unwrap();
    let mut child = person("child@example.com");
    child["parentUserId"] = json!(parent);
    child["parentType"] = json!("employee");
    let child_id = create(&app, &t, child.clone()).await["userId"].as_i64().unwrap();
    let mut bad_child = child;
    bad_child["email"] = json!("bad-child@example.com");
    bad_child["legalForm"] = json!("1000");
    bad_child["secondaryCity"] = json!("Lyon");
    let bad_child_id = create(&app, &t, bad_child).await["userId"].as_i64().unwrap();
    for id in [parent, child_id, bad_child_id] {
        crate::documents::make_ready(&app, id).await;
    }
    let (status, body) = review(parent).await;
    assert_eq!(status, 400);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains(&format!("Child user {bad_child_id}")), "{body}");
    let (status, _) =
        app.rest(Method::PUT, &format!("/v1/users/{bad_child_id}"), &t, Some(json!({"secondaryCity": ""}))).await;
    assert_eq!(status, 200);
    let (status, _) = review(parent).await;
    assert_eq!(status, 200);
    for id in [child_id, bad_child_id] {
        let (_, body) = app.rest(Method::GET, &format!("/v1/users/{id}"), &t, None).await;
        assert_eq!(body["users"][0]["kycReview"], 1, "child {id} went to review with its parent");
    }

    // A canceled user cannot be reviewed.
    let gone = create(&app, &t, person("gone@example.com")).await["userId"].as_i64().unwrap();
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/users/{gone}?origin=USER"), &t, None).await;
    assert_eq!(status, 200);
    let (status, _) = review(gone).await;
    assert_eq!(status, 409);

    let audited = app.audit_actions().await.iter().filter(|a| *a == "user.kyc_review_requested").count();
    assert_eq!(audited, 5, "auto, us, parent and its two children");
}

/// Every mutating endpoint refuses a canceled user with the same 409 and message, and
/// writes nothing; tax residences included (they used to be accepted).
async fn a_canceled_user_refuses_every_change_over_the_api(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let gone = create(&app, &t, person("gone@example.com")).await["userId"].as_i64().unwrap();
    let (status, body) = app
        .rest(
            Method::POST,
            "/v1/taxResidences",
            &t,
            Some(json!({"userId": gone, "country": "FR", "taxPayerId": "", "liabilityWaiver": true})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let residence = body["taxResidences"][0]["id"].as_i64().unwrap();
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/users/{gone}?origin=OPERATOR"), &t, None).await;
    assert_eq!(status, 200);
    let before = app.audit_actions().await.len();
    let message = shared::domain::Refusal::Canceled.message();
    for (method, path, body) in [
        (Method::PUT, format!("/v1/users/{gone}"), Some(json!({"firstname": "X"}))),
        (Method::DELETE, format!("/v1/users/{gone}?origin=OPERATOR"), None),
        (Method::PUT, format!("/v1/users/{gone}/FreezeAssets"), Some(json!({"isFrozen": 1}))),
        (Method::PUT, format!("/v1/users/{gone}/Kycreview"), None),
        (
            Method::POST,
            "/v1/users".to_string(),
            Some(json!({"userTypeId": 1, "specifiedUSPerson": 0,
            "email": "kid@example.com", "parentUserId": gone, "parentType": "employee"})),
        ),
        (
            Method::POST,
            "/v1/taxResidences".to_string(),
            Some(json!({"userId": gone, "country": "DE", "taxPayerId": "", "liabilityWaiver": true})),
        ),
        (
            Method::PUT,
            format!("/v1/taxResidences/{residence}"),
            Some(json!({"taxPayerId": "X1", "liabilityWaiver": false})),
        ),
        (Method::DELETE, format!("/v1/taxResidences/{residence}"), None),
    ] {
        let (status, answer) = app.rest(method.clone(), &path, &t, body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{method} {path}: {answer}");
        assert_eq!(answer["errors"][0]["message"], message, "{method} {path}");
    }
    assert_eq!(app.audit_actions().await.len(), before, "nothing was written");
}

/// `legalName` finds a part of the legal name (as documented), and only in the legal name.
async fn legal_name_search_is_partial(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let t = app.bearer(&Scope::ALL).await;
    let company = json!({"userTypeId": 2, "specifiedUSPerson": 0, "email": "contact@analytical.example",
                         "legalName": "Analytical Engines Ltd", "firstname": "Charles", "lastname": "Babbage"});
    let id = create(&app, &t, company).await["userId"].as_i64().unwrap();
    create(
        &app,
        &t,
        json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": "engines@example.com",
                            "firstname": "Engines", "lastname": "Person"}),
    )
    .await;
    let (status, body) = app.rest(Method::GET, "/v1/users?legalName=engine", &t, None).await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<i64> = body["users"].as_array().unwrap().iter().map(|u| u["userId"].as_i64().unwrap()).collect();
    assert_eq!(ids, [id], "the person named Engines has no legal name");
    let (status, _) = app.rest(Method::GET, "/v1/users?legalName=en", &t, None).await;
    assert_eq!(status, 400, "too short to use the index");
}
