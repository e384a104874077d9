//! Two-factor authentication of operators (TOTP, RFC 6238): enrolment, the code at login
//! (once per step, counted by the lockout), recovery codes, enforcement per role, the
//! Administrator's reset and the password grant's refusal. Codes are computed here with
//! `totp-rs` from the secret the set-up shows, as an authenticator app would.

use std::time::Duration;

use app::error::AppError;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::dto::{
    Me, OperatorSummary, PendingStep, RecoveryCodes, SystemSettings, TwoFactorEnrolment, TwoFactorStatus,
};
use shared::{Role, Scope};

use crate::harness::{Flavor, PASSWORD, TestApp, browser, spawn_app};

crate::on_both_databases!(
    an_enrolled_operator_logs_in_with_each_code_once,
    wrong_codes_count_towards_the_lockout_and_a_right_password_buys_no_guesses,
    a_recovery_code_logs_in_once,
    a_role_can_require_two_factor_before_anything_else,
    administrators_reset_two_factor_and_nobody_else,
    the_password_grant_refuses_operators_with_two_factor,
);

/// The code an authenticator app holding `secret` shows at `unix` seconds.
fn code_at(secret: &str, unix: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.replace(' ', "")).to_bytes().unwrap();
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 0, 30, bytes, None, "app".into()).unwrap();
    totp.generate(unix as u64)
}

/// A six-digit code that is not the right one at `unix` (nor a neighbour's).
fn wrong_code(secret: &str, unix: i64) -> String {
    let near: Vec<String> = [-30, 0, 30].iter().map(|d| code_at(secret, unix + d)).collect();
    (0..10).map(|d| d.to_string().repeat(6)).find(|c| !near.contains(c)).unwrap()
}

/// Sets up two-factor authentication for the operator logged in on `b`: (secret, codes).
async fn enrol(app: &TestApp, b: &reqwest::Client) -> (String, Vec<String>) {
    let enrolment: TwoFactorEnrolment =
        app.call(b, "two-factor/start", json!({"current_password": PASSWORD})).await.unwrap();
    let secret = enrolment.secret.expose().to_string();
    let code = code_at(&secret, app.clock.unix_now());
    let (_, codes): (Me, RecoveryCodes) = app.call(b, "two-factor/confirm", json!({"code": code})).await.unwrap();
    (secret, codes.0.iter().map(|c| c.expose().to_string()).collect())
}

async fn verify(app: &TestApp, b: &reqwest::Client, code: &str) -> Result<Me, AppError> {
    app.call(b, "session/verify-code", json!({"code": code})).await
}

async fn operator(app: &TestApp, username: &str) -> OperatorSummary {
    let all = app.backend.list_operators(&backend::Actor::System).await.unwrap();
    all.into_iter().find(|o| o.username == username).unwrap()
}

async fn settings_of(app: &TestApp, b: &reqwest::Client) -> Result<SystemSettings, AppError> {
    app.call(b, "settings/get", json!({})).await
}

fn is_forbidden<T: std::fmt::Debug>(result: &Result<T, AppError>) -> bool {
    matches!(result, Err(AppError::Forbidden(_)))
}

