//! OAuth2: client credentials and password grants, scope intersection, expiry, 401/403 in
//! Treezor's envelope, and `/core-connect/support-user` behind it.

use std::time::Duration;

use backend::api_clients::NewApiClient;
use backend::{Actor, RequestMeta, SessionSettings};
use reqwest::StatusCode;
use serde_json::Value;
use shared::{Role, Scope};

use crate::harness::{Flavor, PASSWORD, TestApp, browser, spawn_app, spawn_app_with};

crate::on_both_databases!(
    client_credentials_grant_the_intersection_of_scopes,
    bad_credentials_and_grants_are_refused_in_the_envelope,
    support_user_list_needs_a_token_with_its_scope,
    password_grant_honours_role_and_lockout,
    tokens_expire,
    a_read_by_id_checks_its_token_in_its_own_statement_as_every_route_does,
);

async fn api_client(app: &TestApp, scopes: &[Scope]) -> NewApiClient {
    app.backend.create_api_client(&Actor::System, &RequestMeta::local(), "test client", scopes).await.unwrap()
}

async fn token(app: &TestApp, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let res = browser().post(format!("{}/oauth/token", app.base_url)).form(form).send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

async fn client_credentials(app: &TestApp, client: &NewApiClient, scope: Option<&str>) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client.client_id.as_str()),
        ("client_secret", client.client_secret.as_str()),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    token(app, &form).await
}

async fn get_support_users(app: &TestApp, bearer: Option<&str>) -> (StatusCode, Value) {
    let mut req = browser().get(format!("{}/core-connect/support-user", app.base_url));
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

fn assert_envelope(body: &Value, code: &str) {
    let error = &body["errors"][0];
    assert_eq!(error["code"], code, "{body}");
    for key in ["type", "message", "docUrl"] {
        assert!(error[key].is_string(), "{key} missing in {body}");
    }
}

async fn client_credentials_grant_the_intersection_of_scopes(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let client = api_client(&app, &[Scope::ReadOnly, Scope::SupportUserManagement]).await;

    let (status, body) = client_credentials(&app, &client, Some("support_user_management admin")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "support_user_management");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["access_token"].as_str().unwrap().len() >= 40);

    let (_, all) = client_credentials(&app, &client, None).await;
    assert_eq!(all["scope"], "read_only support_user_management");

    let (status, body) = client_credentials(&app, &client, Some("admin")).await;
    assert_eq!(status, 400);
    assert_envelope(&body, "input_validation_error");
    let (status, body) = client_credentials(&app, &client, Some("read_only superuser")).await;
    assert_eq!(status, 400);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("superuser"), "{body}");

    // Multipart form data, as in the spec, works too.
    let form = reqwest::multipart::Form::new()
        .text("grant_type", "client_credentials")
        .text("client_id", client.client_id.clone())
        .text("client_secret", client.client_secret.clone())
        .text("scope", "read_only");
    let res = browser().post(format!("{}/oauth/token", app.base_url)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "read_only");
    assert!(app.audit_actions().await.iter().filter(|a| *a == "token.issued").count() == 3);
}

async fn bad_credentials_and_grants_are_refused_in_the_envelope(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let client = api_client(&app, &[Scope::ReadOnly]).await;
    let (status, body) = token(
        &app,
        &[("grant_type", "client_credentials"), ("client_id", &client.client_id), ("client_secret", "not the secret")],
    )
    .await;
    assert_eq!(status, 401);
    assert_envelope(&body, "invalid_client");
    let (status, body) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "client_unknown"),
            ("client_secret", &client.client_secret),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert_envelope(&body, "invalid_client");
    let (status, body) = token(&app, &[("grant_type", "authorization_code")]).await;
    assert_eq!(status, 400);
    assert_envelope(&body, "unsupported_grant_type");
    let (status, body) = token(&app, &[("grant_type", "client_credentials"), ("client_id", "x")]).await;
    assert_eq!(status, 400);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("client_secret"), "{body}");
}

