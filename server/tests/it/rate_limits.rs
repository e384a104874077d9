//! Per-address limits at the credential doors: 429 with `Retry-After` beyond the quota, on
//! every door; an address out of failed logins is refused before any account is looked at,
//! so one address cannot block every operator; the address is the TCP peer's unless the
//! server is told a proxy's header carries it.

use std::num::NonZeroU32;
use std::time::Duration;

use app::error::AppError;
use backend::rate_limit::RateLimitSettings;
use serde_json::{Value, json};
use shared::Role;

use crate::harness::{CLIENT_IP_HEADER, Flavor, PASSWORD, TestApp, browser, spawn_app_with_limits};

crate::on_both_databases!(
    every_credential_door_answers_429_with_retry_after_beyond_the_quota,
    one_address_cannot_block_every_operator,
);

/// How long these tests' servers hold a refusal.
const REFUSAL_DELAY: Duration = Duration::from_millis(400);

fn limits(attempts_per_minute: u32, failures: u32) -> RateLimitSettings {
    RateLimitSettings {
        attempts_per_minute: NonZeroU32::new(attempts_per_minute).unwrap(),
        failures_per_window: NonZeroU32::new(failures).unwrap(),
        failure_window: Duration::from_secs(15 * 60),
        refusal_delay: REFUSAL_DELAY,
    }
}

/// What a door answered: status, `Retry-After` in seconds, body.
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

async fn answer(res: reqwest::Response) -> Answer {
    let status = res.status().as_u16();
    let retry_after = res.headers().get("retry-after").map(|v| v.to_str().unwrap().parse().unwrap());
    let body = res.json().await.unwrap_or(Value::Null);
    Answer { status, retry_after, body }
}

/// A server function called from `address` (as the proxy in front would say).
async fn call_from(app: &TestApp, address: &str, endpoint: &str, args: Value) -> Answer {
    let res = browser()
        .post(format!("{}/api/{endpoint}", app.base_url))
        .header("x-backoffice-request", "1")
        .header(CLIENT_IP_HEADER, address)
        .json(&args)
        .send()
        .await
        .unwrap();
    answer(res).await
}

async fn login_from(app: &TestApp, address: &str, username: &str, password: &str) -> Answer {
    call_from(app, address, "session/login", json!({ "username": username, "password": password })).await
}

async fn token_from(app: &TestApp, address: &str, client_id: &str) -> Answer {
    let res = browser()
        .post(format!("{}/oauth/token", app.base_url))
        .header(CLIENT_IP_HEADER, address)
        .form(&[("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", "wrong")])
        .send()
        .await
        .unwrap();
    answer(res).await
}

fn assert_limited(answer: &Answer, door: &str) {
    assert_eq!(answer.status, 429, "{door}: {}", answer.body);
    let wait = answer.retry_after.unwrap_or_else(|| panic!("{door}: a 429 says how long to wait"));
    // A minute at most for attempts; a failure comes back every 15 min / 4 = 225 s.
    assert!((1..=225).contains(&wait), "{door}: Retry-After {wait}");
}

async fn every_credential_door_answers_429_with_retry_after_beyond_the_quota(flavor: Flavor) {
    let app = spawn_app_with_limits(flavor, limits(3, 100), true).await;
    app.add_operator("ada@example.com", Role::Support).await;
    let attacker = "203.0.113.7";

    for username in ["ada@example.com", "ada@example.com", "nobody@example.com"] {
        let refused = login_from(&app, attacker, username, "wrong password!!").await;
        assert_eq!(refused.status, 401, "within the quota: an ordinary refusal");
        assert_eq!(refused.retry_after, None);
    }
    // The fourth is refused at the door: had it reached Ada's account (two failures so
    // far), its wrong password would have blocked her.
    // It is held before it is answered (a tarpit: a guessing tool waits for each answer).
    let started = std::time::Instant::now();
    let limited = login_from(&app, attacker, "ada@example.com", "wrong password!!").await;
    assert!(started.elapsed() >= REFUSAL_DELAY, "a 429 held {:?}", started.elapsed());
    assert_limited(&limited, "dashboard login");
    let error: AppError = serde_json::from_value(limited.body).unwrap();
    assert!(matches!(error, AppError::RateLimited { retry_after_secs } if retry_after_secs >= 1), "{error:?}");
    assert!(error.to_string().starts_with("Too many attempts: try again in"), "{error}");

    // Every other door of the same address is closed too, in its own envelope.
    let started = std::time::Instant::now();
    let token = token_from(&app, attacker, "any-client").await;
    assert!(started.elapsed() >= REFUSAL_DELAY, "a REST 429 is held too: {:?}", started.elapsed());
    assert_limited(&token, "/oauth/token");
    assert_eq!(token.body["errors"][0]["code"], "rate_limited", "{}", token.body);
    let sign_up = call_from(&app, attacker, "public/sign-up", json!({"email": "x@example.com", "password": "x"})).await;
    assert_limited(&sign_up, "sign-up");
    let activate = call_from(&app, attacker, "public/activate", json!({"token": "whatever"})).await;
    assert_limited(&activate, "activation");
    let reset = call_from(&app, attacker, "public/reset-password", json!({"token": "t", "password": "x"})).await;
    assert_limited(&reset, "password reset");

    // Another address is not concerned, and Ada was not blocked.
    let other = login_from(&app, "198.51.100.20", "ada@example.com", PASSWORD).await;
    assert_eq!(other.status, 200, "{}", other.body);
    // Authenticated calls are not limited: the limits are for the credential doors only.
    let token = app.bearer(&shared::Scope::ALL).await;
    for _ in 0..5 {
        assert_eq!(app.rest(reqwest::Method::GET, "/v1/users?pageCount=1", &token, None).await.0, 200);
    }
}

