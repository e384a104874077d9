//! End users' onboarding and password reset, with real emails through a real SMTP server
//! on loopback; System Configuration's toggle; the outbox that survives SMTP outages.

use std::time::Duration;

use app::error::AppError;
use backend::mail::backoff_secs;
use backend::{MailSettings, SessionSettings};
use serde_json::json;
use shared::Role;
use shared::dto::{OnboardingEntry, Page, SystemSettings, UserList};

use crate::harness::{Flavor, TestApp, browser, spawn_app, spawn_app_with_mail};
use crate::smtp_sink::{SmtpSink, link_token};

crate::on_both_databases!(
    sign_up_activation_and_listing,
    a_later_sign_up_overrules_the_links_of_earlier_ones,
    forgot_password_sets_a_new_password_once,
    the_outbox_keeps_mail_until_smtp_answers,
    emails_to_one_address_are_capped_per_hour,
    changing_an_email_tells_the_old_address,
);

const STRONG: &str = "a long enough pass phrase";

async fn app_with_sink(flavor: Flavor) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let mail = MailSettings {
        smtp_url: Some(sink.url.clone()),
        from: "Back office <no-reply@example.com>".into(),
        public_url: "https://backoffice.example.com".into(),
    };
    (spawn_app_with_mail(flavor, SessionSettings::default(), mail).await, sink)
}

async fn onboarding(app: &TestApp, b: &reqwest::Client, completed: bool) -> Vec<OnboardingEntry> {
    let page: Page<OnboardingEntry> =
        app.call(b, "onboarding/list", json!({"completed": completed, "page": 1, "page_size": 50})).await.unwrap();
    page.items
}

async fn find_by_email(app: &TestApp, b: &reqwest::Client, email: &str) -> UserList {
    let lookup = json!({"user_id": "", "user_tag": "", "email": email, "name": "", "card": "", "wallet": ""});
    app.call(b, "users/lookup", json!({ "lookup": lookup })).await.unwrap()
}