async fn support_user_list_needs_a_token_with_its_scope(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.add_operator("root@example.com", Role::Administrator).await;
    let client = api_client(&app, &[Scope::ReadOnly, Scope::SupportUserManagement]).await;

    let (status, body) = get_support_users(&app, None).await;
    assert_eq!(status, 401);
    assert_envelope(&body, "unauthorized");
    let (status, body) = get_support_users(&app, Some("forged-token")).await;
    assert_eq!(status, 401);
    assert_envelope(&body, "unauthorized");

    let (_, read_only) = client_credentials(&app, &client, Some("read_only")).await;
    let (status, body) = get_support_users(&app, read_only["access_token"].as_str()).await;
    assert_eq!(status, 403);
    assert_envelope(&body, "insufficient_scope");

    let (_, managing) = client_credentials(&app, &client, Some("support_user_management")).await;
    let (status, body) = get_support_users(&app, managing["access_token"].as_str()).await;
    assert_eq!(status, 200, "{body}");
    let users = body.as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["username"], "root@example.com");
    assert!(users[0]["id"].is_string());
    assert_eq!(users[0]["wrongPwdAttempts"], 0);
}

async fn password_grant_honours_role_and_lockout(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let client = api_client(&app, &Scope::ALL).await;
    let support = app.add_operator("sam@example.com", Role::Support).await;
    let grant = |username: &'static str, password: &'static str, scope: &'static str| {
        let client = &client;
        let app = &app;
        async move {
            token(
                app,
                &[
                    ("grant_type", "password"),
                    ("client_id", &client.client_id),
                    ("client_secret", &client.client_secret),
                    ("username", username),
                    ("password", password),
                    ("scope", scope),
                ],
            )
            .await
        }
    };
    // The role caps the scopes: a Support operator gets no support_user_management.
    let (status, body) = grant("sam@example.com", PASSWORD, "read_only support_user_management").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "read_only");
    let (status, _) = get_support_users(&app, body["access_token"].as_str()).await;
    assert_eq!(status, 403);

    // A Manager's token reaches the list; deleting the Manager revokes it.
    let manager = app.add_operator("max@example.com", Role::Manager).await;
    let (_, body) = grant("max@example.com", PASSWORD, "support_user_management").await;
    let manager_token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(get_support_users(&app, Some(&manager_token)).await.0, 200);
    app.backend.delete_operator(&Actor::System, &RequestMeta::local(), manager).await.unwrap();
    assert_eq!(get_support_users(&app, Some(&manager_token)).await.0, 401);

    // Wrong passwords through the API count toward the same lockout.
    for _ in 0..3 {
        let (status, body) = grant("sam@example.com", "wrong password!!", "read_only").await;
        assert_eq!(status, 401);
        assert_envelope(&body, "invalid_client");
    }
    let (status, _) = grant("sam@example.com", PASSWORD, "read_only").await;
    assert_eq!(status, 401, "blocked operators get no token");
    let ops = app.backend.list_operators(&Actor::System).await.unwrap();
    assert!(ops.iter().find(|o| o.id == support).unwrap().blocked);
}

async fn tokens_expire(flavor: Flavor) {
    let app = spawn_app_with(
        flavor,
        SessionSettings { api_token_lifetime: Duration::from_secs(600), ..SessionSettings::default() },
    )
    .await;
    let client = api_client(&app, &[Scope::SupportUserManagement]).await;
    let (_, body) = client_credentials(&app, &client, None).await;
    assert_eq!(body["expires_in"], 600);
    let t = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(get_support_users(&app, Some(&t)).await.0, 200);
    app.clock.advance(Duration::from_secs(590));
    assert_eq!(get_support_users(&app, Some(&t)).await.0, 200, "a token works for its whole lifetime");
    app.clock.advance(Duration::from_secs(11));
    let (status, body) = get_support_users(&app, Some(&t)).await;
    assert_eq!(status, 401);
    assert_envelope(&body, "unauthorized");
}