async fn an_enrolled_operator_logs_in_with_each_code_once(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (b, id) = app.logged_in("ops@example.com", Role::Support).await;

    // The set-up asks for the password again; a wrong one counts as a failed login.
    let refused: Result<TwoFactorEnrolment, AppError> =
        app.call(&b, "two-factor/start", json!({"current_password": "not the password"})).await;
    assert!(matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "currentPassword"), "{refused:?}");
    assert_eq!(operator(&app, "ops@example.com").await.failed_logins, 1);

    let enrolment: TwoFactorEnrolment =
        app.call(&b, "two-factor/start", json!({"current_password": PASSWORD})).await.unwrap();
    assert!(enrolment.qr_svg.contains("<svg"), "{}", &enrolment.qr_svg[..80.min(enrolment.qr_svg.len())]);
    let uri = enrolment.otpauth_uri.expose();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains("issuer=") && uri.contains("ops%40example.com") && uri.contains("secret="), "{uri}");
    let secret = enrolment.secret.expose().to_string();
    assert_eq!(secret.replace(' ', "").len(), 32, "160 bits in base32: {secret}");
    assert!(!operator(&app, "ops@example.com").await.two_factor, "not on before a code confirms it");

    let now = app.clock.unix_now();
    let refused: Result<(Me, RecoveryCodes), AppError> =
        app.call(&b, "two-factor/confirm", json!({"code": wrong_code(&secret, now)})).await;
    assert!(matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "code"), "{refused:?}");
    let (me, codes): (Me, RecoveryCodes) =
        app.call(&b, "two-factor/confirm", json!({"code": code_at(&secret, now)})).await.unwrap();
    assert_eq!(me.pending, None);
    assert_eq!(codes.0.len(), RecoveryCodes::COUNT);
    let distinct: std::collections::HashSet<_> = codes.0.iter().map(|c| c.expose().to_string()).collect();
    assert_eq!(distinct.len(), RecoveryCodes::COUNT);
    let status: TwoFactorStatus = app.call(&b, "two-factor/status", json!({})).await.unwrap();
    assert!(status.enrolled_at.is_some() && !status.required);
    assert_eq!(status.recovery_codes_left, 10);
    let summary = operator(&app, "ops@example.com").await;
    assert!(summary.two_factor);
    assert_eq!(summary.failed_logins, 0, "the set-up does not leave the wrong password counted");
    // Only digests are stored.
    let stored: Vec<String> = sqlx::query_scalar("SELECT code_digest FROM operator_recovery_codes")
        .fetch_all(&app.backend.db.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    assert!(codes.0.iter().all(|c| !stored.contains(&c.expose().to_string())));

    // The password alone opens a session that grants nothing.
    let other = browser();
    let me = app.login(&other, "ops@example.com", PASSWORD).await.unwrap();
    assert_eq!(me.pending, Some(PendingStep::EnterCode));
    assert_eq!(app.me(&other).await.unwrap().pending, Some(PendingStep::EnterCode));
    assert!(is_forbidden(&settings_of(&app, &other).await));
    assert!(is_forbidden(&app.call::<Value>(&other, "session/list", json!({})).await));
    let change: Result<Me, AppError> = app
        .call(&other, "session/change-password", json!({"current": PASSWORD, "new": "a brand new passphrase"}))
        .await;
    assert!(is_forbidden(&change), "{change:?}");
    assert!(is_forbidden(&app.call::<Value>(&other, "two-factor/start", json!({"current_password": PASSWORD})).await));
    // The enrolled browser sees it waiting: someone gave the password here.
    let listed: Vec<shared::dto::SessionInfo> = app.call(&b, "session/list", json!({})).await.unwrap();
    assert_eq!(listed.iter().filter(|s| s.awaiting_code).count(), 1, "{listed:?}");

    // The code that confirmed the set-up was spent: the same step is refused.
    let replay = verify(&app, &other, &code_at(&secret, now)).await;
    assert!(matches!(replay, Err(AppError::InvalidCode)), "{replay:?}");
    app.clock.advance(Duration::from_secs(30));
    let later = code_at(&secret, app.clock.unix_now());
    let me = verify(&app, &other, &later).await.unwrap();
    assert_eq!(me.pending, None);
    assert!(settings_of(&app, &other).await.is_ok(), "a full session now");
    assert_eq!(app.backend.session_count(id).await.unwrap(), 2, "the waiting session was replaced, not kept");

    // The same code from a third browser: refused, it was used.
    let third = browser();
    app.login(&third, "ops@example.com", PASSWORD).await.unwrap();
    assert!(matches!(verify(&app, &third, &later).await, Err(AppError::InvalidCode)));
    let actions = app.audit_actions().await;
    for action in ["operator.two_factor_enrolment_started", "operator.two_factor_enrolled", "login.password_accepted"] {
        assert!(actions.contains(&action.to_string()), "{action} in {actions:?}");
    }
    assert_eq!(actions.last().map(String::as_str), Some("login.failed"));

    // A waiting session ends after five minutes.
    let slow = browser();
    app.login(&slow, "ops@example.com", PASSWORD).await.unwrap();
    app.clock.advance(Duration::from_secs(301));
    let late = verify(&app, &slow, &code_at(&secret, app.clock.unix_now())).await;
    assert!(matches!(late, Err(AppError::Unauthenticated)), "{late:?}");
    assert!(matches!(verify(&app, &browser(), "123456").await, Err(AppError::Unauthenticated)));
}

async fn wrong_codes_count_towards_the_lockout_and_a_right_password_buys_no_guesses(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (b, _) = app.logged_in("ops@example.com", Role::Support).await;
    let (secret, _) = enrol(&app, &b).await;

    let attacker = browser();
    app.login(&attacker, "ops@example.com", PASSWORD).await.unwrap();
    for _ in 0..2 {
        let wrong = verify(&app, &attacker, &wrong_code(&secret, app.clock.unix_now())).await;
        assert!(matches!(wrong, Err(AppError::InvalidCode)), "{wrong:?}");
    }
    assert_eq!(operator(&app, "ops@example.com").await.failed_logins, 2);
    // Logging in again with the right password does not give the guesses back.
    app.login(&attacker, "ops@example.com", PASSWORD).await.unwrap();
    assert_eq!(operator(&app, "ops@example.com").await.failed_logins, 2);
    let third = verify(&app, &attacker, &wrong_code(&secret, app.clock.unix_now())).await;
    assert!(matches!(third, Err(AppError::InvalidCode)), "{third:?}");

    let blocked = operator(&app, "ops@example.com").await;
    assert!(blocked.blocked, "{blocked:?}");
    assert!(app.me(&b).await.is_none(), "blocking ends every session");
    let refused = app.login(&browser(), "ops@example.com", PASSWORD).await;
    assert!(matches!(refused, Err(AppError::InvalidCredentials)), "{refused:?}");
    assert!(app.audit_actions().await.contains(&"operator.blocked".to_string()));
}

