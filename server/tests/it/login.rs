//! Login, lockout after 3 failures (also under parallel attempts), identical refusals,
//! unblock, sessions and their timeouts.

use std::time::Duration;

use app::error::AppError;
use backend::SessionSettings;
use shared::Role;

use crate::harness::{Flavor, PASSWORD, browser, spawn_app, spawn_app_with};

crate::on_both_databases!(
    login_opens_a_session_and_logout_ends_it,
    three_failures_block_and_a_success_resets_the_counter,
    parallel_wrong_attempts_check_at_most_three_passwords,
    unknown_wrong_and_blocked_look_the_same,
    unblock_lets_the_operator_back_in,
    idle_and_absolute_timeouts_end_sessions,
    a_burst_of_logins_is_refused_at_once_not_queued,
);

async fn login_opens_a_session_and_logout_ends_it(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let id = app.add_operator("ada@example.com", Role::Support).await;
    let b = browser();
    assert_eq!(app.me(&b).await, None);

    let me = app.login(&b, "ADA@example.com", PASSWORD).await.unwrap();
    assert_eq!((me.id, me.username.as_str(), me.role), (id, "ada@example.com", Role::Support));
    assert_eq!(app.me(&b).await.map(|m| m.id), Some(id));
    assert_eq!(app.backend.session_count(id).await.unwrap(), 1);

    // A second login gets a new session id: the first stays valid on its own browser.
    let other = browser();
    app.login(&other, "ada@example.com", PASSWORD).await.unwrap();
    assert_eq!(app.backend.session_count(id).await.unwrap(), 2);

    app.call::<()>(&b, "session/logout", serde_json::json!({})).await.unwrap();
    assert_eq!(app.me(&b).await, None);
    assert_eq!(app.me(&other).await.map(|m| m.id), Some(id));
    assert_eq!(app.backend.session_count(id).await.unwrap(), 1);
}

async fn three_failures_block_and_a_success_resets_the_counter(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.add_operator("bob@example.com", Role::Support).await;
    let b = browser();
    // Two failures, then a success: the counter starts again.
    for _ in 0..2 {
        assert_eq!(app.login(&b, "bob@example.com", "wrong password!!").await, Err(AppError::InvalidCredentials));
    }
    app.login(&b, "bob@example.com", PASSWORD).await.unwrap();
    // Two more failures do not block, the third does.
    for _ in 0..2 {
        app.login(&b, "bob@example.com", "wrong password!!").await.unwrap_err();
    }
    let fresh = browser();
    app.login(&fresh, "bob@example.com", PASSWORD).await.expect("two failures after a success do not block");
    for _ in 0..3 {
        app.login(&b, "bob@example.com", "wrong password!!").await.unwrap_err();
    }
    // Blocked: the right password no longer opens a session, and live sessions ended.
    assert_eq!(app.login(&browser(), "bob@example.com", PASSWORD).await, Err(AppError::InvalidCredentials));
    assert_eq!(app.me(&fresh).await, None, "blocking ends existing sessions");
    let actions = app.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "operator.blocked").count(), 1);
}

async fn parallel_wrong_attempts_check_at_most_three_passwords(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let id = app.add_operator("carol@example.com", Role::Support).await;
    let attempts = (0..50).map(|i| {
        let app_url = app.base_url.clone();
        async move {
            let b = browser();
            let res = b
                .post(format!("{app_url}/api/session/login"))
                .header("x-backoffice-request", "1")
                .json(&serde_json::json!({"username": "carol@example.com", "password": format!("guess number {i}")}))
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }
    });
    let results = futures_join_all(attempts).await;
    // Each is refused: for its password (401), or at once when every argon2 slot is taken
    // (503, and then it counts as no attempt at all).
    assert!(results.iter().all(|s| *s == 401 || *s == 503), "{results:?}");
    let busy = results.iter().filter(|s| **s == 503).count();
    let actions = app.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "login.failed").count(), 3, "exactly three passwords were checked");
    assert_eq!(actions.iter().filter(|a| *a == "login.refused").count(), 47 - busy);
    assert_eq!(actions.iter().filter(|a| *a == "operator.blocked").count(), 1);
    let op = app.backend.list_operators(&backend::Actor::System).await.unwrap();
    assert!(op.iter().find(|o| o.id == id).unwrap().blocked);
    assert_eq!(app.login(&browser(), "carol@example.com", PASSWORD).await, Err(AppError::InvalidCredentials));
}