async fn sign_up_activation_and_listing(flavor: Flavor) {
    let (app, sink) = app_with_sink(flavor).await;
    let visitor = browser();
    let (operator, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;

    let weak =
        app.call::<()>(&visitor, "public/sign-up", json!({"email": "new@example.com", "password": "short"})).await;
    assert!(matches!(weak, Err(AppError::Invalid { ref field, .. }) if field == "password"), "{weak:?}");
    let bad = app.call::<()>(&visitor, "public/sign-up", json!({"email": "not-an-email", "password": STRONG})).await;
    assert!(matches!(bad, Err(AppError::Invalid { ref field, .. }) if field == "email"));
    app.call::<()>(&visitor, "public/sign-up", json!({"email": "New@Example.com", "password": STRONG})).await.unwrap();

    let mail = sink.wait_for("New@Example.com", "/activate#token=").await;
    assert!(mail.data.contains("Subject: Activate your account"), "{}", mail.data);
    assert!(mail.data.contains("https://backoffice.example.com/activate#token="), "links use the public URL");
    assert!(!mail.data.contains("?token="), "tokens travel in the fragment, never in the query");
    assert!(mail.data.contains("Content-Transfer-Encoding: 7bit"), "links travel whole: {}", mail.data);
    let token = link_token(&mail.data, "activate");

    // Not completed: listed as such, not a user yet.
    let waiting = onboarding(&app, &operator, false).await;
    assert_eq!((waiting.len(), waiting[0].email.as_str(), waiting[0].user_id), (1, "New@Example.com", None));
    assert!(find_by_email(&app, &operator, "new@example.com").await.users.is_empty());
    let stored: String =
        sqlx::query_scalar("SELECT token_digest FROM end_user_tokens").fetch_one(&app.backend.db.pool).await.unwrap();
    assert_ne!(stored, token, "only the digest of the link's token is stored");

    let wrong = app.call::<i64>(&visitor, "public/activate", json!({"token": "forged"})).await;
    assert!(matches!(wrong, Err(AppError::Invalid { ref field, .. }) if field == "token"));
    let user_id: i64 = app.call(&visitor, "public/activate", json!({"token": token})).await.unwrap();
    let again = app.call::<i64>(&visitor, "public/activate", json!({"token": token})).await;
    assert!(matches!(again, Err(AppError::Invalid { .. })), "a link works once");

    let completed = onboarding(&app, &operator, true).await;
    assert_eq!((completed.len(), completed[0].user_id), (1, Some(user_id)));
    assert!(onboarding(&app, &operator, false).await.is_empty());
    let found = find_by_email(&app, &operator, "new@example.com").await;
    assert_eq!(found.users[0].id, user_id);
    assert!(app.backend.verify_end_user_password("new@example.com", STRONG.into()).await.unwrap());

    let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM mail_outbox WHERE sent_date IS NOT NULL")
        .fetch_all(&app.backend.db.pool)
        .await
        .unwrap();
    assert!(!bodies.is_empty() && bodies.iter().all(String::is_empty), "a sent email's link is not kept");

    // Signing up again says so by email, and creates nothing.
    app.call::<()>(&visitor, "public/sign-up", json!({"email": "new@example.com", "password": STRONG})).await.unwrap();
    sink.wait_for("new@example.com", "already has an account").await;
    assert_eq!(onboarding(&app, &operator, false).await.len(), 0);

    // An expired link is refused like any other bad link.
    app.call::<()>(&visitor, "public/sign-up", json!({"email": "late@example.com", "password": STRONG})).await.unwrap();
    let late = link_token(&sink.wait_for("late@example.com", "activate").await.data, "activate");
    app.clock.advance(Duration::from_secs(backend::onboarding::ACTIVATION_TTL_SECS as u64));
    let expired = app.call::<i64>(&visitor, "public/activate", json!({"token": late})).await;
    assert!(matches!(expired, Err(AppError::Invalid { .. })));
    let audit = app.audit_actions().await;
    assert!(audit.contains(&"onboarding.signed_up".into()) && audit.contains(&"onboarding.completed".into()));
}

async fn forgot_password_sets_a_new_password_once(flavor: Flavor) {
    let (app, sink) = app_with_sink(flavor).await;
    let created = app
        .backend
        .create_user(
            &backend::Actor::System,
            &backend::RequestMeta::local(),
            json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": "ada@example.com"}).as_object().unwrap().clone(),
        )
        .await
        .unwrap();
    let id = created.id;
    let (ro, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let (support, _) = app.logged_in("support@example.com", Role::Support).await;
    let (admin, _) = app.logged_in("admin@example.com", Role::Administrator).await;

    let refused = app.call::<String>(&ro, "users/forgot-password", json!({"id": id})).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "read-only operators may not send it");
    let to: String = app.call(&support, "users/forgot-password", json!({"id": id})).await.unwrap();
    assert_eq!(to, "ada@example.com");
    let mail = sink.wait_for("ada@example.com", "/reset-password#token=").await;
    let token = link_token(&mail.data, "reset-password");

    let visitor = browser();
    let weak = app.call::<()>(&visitor, "public/reset-password", json!({"token": token, "password": "short"})).await;
    assert!(matches!(weak, Err(AppError::Invalid { ref field, .. }) if field == "password"));
    app.call::<()>(&visitor, "public/reset-password", json!({"token": token, "password": STRONG})).await.unwrap();
    assert!(app.backend.verify_end_user_password("ada@example.com", STRONG.into()).await.unwrap());
    let reused = app
        .call::<()>(&visitor, "public/reset-password", json!({"token": token, "password": "another long pass phrase"}))
        .await;
    assert!(matches!(reused, Err(AppError::Invalid { .. })), "a reset link works once");

    // System Configuration turns the feature off at once; only admins change it.
    let off = json!({"settings": SystemSettings { send_forgot_password: false, sca_devices_section: true, ..SystemSettings::default() }});
    assert!(matches!(
        app.call::<SystemSettings>(&support, "settings/update", off.clone()).await,
        Err(AppError::Forbidden(_))
    ));
    let saved: SystemSettings = app.call(&admin, "settings/update", off).await.unwrap();
    assert!(!saved.send_forgot_password);
    let seen: SystemSettings = app.call(&ro, "settings/get", json!({})).await.unwrap();
    assert!(!seen.send_forgot_password);
    let disabled = app.call::<String>(&support, "users/forgot-password", json!({"id": id})).await;
    assert!(matches!(disabled, Err(AppError::Forbidden(ref m)) if m.contains("System Configuration")), "{disabled:?}");
    let audit = app.audit_actions().await;
    assert!(audit.contains(&"settings.updated".into()) && audit.contains(&"user.password_reset_sent".into()));
    let logged: Vec<Option<String>> =
        sqlx::query_scalar("SELECT after_json FROM audit_log").fetch_all(&app.backend.db.pool).await.unwrap();
    assert!(logged.iter().flatten().all(|j| !j.contains(&token)), "no token in the audit log");
}

async fn the_outbox_keeps_mail_until_smtp_answers(flavor: Flavor) {
    // No SMTP URL: mail waits in the outbox.
    let app = spawn_app(flavor).await;
    let visitor = browser();
    app.call::<()>(&visitor, "public/sign-up", json!({"email": "queued@example.com", "password": STRONG}))
        .await
        .unwrap();
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_date IS NULL")
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
    assert_eq!(waiting, 1);

    // SMTP down: the attempt is recorded and put off, nothing is lost.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let down = format!("smtp://{}", closed.local_addr().unwrap());
    drop(closed);
    let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&down).unwrap().build();
    assert_eq!(app.backend.deliver_due_mail(&transport).await.unwrap(), 0);
    let (attempts, next, error): (i64, i64, Option<String>) =
        sqlx::query_as("SELECT attempts, next_attempt_at, last_error FROM mail_outbox")
            .fetch_one(&app.backend.db.pool)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(next >= app.clock.unix_now() + backoff_secs(0) - 1 && error.is_some(), "retried later");
    app.clock.advance(Duration::from_secs(backoff_secs(0) as u64 - 5));
    assert_eq!(app.backend.deliver_due_mail(&transport).await.unwrap(), 0);
    let attempts: i64 =
        sqlx::query_scalar("SELECT attempts FROM mail_outbox").fetch_one(&app.backend.db.pool).await.unwrap();
    assert_eq!(attempts, 1, "not due yet: not tried again");

    // SMTP back: the same message leaves.
    let sink = SmtpSink::start().await;
    let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&sink.url).unwrap().build();
    app.clock.advance(Duration::from_secs(6));
    assert_eq!(app.backend.deliver_due_mail(&transport).await.unwrap(), 1);
    sink.wait_for("queued@example.com", "activate").await;
    assert_eq!(app.backend.deliver_due_mail(&transport).await.unwrap(), 0, "sent once");
    assert_eq!(sink.count(), 1);
}