async fn a_recovery_code_logs_in_once(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (b, _) = app.logged_in("ops@example.com", Role::Support).await;
    let (_, codes) = enrol(&app, &b).await;

    let lost_phone = browser();
    app.login(&lost_phone, "ops@example.com", PASSWORD).await.unwrap();
    // Typed loosely: upper case, spaces for dashes.
    let typed = codes[0].to_uppercase().replace('-', " ");
    assert_eq!(verify(&app, &lost_phone, &typed).await.unwrap().pending, None);
    let status: TwoFactorStatus = app.call(&lost_phone, "two-factor/status", json!({})).await.unwrap();
    assert_eq!(status.recovery_codes_left, 9);
    let entry: String = sqlx::query_scalar(
        "SELECT after_json FROM audit_log WHERE action = 'login.succeeded' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.backend.db.pool)
    .await
    .unwrap();
    assert!(entry.contains("recoveryCode") && entry.contains("\"recoveryCodesLeft\":9"), "{entry}");

    let again = browser();
    app.login(&again, "ops@example.com", PASSWORD).await.unwrap();
    assert!(matches!(verify(&app, &again, &codes[0]).await, Err(AppError::InvalidCode)), "single use");
    assert!(matches!(verify(&app, &again, "abcd-efgh-ijkl-mnop").await, Err(AppError::InvalidCode)));
    assert_eq!(verify(&app, &again, &codes[1]).await.unwrap().pending, None);

    // Setting it up again (a new phone) takes a code of the current set-up too: a session
    // and the password are not enough to take the factor over.
    let start = |code: Option<&str>| {
        let (app, b) = (&app, again.clone());
        let args = json!({"current_password": PASSWORD, "current_code": code});
        async move { app.call::<TwoFactorEnrolment>(&b, "two-factor/start", args).await }
    };
    let refused = start(None).await;
    assert!(matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "currentCode"), "{refused:?}");
    let refused = start(Some("zzzz-zzzz-zzzz-zzzz")).await;
    assert!(matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "currentCode"), "{refused:?}");
    assert_eq!(operator(&app, "ops@example.com").await.failed_logins, 1, "a wrong code counts");
    let enrolment = start(Some(&codes[2])).await.unwrap();
    assert_eq!(operator(&app, "ops@example.com").await.failed_logins, 0);
    let new_secret = enrolment.secret.expose().to_string();
    let (_, fresh_codes): (Me, RecoveryCodes) = app
        .call(&again, "two-factor/confirm", json!({"code": code_at(&new_secret, app.clock.unix_now())}))
        .await
        .unwrap();
    // The old recovery codes went with the old set-up.
    let next = browser();
    app.login(&next, "ops@example.com", PASSWORD).await.unwrap();
    assert!(matches!(verify(&app, &next, &codes[3]).await, Err(AppError::InvalidCode)));
    assert_eq!(verify(&app, &next, fresh_codes.0[0].expose()).await.unwrap().pending, None);
}