async fn futures_join_all<T: Send + 'static, F: std::future::Future<Output = T> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<T> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn unknown_wrong_and_blocked_look_the_same(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.add_operator("dan@example.com", Role::Support).await;
    app.add_operator("eve@example.com", Role::Support).await;
    for _ in 0..3 {
        app.login(&browser(), "eve@example.com", "wrong password!!").await.unwrap_err();
    }
    let raw = |username: &'static str, password: &'static str| {
        let url = format!("{}/api/session/login", app.base_url);
        async move {
            let res = browser()
                .post(url)
                .header("x-backoffice-request", "1")
                .json(&serde_json::json!({"username": username, "password": password}))
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let unknown = raw("nobody@example.com", PASSWORD).await;
    let wrong = raw("dan@example.com", "wrong password!!").await;
    let blocked = raw("eve@example.com", PASSWORD).await;
    assert!(!unknown.0.is_success());
    assert_eq!(unknown, wrong);
    assert_eq!(wrong, blocked);
    assert!(unknown.1.contains("InvalidCredentials"), "{}", unknown.1);
}

async fn unblock_lets_the_operator_back_in(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (manager, _) = app.logged_in("manager@example.com", Role::Manager).await;
    let frank = app.add_operator("frank@example.com", Role::Support).await;
    let not_blocked =
        app.call::<serde_json::Value>(&manager, "operators/unblock", serde_json::json!({"id": frank})).await;
    assert!(matches!(not_blocked, Err(AppError::Conflict(_))), "{not_blocked:?}");
    for _ in 0..3 {
        app.login(&browser(), "frank@example.com", "wrong password!!").await.unwrap_err();
    }
    // A Support operator may not unblock.
    let (support, _) = app.logged_in("sue@example.com", Role::Support).await;
    let refused = app.call::<serde_json::Value>(&support, "operators/unblock", serde_json::json!({"id": frank})).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");

    let unblocked: shared::dto::OperatorSummary =
        app.call(&manager, "operators/unblock", serde_json::json!({"id": frank})).await.unwrap();
    assert!(!unblocked.blocked);
    app.login(&browser(), "frank@example.com", PASSWORD).await.expect("unblocked operator logs in");
    // The counter was reset: two failures do not block again.
    for _ in 0..2 {
        app.login(&browser(), "frank@example.com", "wrong password!!").await.unwrap_err();
    }
    app.login(&browser(), "frank@example.com", PASSWORD).await.unwrap();
}

async fn idle_and_absolute_timeouts_end_sessions(flavor: Flavor) {
    let minutes = |m: u64| Duration::from_secs(m * 60);
    let settings =
        SessionSettings { idle_timeout: minutes(30), absolute_timeout: minutes(120), ..SessionSettings::default() };

    // Idle: each use within the timeout keeps the session; 30 minutes unused end it.
    let idle = spawn_app_with(flavor, settings.clone()).await;
    let (b, _) = idle.logged_in("gina@example.com", Role::Support).await;
    for _ in 0..3 {
        idle.clock.advance(minutes(29));
        assert!(idle.me(&b).await.is_some(), "a session used within its idle timeout lives on");
    }
    idle.clock.advance(minutes(30));
    assert_eq!(idle.me(&b).await, None, "idle session ended");

    // Absolute: however busy, a session ends 2 hours after login.
    let absolute = spawn_app_with(flavor, settings).await;
    let (b, _) = absolute.logged_in("hal@example.com", Role::Support).await;
    for _ in 0..4 {
        absolute.clock.advance(minutes(29));
        assert!(absolute.me(&b).await.is_some(), "a busy session lives until its absolute timeout");
    }
    absolute.clock.advance(minutes(5));
    assert_eq!(absolute.me(&b).await, None, "session past its absolute lifetime ended");
}

/// A burst of logins larger than the argon2 slots: the surplus is answered 503 at once (no
/// queue of hashes), never 500; the health check still answers meanwhile; afterwards a
/// login works.
async fn a_burst_of_logins_is_refused_at_once_not_queued(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.add_operator("dave@example.com", Role::Support).await;
    let attempts = (0..60).map(|i| {
        let app_url = app.base_url.clone();
        async move {
            let res = browser()
                .post(format!("{app_url}/api/session/login"))
                .header("x-backoffice-request", "1")
                .json(&serde_json::json!({"username": format!("nobody{i}@example.com"), "password": "a wrong pass phrase"}))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body = res.text().await.unwrap();
            (status, body)
        }
    });
    let health = {
        let url = format!("{}/healthz", app.base_url);
        tokio::spawn(async move { browser().get(url).send().await.unwrap().status().as_u16() })
    };
    let results = futures_join_all(attempts).await;
    assert_eq!(health.await.unwrap(), 200);
    assert!(results.iter().all(|(s, _)| *s == 401 || *s == 503), "{results:?}");
    let busy: Vec<_> = results.iter().filter(|(s, _)| *s == 503).collect();
    assert!(!busy.is_empty(), "60 at once exceed the slots");
    assert!(busy.iter().all(|(_, body)| body.contains("Busy")), "the app's error shape: {busy:?}");
    app.login(&browser(), "dave@example.com", PASSWORD).await.expect("a login works afterwards");
}
