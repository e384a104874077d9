//! My sessions, ending an operator's sessions (Dashboard Users) and the API clients view,
//! through the server functions the dashboard calls.

use app::error::AppError;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::dto::{ApiClientSummary, NewApiClientCredentials, SessionInfo};
use shared::{Role, Scope};

use crate::harness::{Flavor, PASSWORD, TestApp, browser, spawn_app};

crate::on_both_databases!(
    an_operator_lists_and_ends_their_own_sessions_only,
    managers_end_every_session_and_token_of_an_operator,
    administrators_create_list_and_revoke_api_clients
);

fn browser_named(agent: &str) -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).user_agent(agent).build().unwrap()
}

async fn sessions(app: &TestApp, b: &reqwest::Client) -> Vec<SessionInfo> {
    app.call(b, "session/list", json!({})).await.unwrap()
}

async fn an_operator_lists_and_ends_their_own_sessions_only(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.add_operator("ops@example.com", Role::Support).await;
    let (here, there) = (browser_named("Browser One"), browser_named("Browser\tTwo"));
    app.login(&here, "ops@example.com", PASSWORD).await.unwrap();
    app.login(&there, "ops@example.com", PASSWORD).await.unwrap();

    let listed = sessions(&app, &here).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let current: Vec<_> = listed.iter().filter(|s| s.current).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].user_agent.as_deref(), Some("Browser One"));
    let other = listed.iter().find(|s| !s.current).unwrap();
    assert_eq!(other.user_agent.as_deref(), Some("BrowserTwo"), "control characters are dropped");
    assert_eq!(other.client_ip.as_deref(), Some("127.0.0.1"));
    assert!(!other.id.is_empty() && other.id != current[0].id);

    // Someone else cannot end it, nor tell it exists: an unknown id and another's are alike.
    let (stranger, _) = app.logged_in("stranger@example.com", Role::Administrator).await;
    let refused: Result<(), AppError> = app.call(&stranger, "session/end", json!({"id": other.id})).await;
    assert!(matches!(refused, Err(AppError::NotFound)), "{refused:?}");
    assert!(app.me(&there).await.is_some(), "still logged in");

    let () = app.call(&here, "session/end", json!({"id": other.id})).await.unwrap();
    assert!(app.me(&there).await.is_none(), "the other browser is logged out");
    assert!(app.me(&here).await.is_some(), "this one is not");
    assert_eq!(sessions(&app, &here).await.len(), 1);
    let again: Result<(), AppError> = app.call(&here, "session/end", json!({"id": other.id})).await;
    assert!(matches!(again, Err(AppError::NotFound)), "{again:?}");
    assert!(app.audit_actions().await.contains(&"operator.session_ended".to_string()));

    let anonymous: Result<Vec<SessionInfo>, AppError> = app.call(&browser(), "session/list", json!({})).await;
    assert!(matches!(anonymous, Err(AppError::Unauthenticated)), "{anonymous:?}");
}

async fn managers_end_every_session_and_token_of_an_operator(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (manager, _) = app.logged_in("manager@example.com", Role::Manager).await;
    let support_id = app.add_operator("support@example.com", Role::Support).await;
    let (one, two) = (browser(), browser());
    app.login(&one, "support@example.com", PASSWORD).await.unwrap();
    app.login(&two, "support@example.com", PASSWORD).await.unwrap();
    let token = app.password_grant("support@example.com", Some("read_only")).await;
    assert_eq!(app.rest(Method::GET, "/v1/users?pageCount=1", &token, None).await.0, StatusCode::OK);

    // Refusals first: a Support operator may not, nor may a Manager towards an Administrator.
    let admin_id = app.add_operator("admin@example.com", Role::Administrator).await;
    let (peer, _) = app.logged_in("peer@example.com", Role::Support).await;
    let refused: Result<u64, AppError> = app.call(&peer, "operators/end-sessions", json!({"id": support_id})).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let refused: Result<u64, AppError> = app.call(&manager, "operators/end-sessions", json!({"id": admin_id})).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let unknown: Result<u64, AppError> = app.call(&manager, "operators/end-sessions", json!({"id": 999_999})).await;
    assert!(matches!(unknown, Err(AppError::NotFound)), "{unknown:?}");
    assert!(app.me(&one).await.is_some());

    let ended: u64 = app.call(&manager, "operators/end-sessions", json!({"id": support_id})).await.unwrap();
    assert_eq!(ended, 2);
    assert!(app.me(&one).await.is_none() && app.me(&two).await.is_none());
    assert_eq!(app.rest(Method::GET, "/v1/users?pageCount=1", &token, None).await.0, StatusCode::UNAUTHORIZED);
    assert!(app.audit_actions().await.contains(&"operator.sessions_ended".to_string()));
    app.login(&one, "support@example.com", PASSWORD).await.expect("they may log in again");
}