/// Someone signs up first with another's address (to pre-set its password); the owner's own
/// sign-up then makes the intruder's link dead: only the latest link works.
async fn a_later_sign_up_overrules_the_links_of_earlier_ones(flavor: Flavor) {
    let (app, sink) = app_with_sink(flavor).await;
    let visitor = browser();
    let intruder_password = "an intruding secret phrase";
    let owner_password = "my very own secret phrase";
    app.call::<()>(&visitor, "public/sign-up", json!({"email": "OWNER@example.com", "password": intruder_password}))
        .await
        .unwrap();
    let intruders = link_token(&sink.wait_for("owner@example.com", "activate").await.data, "activate");
    app.call::<()>(&visitor, "public/sign-up", json!({"email": "owner@example.com", "password": owner_password}))
        .await
        .unwrap();
    for _ in 0..100 {
        if sink.count() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(sink.count(), 2, "each sign-up sends its own link to the address");
    let owners = sink.all().iter().map(|m| link_token(&m.data, "activate")).find(|t| *t != intruders).unwrap();

    // The earlier link opens nothing any more; the owner's sets the owner's password.
    let refused = app.call::<i64>(&visitor, "public/activate", json!({"token": intruders})).await;
    assert!(matches!(refused, Err(AppError::Invalid { ref field, .. }) if field == "token"), "{refused:?}");
    app.call::<i64>(&visitor, "public/activate", json!({"token": owners})).await.unwrap();
    assert!(app.backend.verify_end_user_password("owner@example.com", owner_password.into()).await.unwrap());
    assert!(!app.backend.verify_end_user_password("owner@example.com", intruder_password.into()).await.unwrap());
    let accounts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM end_user_accounts").fetch_one(&app.backend.db.pool).await.unwrap();
    assert_eq!(accounts, 1);
}

/// However many sign-ups name an address, it gets at most five emails an hour; the answer to
/// the visitor does not change. The next hour it gets mail again.
async fn emails_to_one_address_are_capped_per_hour(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let visitor = browser();
    let queued = |address: &'static str| {
        let pool = app.backend.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mail_outbox WHERE lower(to_address) = $1")
                .bind(address)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    for _ in 0..8 {
        app.call::<()>(&visitor, "public/sign-up", json!({"email": "Flooded@example.com", "password": STRONG}))
            .await
            .unwrap();
    }
    assert_eq!(queued("flooded@example.com").await, backend::mail::MAX_EMAILS_PER_ADDRESS_PER_HOUR);
    app.call::<()>(&visitor, "public/sign-up", json!({"email": "other@example.com", "password": STRONG}))
        .await
        .unwrap();
    assert_eq!(queued("other@example.com").await, 1, "other addresses are not concerned");
    app.clock.advance(std::time::Duration::from_secs(3600));
    app.call::<()>(&visitor, "public/sign-up", json!({"email": "flooded@example.com", "password": STRONG}))
        .await
        .unwrap();
    assert_eq!(queued("flooded@example.com").await, backend::mail::MAX_EMAILS_PER_ADDRESS_PER_HOUR + 1);
}

/// A back-office change of an end user's email is told to the old address.
async fn changing_an_email_tells_the_old_address(flavor: Flavor) {
    let (app, sink) = app_with_sink(flavor).await;
    let t = app.bearer(&shared::Scope::ALL).await;
    let body = json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": "old@example.com", "firstname": "Ada", "lastname": "L", "birthday": "1815-12-10", "country": "FR"});
    let (_, created) = app.rest(reqwest::Method::POST, "/v1/users", &t, Some(body)).await;
    let id = created["users"][0]["userId"].as_i64().unwrap();
    let (status, _) =
        app.rest(reqwest::Method::PUT, &format!("/v1/users/{id}"), &t, Some(json!({"email": "new@example.com"}))).await;
    assert_eq!(status, 200);
    let mail = sink.wait_for("old@example.com", "was changed").await;
    assert!(mail.data.contains("Subject: Your email address was changed"), "{}", mail.data);
    assert!(!mail.data.contains("new@example.com"), "the old address is not told the new one");
    // Another field's change sends nothing.
    let (status, _) =
        app.rest(reqwest::Method::PUT, &format!("/v1/users/{id}"), &t, Some(json!({"city": "Paris"}))).await;
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.count(), 1);
}
