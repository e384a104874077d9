//! `/core-connect/support-user` over HTTP: the same rules as the Dashboard Users view.

use backend::Actor;
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::{Role, Scope};

use crate::harness::{Flavor, PASSWORD, browser, spawn_app};

crate::on_both_databases!(support_users_crud_follows_the_operator_rules, bad_bodies_are_400_not_500);

async fn support_users_crud_follows_the_operator_rules(flavor: Flavor) {
    use reqwest::Method;
    let app = spawn_app(flavor).await;
    let admin_id = app.add_operator("root@example.com", Role::Administrator).await;
    // A client holding the scopes of a Manager (every scope but admin).
    let manager = app
        .bearer(&[Scope::ReadOnly, Scope::ReadAll, Scope::ReadWrite, Scope::Legal, Scope::SupportUserManagement])
        .await;

    // Nobody grants a scope they do not hold: a client with support_user_management alone
    // cannot make a Manager (read_write, legal, ...), nor even a read-only operator.
    let narrow = app.bearer(&[Scope::SupportUserManagement]).await;
    for scopes in [json!(["support_user_management"]), json!(["read_only"])] {
        let (status, body) = app
            .rest(
                Method::POST,
                "/core-connect/support-user",
                &narrow,
                Some(json!({
                "username": "escalated@example.com", "password": PASSWORD, "scopes": scopes})),
            )
            .await;
        assert_eq!(status, 403, "{scopes}: {body}");
        assert_eq!(body["errors"][0]["message"], backend::auth::GRANT_REFUSAL);
    }
    let ops = app.backend.list_operators(&Actor::System).await.unwrap();
    assert!(ops.iter().all(|o| o.username != "escalated@example.com"), "nothing was created");

    let (status, created) = app.rest(Method::POST, "/core-connect/support-user", &manager, Some(json!({
        "username": "api-made@example.com", "password": PASSWORD, "scopes": ["read_only", "read_write"], "samlKey": "k1"
    }))).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["username"], "api-made@example.com");
    assert_eq!(created["samlKey"], "k1");
    let id = created["id"].as_str().unwrap().to_string();
    let ops = app.backend.list_operators(&Actor::System).await.unwrap();
    assert_eq!(ops.iter().find(|o| o.username == "api-made@example.com").unwrap().role, Role::Support);

    let (status, fetched) = app.rest(Method::GET, &format!("/core-connect/support-user/{id}"), &manager, None).await;
    assert_eq!((status, &fetched["username"]), (StatusCode::OK, &json!("api-made@example.com")));

    // Partial update: only the scopes change.
    let (status, updated) = app
        .rest(
            Method::PUT,
            &format!("/core-connect/support-user/{id}"),
            &manager,
            Some(json!({"scope": ["read_only", "read_write", "legal"]})),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["samlKey"], "k1");
    let ops = app.backend.list_operators(&Actor::System).await.unwrap();
    assert_eq!(ops.iter().find(|o| o.username == "api-made@example.com").unwrap().role, Role::SupportLegal);

    // Without the admin scope, Administrators are out of reach.
    let (status, body) = app
        .rest(
            Method::POST,
            "/core-connect/support-user",
            &manager,
            Some(json!({
        "username": "boss@example.com", "password": PASSWORD, "scopes": ["admin"]})),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = app.rest(Method::DELETE, &format!("/core-connect/support-user/{admin_id}"), &manager, None).await;
    assert_eq!(status, 403);

    // Duplicate username, unknown id.
    let (status, body) = app
        .rest(
            Method::POST,
            "/core-connect/support-user",
            &manager,
            Some(json!({
        "username": "API-MADE@example.com", "password": PASSWORD, "scopes": ["read_only"]})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("already exists"), "{body}");
    let (status, _) = app.rest(Method::GET, "/core-connect/support-user/999999", &manager, None).await;
    assert_eq!(status, 404);
    let (status, _) = app.rest(Method::GET, "/core-connect/support-user/not-a-number", &manager, None).await;
    assert_eq!(status, 404);

    // Unblock: 409 when not blocked, 204 when it was.
    let (status, _) = app.rest(Method::PUT, &format!("/core-connect/support-user/{id}/unblock"), &manager, None).await;
    assert_eq!(status, 409);
    for _ in 0..3 {
        app.login(&browser(), "api-made@example.com", "wrong password!!").await.unwrap_err();
    }
    let (status, body) = app.rest(Method::GET, &format!("/core-connect/support-user/{id}"), &manager, None).await;
    assert_eq!((status, &body["wrongPwdAttempts"]), (StatusCode::OK, &json!(3)));
    let (status, body) =
        app.rest(Method::PUT, &format!("/core-connect/support-user/{id}/unblock"), &manager, None).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    app.login(&browser(), "api-made@example.com", PASSWORD).await.unwrap();

    let (status, _) = app.rest(Method::DELETE, &format!("/core-connect/support-user/{id}"), &manager, None).await;
    assert_eq!(status, 204);
    let (status, _) = app.rest(Method::GET, &format!("/core-connect/support-user/{id}"), &manager, None).await;
    assert_eq!(status, 404);

    let audit = app.audit_actions().await;
    for action in ["operator.created", "operator.updated", "operator.unblocked", "operator.deleted"] {
        assert!(audit.iter().any(|a| a == action), "{action} missing from {audit:?}");
    }
    let actor: String = sqlx::query_scalar("SELECT actor_type FROM audit_log WHERE action = 'operator.deleted'")
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
    assert_eq!(actor, "api_client");
}

async fn bad_bodies_are_400_not_500(flavor: Flavor) {
    use reqwest::Method;
    let app = spawn_app(flavor).await;
    let token = app
        .bearer(&[Scope::ReadOnly, Scope::ReadAll, Scope::ReadWrite, Scope::Legal, Scope::SupportUserManagement])
        .await;
    let url = format!("{}/core-connect/support-user", app.base_url);
    let raw = browser()
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: Value = raw.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "input_validation_error");
    for bad in [
        json!({"username": 42, "password": PASSWORD}),
        json!({"username": "a@example.com", "password": PASSWORD, "scopes": ["root"]}),
        json!({"username": "a@example.com", "password": PASSWORD, "unexpected": true}),
        json!({"username": "not-an-email", "password": PASSWORD}),
        json!({"username": "a@example.com", "password": "short"}),
    ] {
        let (status, body) = app.rest(Method::POST, "/core-connect/support-user", &token, Some(bad.clone())).await;
        assert_eq!(status, 400, "{bad} -> {body}");
        assert!(body["errors"][0]["message"].is_string());
    }
}