/// `GET /v1/users/{userId}` checks the token in the statement that reads the user: every
/// refusal of the other routes holds there too, in the same order (401, then 400, 403, 404).
async fn a_read_by_id_checks_its_token_in_its_own_statement_as_every_route_does(flavor: Flavor) {
    let app = spawn_app_with(
        flavor,
        SessionSettings { api_token_lifetime: Duration::from_secs(600), ..SessionSettings::default() },
    )
    .await;
    let input =
        serde_json::json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": "ada@example.com", "firstname": "Ada"});
    let user = app
        .backend
        .create_user(&Actor::System, &RequestMeta::local(), input.as_object().unwrap().clone())
        .await
        .unwrap();
    let get = |path: String, bearer: Option<String>| {
        let app = &app;
        async move {
            let mut req = browser().get(format!("{}{path}", app.base_url));
            if let Some(t) = bearer {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        }
    };
    let access = |client: NewApiClient| {
        let app = &app;
        async move { client_credentials(app, &client, None).await.1["access_token"].as_str().unwrap().to_string() }
    };
    let path = format!("/v1/users/{}", user.id);
    let reader = access(api_client(&app, &[Scope::ReadOnly]).await).await;

    let (status, body) = get(path.clone(), Some(reader.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["users"][0]["userId"], user.id);
    assert_eq!(body["users"][0]["email"], "ada@example.com");
    assert_eq!(body["users"][0]["firstname"], "Ada");
    assert_eq!(body["users"].as_array().unwrap().len(), 1);
    // Not there, not an id.
    let (status, body) = get(format!("/v1/users/{}", user.id + 1000), Some(reader.clone())).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(get("/v1/users/abc".into(), Some(reader.clone())).await.0, 400);
    // No token, an unknown one (with a bad id too: the token is refused first).
    let (status, body) = get(path.clone(), None).await;
    assert_eq!(status, 401);
    assert_envelope(&body, "unauthorized");
    assert_eq!(get(path.clone(), Some("not-a-token".into())).await.0, 401);
    assert_eq!(get("/v1/users/abc".into(), Some("not-a-token".into())).await.0, 401);
    assert_eq!(get(format!("/v1/users/{}", user.id + 1000), Some("not-a-token".into())).await.0, 401);
    // A token without the scope: 403, whether the user exists or not.
    let other = access(api_client(&app, &[Scope::SupportUserManagement]).await).await;
    let (status, body) = get(path.clone(), Some(other.clone())).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["users"].is_null() && !body.to_string().contains("ada@"), "{body}");
    assert_eq!(get(format!("/v1/users/{}", user.id + 1000), Some(other)).await.0, 403);
    // An operator's token (password grant) dies with the operator.
    let client = api_client(&app, &Scope::ALL).await;
    let operator = app.add_operator("ro@example.com", Role::SupportReadOnly).await;
    let (_, grant) = token(
        &app,
        &[
            ("grant_type", "password"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("username", "ro@example.com"),
            ("password", PASSWORD),
            ("scope", "read_only"),
        ],
    )
    .await;
    let operator_token = grant["access_token"].as_str().unwrap().to_string();
    assert_eq!(get(path.clone(), Some(operator_token.clone())).await.0, 200);
    app.backend.delete_operator(&Actor::System, &RequestMeta::local(), operator).await.unwrap();
    assert_eq!(get(path.clone(), Some(operator_token)).await.0, 401);
    // A revoked client's token, an expired token.
    let revoked_client = api_client(&app, &[Scope::ReadOnly]).await;
    let revoked_pk = revoked_client.id;
    let revoked = access(revoked_client).await;
    assert_eq!(get(path.clone(), Some(revoked.clone())).await.0, 200);
    app.backend.revoke_api_client(&Actor::System, &RequestMeta::local(), revoked_pk).await.unwrap();
    assert_eq!(get(path.clone(), Some(revoked)).await.0, 401);
    app.clock.advance(Duration::from_secs(601));
    assert_eq!(get(path, Some(reader)).await.0, 401);
}
