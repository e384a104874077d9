//! Cross-site calls are refused before any server function runs; errors never carry
//! internal text; health check.

use app::error::AppError;
use shared::Role;

use crate::harness::{Flavor, PASSWORD, browser, chunked_post, declared_post, spawn_app};

crate::on_both_databases!(
    cross_site_calls_are_refused,
    healthz_answers_when_the_database_does,
    server_function_refusals_answer_their_own_status,
    unknown_api_paths_are_404_in_the_api_envelope,
    extreme_paging_and_long_terms_never_fail_the_server,
    bodies_over_the_limit_answer_413_on_every_route,
    requests_for_another_host_are_refused,
    personal_data_is_never_cached,
);

/// Zero, negative and huge page numbers give a page (maybe empty), a search term past its
/// maximum is a 400: never a 500.
async fn extreme_paging_and_long_terms_never_fail_the_server(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (admin, _) = app.logged_in("admin@example.com", Role::Administrator).await;
    for (page, size) in [(i64::MAX, i64::MAX), (0, 0), (-3, -3), (i64::MIN, 10)] {
        let audit = app
            .call::<shared::dto::Page<shared::dto::AuditEntry>>(
                &admin,
                "audit/list",
                serde_json::json!({"page": page, "page_size": size}),
            )
            .await;
        assert!(audit.is_ok(), "audit page {page}/{size}: {audit:?}");
        let onboarding = app
            .call::<shared::dto::Page<shared::dto::OnboardingEntry>>(
                &admin,
                "onboarding/list",
                serde_json::json!({"completed": false, "page": page, "page_size": size}),
            )
            .await;
        assert!(onboarding.is_ok(), "onboarding page {page}/{size}: {onboarding:?}");
    }
    let t = app.bearer(&shared::Scope::ALL).await;
    let long = "a".repeat(101);
    for query in [format!("name={long}"), format!("legalName={long}"), "pageNumber=99999999999999999999".to_string()] {
        let (status, body) = app.rest(reqwest::Method::GET, &format!("/v1/users?{query}"), &t, None).await;
        assert_eq!(status, 400, "{query}: {body}");
    }
}

/// Each kind of refusal answers its 4xx, with the allow-listed body; nothing answers 500.
async fn server_function_refusals_answer_their_own_status(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.add_operator("root@example.com", Role::Administrator).await;
    let call = |b: reqwest::Client, endpoint: &'static str, body: serde_json::Value| {
        let url = format!("{}/api/{endpoint}", app.base_url);
        async move {
            let res = b.post(url).header("x-backoffice-request", "1").json(&body).send().await.unwrap();
            let status = res.status().as_u16();
            (status, serde_json::from_str::<AppError>(&res.text().await.unwrap()).ok())
        }
    };
    let wrong = serde_json::json!({"username": "root@example.com", "password": "not the password at all"});
    assert_eq!(call(browser(), "session/login", wrong).await, (401, Some(AppError::InvalidCredentials)));
    assert_eq!(call(browser(), "operators/list", serde_json::json!({})).await, (401, Some(AppError::Unauthenticated)));
    let (ro, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let (status, error) = call(ro, "operators/list", serde_json::json!({})).await;
    assert_eq!((status, matches!(error, Some(AppError::Forbidden(_)))), (403, true));
    let (admin, admin_id) = app.logged_in("admin@example.com", Role::Administrator).await;
    let (status, error) = call(admin.clone(), "users/profile", serde_json::json!({"id": 424242})).await;
    assert_eq!((status, error), (404, Some(AppError::NotFound)));
    let bad = serde_json::json!({"form": {"username": "not-an-email", "role": "Support", "password": PASSWORD, "saml_key": ""}});
    let (status, error) = call(admin.clone(), "operators/create", bad).await;
    assert_eq!((status, matches!(error, Some(AppError::Invalid { .. }))), (400, true));
    let (status, error) = call(admin, "operators/delete", serde_json::json!({"id": admin_id})).await;
    assert_eq!((status, matches!(error, Some(AppError::Conflict(_)))), (409, true), "no self-delete");
}

/// Only browser routes fall back to the app; an unknown API path is the API's 404.
async fn unknown_api_paths_are_404_in_the_api_envelope(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    for path in ["/v1/nothing", "/v1/cards/1/Explode", "/core-connect/nothing/here", "/oauth/authorize"] {
        let res = browser().get(format!("{}{path}", app.base_url)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "resource_not_found_error", "{path}");
    }
    // A browser route still goes to the app's fallback (the tests serve an empty dist, so
    // it is not found there, but never answered by the API).
    let page = browser().get(format!("{}/users", app.base_url)).send().await.unwrap();
    assert!(page.json::<serde_json::Value>().await.map_or(true, |v| v.get("errors").is_none()));
}

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

