//! Cross-site calls are refused before any server function runs; errors never carry
//! internal text; health check.

use app::error::AppError;
use shared::Role;

use crate::harness::{Flavor, PASSWORD, browser, spawn_app};

crate::on_both_databases!(cross_site_calls_are_refused, healthz_answers_when_the_database_does);

async fn cross_site_calls_are_refused(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.add_operator("root@example.com", Role::Administrator).await;
    let url = format!("{}/api/session/login", app.base_url);
    let body = serde_json::json!({"username": "root@example.com", "password": PASSWORD});
    let b = browser();

    let no_header = b.post(&url).json(&body).send().await.unwrap();
    assert_eq!(no_header.status(), 403);
    let foreign = b
        .post(&url)
        .header("x-backoffice-request", "1")
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let cross_fetch = b
        .post(&url)
        .header("x-backoffice-request", "1")
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_fetch.status(), 403);
    let refused: AppError = serde_json::from_str(&cross_fetch.text().await.unwrap()).unwrap();
    assert!(matches!(refused, AppError::Forbidden(_)));
    // None of them logged in.
    assert_eq!(app.me(&b).await, None);
    assert!(!app.audit_actions().await.contains(&"login.succeeded".to_string()));

    let same_origin = b
        .post(&url)
        .header("x-backoffice-request", "1")
        .header("origin", app.base_url.as_str())
        .header("sec-fetch-site", "same-origin")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(same_origin.status().is_success());
    let cookie = same_origin.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(same_origin.headers().get("x-request-id").is_some());
    assert!(same_origin.headers().get("content-security-policy").is_some());
}

async fn healthz_answers_when_the_database_does(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let ok = browser().get(format!("{}/healthz", app.base_url)).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    app.backend.db.close().await;
    let down = browser().get(format!("{}/healthz", app.base_url)).send().await.unwrap();
    assert_eq!(down.status(), 503);
}