async fn one_address_cannot_block_every_operator(flavor: Flavor) {
    let app = spawn_app_with_limits(flavor, limits(1000, 4), true).await;
    for name in ["one@example.com", "two@example.com", "three@example.com"] {
        app.add_operator(name, Role::Manager).await;
    }
    let attacker = "203.0.113.9";

    // Three wrong passwords still block an operator: the lockout rule is unchanged.
    for _ in 0..3 {
        assert_eq!(login_from(&app, attacker, "one@example.com", "wrong password!!").await.status, 401);
    }
    assert_eq!(login_from(&app, "198.51.100.1", "one@example.com", PASSWORD).await.status, 401, "one is blocked");
    // The address's fourth failure was its last one...
    assert_eq!(login_from(&app, attacker, "two@example.com", "wrong password!!").await.status, 401);
    // ...so from now on it is refused before any account is looked at, even with the
    // right password, and the other operators' counters do not move.
    for name in ["two@example.com", "three@example.com"] {
        for password in ["wrong password!!", PASSWORD] {
            assert_limited(&login_from(&app, attacker, name, password).await, "an address out of failures");
        }
    }
    let failed: i64 = sqlx::query_scalar("SELECT failed_logins FROM operators WHERE username = 'two@example.com'")
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
    assert_eq!(failed, 1, "refused attempts never count against the account");
    for name in ["two@example.com", "three@example.com"] {
        let ok = login_from(&app, "198.51.100.1", name, PASSWORD).await;
        assert_eq!(ok.status, 200, "{name} logs in from their own address: {}", ok.body);
    }
    // The password grant is the same door for an operator's password.
    let client = app
        .backend
        .create_api_client(&backend::Actor::System, &backend::RequestMeta::local(), "c", &shared::Scope::ALL)
        .await
        .unwrap();
    let grant = browser()
        .post(format!("{}/oauth/token", app.base_url))
        .header(CLIENT_IP_HEADER, attacker)
        .form(&[
            ("grant_type", "password"),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_str()),
            ("username", "three@example.com"),
            ("password", "wrong password!!"),
        ])
        .send()
        .await
        .unwrap();
    assert_limited(&answer(grant).await, "password grant");
}

/// Without a configured proxy header, the address is the TCP peer's: a client cannot pick
/// a fresh address per request by writing `X-Forwarded-For` itself.
#[tokio::test]
async fn a_client_cannot_claim_another_address_without_a_proxy() {
    let app = spawn_app_with_limits(Flavor::Sqlite, limits(2, 100), false).await;
    for n in 0..2 {
        let refused = login_from(&app, &format!("192.0.2.{n}"), "nobody@example.com", "wrong password!!").await;
        assert_eq!(refused.status, 401);
    }
    assert_limited(&login_from(&app, "192.0.2.99", "nobody@example.com", "x").await, "a spoofed header");
}

/// Behind a proxy, the address the proxy appended (the last one) is counted, not the ones
/// the client wrote before it; a request without the header counts as its TCP peer.
#[tokio::test]
async fn behind_a_proxy_the_last_address_counts() {
    let app = spawn_app_with_limits(Flavor::Sqlite, limits(2, 100), true).await;
    for n in 0..2 {
        let claimed = format!("10.0.0.{n}, 203.0.113.50");
        assert_eq!(login_from(&app, &claimed, "nobody@example.com", "x").await.status, 401);
    }
    assert_limited(&login_from(&app, "10.0.0.77, 203.0.113.50", "nobody@example.com", "x").await, "same last hop");
    assert_eq!(login_from(&app, "203.0.113.51", "nobody@example.com", "x").await.status, 401);
    // No header: the peer (127.0.0.1), which has its own quota.
    for _ in 0..2 {
        assert_eq!(app.login(&browser(), "nobody@example.com", "x").await, Err(AppError::InvalidCredentials));
    }
    let limited = app.login(&browser(), "nobody@example.com", "x").await;
    assert!(matches!(limited, Err(AppError::RateLimited { .. })), "{limited:?}");
}