/// A body over 1 MiB is a 413 on every route (documents' uploads excepted, up to theirs),
/// before any handler reads it; a body under the limit is read as usual.
async fn bodies_over_the_limit_answer_413_on_every_route(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let token = app.bearer(&shared::Scope::ALL).await;
    let over = server::security::BODY_LIMIT + 1;
    for path in [
        "/api/session/login",
        "/api/public/sign-up",
        "/v1/users",
        "/oauth/token",
        "/core-connect/sca/scawallets",
        "/somewhere/in/the/app",
    ] {
        assert_eq!(declared_post(&app.base_url, path, &token, over).await, 413, "{path}");
    }
    // A chunked body (no Content-Length) is cut at the limit too.
    for path in ["/v1/users", "/api/session/login", "/oauth/token"] {
        assert_eq!(chunked_post(&app.base_url, path, &token, 40, 64 * 1024).await, 413, "{path}");
    }
    // The credential doors take a few fields: 16 KiB (their refusals are held a while).
    let over_a_door = server::security::CREDENTIAL_BODY_LIMIT + 1;
    for path in ["/api/session/login", "/api/public/sign-up", "/api/two-factor/confirm", "/oauth/token"] {
        assert_eq!(declared_post(&app.base_url, path, &token, over_a_door).await, 413, "{path}");
    }
    let res = browser()
        .post(format!("{}/v1/users", app.base_url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(format!("{{\"userTag\": \"{}\"}}", "x".repeat(over_a_door)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "other routes keep the 1 MiB limit: read, then refused for what it says");
    // A document may be larger (its own limit applies).
    let res = browser()
        .post(format!("{}/v1/documents", app.base_url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(format!("{{\"name\": \"{}\"}}", "x".repeat(2 * server::security::BODY_LIMIT)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "read, then refused for what it says");
}

/// Behind https, browsers are told to keep to it (HSTS).
#[tokio::test]
async fn https_deployments_send_hsts() {
    use tower::ServiceExt;
    let app = spawn_app(Flavor::Sqlite).await;
    let state = server::AppState {
        backend: app.backend.clone(),
        cookie: app::ssr::SessionCookie { secure: true },
        dist: std::sync::Arc::new(std::env::temp_dir().join("backoffice-test-empty-dist")),
        public_host: None,
        client_ip_header: None,
    };
    let request = axum::http::Request::get("/healthz").body(axum::body::Body::empty()).unwrap();
    let res = server::http::router(state).oneshot(request).await.unwrap();
    assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
}

/// Answers carrying personal data say `Cache-Control: no-store`; static files do not.
async fn personal_data_is_never_cached(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let token = app.bearer(&shared::Scope::ALL).await;
    let (b, _) = app.logged_in("nostore@example.com", Role::Support).await;
    for res in [
        browser().get(format!("{}/v1/users?pageCount=1", app.base_url)).bearer_auth(&token).send().await.unwrap(),
        browser().get(format!("{}/v1/users/999", app.base_url)).bearer_auth(&token).send().await.unwrap(),
        b.post(format!("{}/api/session/me", app.base_url))
            .header("x-backoffice-request", "1")
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap(),
    ] {
        let url = res.url().to_string();
        assert_eq!(res.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{url}");
        assert!(res.headers().get("strict-transport-security").is_none(), "plain http: no HSTS");
    }
    let res = browser().get(format!("{}/healthz", app.base_url)).send().await.unwrap();
    assert!(res.headers().get("cache-control").is_none());
}

/// With a public URL configured, a request naming another host (DNS rebinding: a foreign
/// name pointed at this server) is refused before anything runs; the public name passes,
/// and `/healthz` answers whatever the name.
async fn requests_for_another_host_are_refused(flavor: Flavor) {
    use tower::ServiceExt;
    let app = spawn_app(flavor).await;
    let state = server::AppState {
        backend: app.backend.clone(),
        cookie: app::ssr::SessionCookie { secure: true },
        dist: std::sync::Arc::new(std::env::temp_dir().join("backoffice-test-empty-dist")),
        public_host: server::security::authority_of("https://backoffice.example.com"),
        client_ip_header: None,
    };
    let router = server::http::router(state);
    let call = |host: &str, path: &str, method: &str| {
        let request = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", host)
            .header("content-type", "application/json")
            .header("x-backoffice-request", "1")
            .header("origin", format!("https://{host}"))
            .body(axum::body::Body::from("{}"))
            .unwrap();
        let router = router.clone();
        async move { router.oneshot(request).await.unwrap().status().as_u16() }
    };
    assert_eq!(call("evil.example", "/api/session/me", "POST").await, 421);
    assert_eq!(call("evil.example", "/v1/users/1", "GET").await, 421);
    assert_eq!(call("evil.example", "/", "GET").await, 421);
    assert_eq!(call("BackOffice.example.com", "/api/session/me", "POST").await, 200);
    assert_eq!(call("backoffice.example.com", "/v1/users/1", "GET").await, 401, "through to the API");
    assert_eq!(call("10.0.0.7:3000", "/healthz", "GET").await, 200);
}