async fn a_role_can_require_two_factor_before_anything_else(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (admin, _) = app.logged_in("admin@example.com", Role::Administrator).await;
    let (support, _) = app.logged_in("support@example.com", Role::Support).await;
    let token = app.password_grant("support@example.com", Some("read_only")).await;
    assert_eq!(app.rest(Method::GET, "/v1/users?pageCount=1", &token, None).await.0, StatusCode::OK);

    // Only System Configuration's holders decide it.
    let mut settings = settings_of(&app, &admin).await.unwrap();
    assert!(settings.two_factor_required_roles.is_empty());
    settings.two_factor_required_roles = vec![Role::Support, Role::SupportLegal];
    let refused: Result<SystemSettings, AppError> =
        app.call(&support, "settings/update", json!({"settings": settings})).await;
    assert!(is_forbidden(&refused), "{refused:?}");
    let saved: SystemSettings = app.call(&admin, "settings/update", json!({"settings": settings})).await.unwrap();
    assert_eq!(saved.two_factor_required_roles, [Role::Support, Role::SupportLegal]);

    // The open session now leads to the set-up and grants nothing else; the token ended.
    assert_eq!(app.me(&support).await.unwrap().pending, Some(PendingStep::EnrolTwoFactor));
    let blocked = settings_of(&app, &support).await;
    assert!(matches!(&blocked, Err(AppError::Forbidden(m)) if m.contains("two-factor")), "{blocked:?}");
    assert_eq!(app.rest(Method::GET, "/v1/users?pageCount=1", &token, None).await.0, StatusCode::UNAUTHORIZED);
    let recorded: String = sqlx::query_scalar(
        "SELECT after_json FROM audit_log WHERE action = 'settings.updated' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.backend.db.pool)
    .await
    .unwrap();
    let recorded: Value = serde_json::from_str(&recorded).unwrap();
    assert_eq!(recorded["api_tokens_ended"], 1, "the audit counts the token it ended: {recorded}");
    assert_eq!(recorded["two_factor_required_roles"], json!(["Support", "SupportLegal"]), "{recorded}");
    // Other roles are not concerned.
    assert_eq!(app.me(&admin).await.unwrap().pending, None);

    let fresh = browser();
    assert_eq!(
        app.login(&fresh, "support@example.com", PASSWORD).await.unwrap().pending,
        Some(PendingStep::EnrolTwoFactor)
    );
    let status: TwoFactorStatus = app.call(&fresh, "two-factor/status", json!({})).await.unwrap();
    assert!(status.required && status.enrolled_at.is_none());
    let (secret, _) = enrol(&app, &fresh).await;
    assert_eq!(app.me(&fresh).await.unwrap().pending, None);
    assert!(settings_of(&app, &fresh).await.is_ok());
    assert!(app.me(&support).await.is_none(), "the session opened without it ended");

    // From now on the code is asked, then nothing more.
    app.clock.advance(Duration::from_secs(30));
    let next = browser();
    assert_eq!(app.login(&next, "support@example.com", PASSWORD).await.unwrap().pending, Some(PendingStep::EnterCode));
    assert_eq!(verify(&app, &next, &code_at(&secret, app.clock.unix_now())).await.unwrap().pending, None);
}

async fn administrators_reset_two_factor_and_nobody_else(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (admin, admin_id) = app.logged_in("admin@example.com", Role::Administrator).await;
    let (manager, _) = app.logged_in("manager@example.com", Role::Manager).await;
    let (support, support_id) = app.logged_in("support@example.com", Role::Support).await;
    enrol(&app, &support).await;
    enrol(&app, &admin).await;

    let reset = |b: reqwest::Client, id: i64| {
        let app = &app;
        async move { app.call::<()>(&b, "operators/reset-two-factor", json!({"id": id})).await }
    };
    assert!(is_forbidden(&reset(manager.clone(), support_id).await), "a Manager may not");
    assert!(is_forbidden(&reset(support.clone(), support_id).await), "nor the operator themselves");
    assert!(matches!(reset(admin.clone(), 999_999).await, Err(AppError::NotFound)));
    assert!(is_forbidden(&reset(admin.clone(), admin_id).await), "not one's own: a stolen session would strip it");
    assert!(app.me(&support).await.is_some());

    reset(admin.clone(), support_id).await.unwrap();
    assert!(app.me(&support).await.is_none(), "their sessions ended");
    assert!(!operator(&app, "support@example.com").await.two_factor);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM operator_recovery_codes WHERE operator_id = $1")
        .bind(support_id)
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "the recovery codes are gone");
    assert!(app.audit_actions().await.contains(&"operator.two_factor_reset".to_string()));
    assert_eq!(app.login(&support, "support@example.com", PASSWORD).await.unwrap().pending, None);
    assert!(matches!(reset(admin.clone(), support_id).await, Err(AppError::Conflict(_))), "nothing left to reset");
}

async fn the_password_grant_refuses_operators_with_two_factor(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (b, _) = app.logged_in("ops@example.com", Role::Support).await;
    let before = app.password_grant("ops@example.com", Some("read_only")).await;
    enrol(&app, &b).await;
    assert_eq!(
        app.rest(Method::GET, "/v1/users?pageCount=1", &before, None).await.0,
        StatusCode::UNAUTHORIZED,
        "tokens from before the set-up ended"
    );

    let client = app
        .backend
        .create_api_client(&backend::Actor::System, &backend::RequestMeta::local(), "grant", &Scope::ALL)
        .await
        .unwrap();
    let response = browser()
        .post(format!("{}/oauth/token", app.base_url))
        .form(&[
            ("grant_type", "password"),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_str()),
            ("username", "ops@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert!(body.to_string().contains("client credentials"), "{body}");
    assert!(body.get("access_token").is_none());
    assert_eq!(operator(&app, "ops@example.com").await.failed_logins, 0, "a right password is not a failure");
}