async fn administrators_create_list_and_revoke_api_clients(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (admin, _) = app.logged_in("admin@example.com", Role::Administrator).await;
    let (manager, _) = app.logged_in("manager@example.com", Role::Manager).await;

    for (args, field) in
        [(json!({"name": "  ", "scopes": ["read_only"]}), "name"), (json!({"name": "partner", "scopes": []}), "scopes")]
    {
        let refused: Result<NewApiClientCredentials, AppError> = app.call(&admin, "api-clients/create", args).await;
        assert!(matches!(&refused, Err(AppError::Invalid { field: f, .. }) if f == field), "{refused:?}");
    }
    let refused: Result<NewApiClientCredentials, AppError> =
        app.call(&manager, "api-clients/create", json!({"name": "mine", "scopes": ["read_only"]})).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let refused: Result<Vec<ApiClientSummary>, AppError> = app.call(&manager, "api-clients/list", json!({})).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");

    let created: NewApiClientCredentials = app
        .call(&admin, "api-clients/create", json!({"name": "Partner", "scopes": ["read_only", "legal"]}))
        .await
        .unwrap();
    assert_eq!(created.client.scopes, [Scope::ReadOnly, Scope::Legal]);
    assert!(created.client.last_used_at.is_none() && created.client.revoked_at.is_none());
    assert!(created.client_secret.expose().len() >= 32);
    let listed: Vec<ApiClientSummary> = app.call(&admin, "api-clients/list", json!({})).await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&created.client));
    assert!(!serde_json::to_string(&listed).unwrap().contains(created.client_secret.expose()), "never shown again");

    let token_for = |secret: String| {
        let (base, client_id) = (app.base_url.clone(), created.client.client_id.clone());
        async move {
            let res = browser()
                .post(format!("{base}/oauth/token"))
                .form(&[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &secret)])
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap()["access_token"].as_str().map(str::to_string))
        }
    };
    let (status, token) = token_for(created.client_secret.expose().to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let token = token.unwrap();
    assert_eq!(app.rest(Method::GET, "/v1/users?pageCount=1", &token, None).await.0, StatusCode::OK);
    let listed: Vec<ApiClientSummary> = app.call(&admin, "api-clients/list", json!({})).await.unwrap();
    assert!(listed[0].last_used_at.is_some(), "a grant is a use");

    let revoked: ApiClientSummary =
        app.call(&admin, "api-clients/revoke", json!({"id": created.client.id})).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(app.rest(Method::GET, "/v1/users?pageCount=1", &token, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(token_for(created.client_secret.expose().to_string()).await.0, StatusCode::UNAUTHORIZED);
    let again: Result<ApiClientSummary, AppError> =
        app.call(&admin, "api-clients/revoke", json!({"id": created.client.id})).await;
    assert!(matches!(again, Err(AppError::Conflict(_))), "{again:?}");
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"api_client.created".to_string()) && actions.contains(&"api_client.revoked".to_string()));

    // Nobody gives scopes they do not hold: an API client holding `admin` only.
    let narrow = backend::Actor::ApiClient(backend::auth::ApiClient {
        id: 1,
        client_id: "narrow".into(),
        name: "narrow".into(),
        scopes: vec![Scope::Admin],
    });
    let meta = backend::RequestMeta::local();
    let refused = app.backend.create_api_client(&narrow, &meta, "wider", &[Scope::Legal]).await;
    assert!(matches!(refused, Err(backend::Error::Forbidden(_))), "{:?}", refused.err());
    assert!(app.backend.create_api_client(&narrow, &meta, "same", &[Scope::Admin]).await.is_ok());
}
