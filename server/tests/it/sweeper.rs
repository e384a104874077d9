//! The sweeper deletes exactly what nothing can use any more: sessions past their idle or
//! absolute timeout, expired access tokens, used or expired emailed links, sent mail. Live
//! rows of each kind stay and keep working; unsent and retrying mail stays; audit rows stay.

use std::collections::BTreeSet;
use std::time::Duration;

use backend::password::token_digest;
use backend::{Actor, RequestMeta, SessionSettings, SweepReport};
use serde_json::json;
use shared::{Role, Scope};

use crate::harness::{Flavor, PASSWORD, TestApp, browser, spawn_app_with};
use crate::smtp_sink::{SmtpSink, link_token};

crate::on_both_databases!(the_sweep_removes_exactly_the_dead_rows);

const STRONG: &str = "a long enough pass phrase";

fn minutes(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

/// The token of the newest link to `page` queued for `to` (read before the mail is sent,
/// since a sent body is emptied).
async fn queued_link(app: &TestApp, to: &str, page: &str) -> String {
    let body: String = sqlx::query_scalar("SELECT body FROM mail_outbox WHERE to_address = $1 ORDER BY id DESC")
        .bind(to)
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
    link_token(&body, page)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    // Test SQL, with at most a number of ours in it.
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&app.backend.db.pool).await.unwrap()
}

async fn link_digests(app: &TestApp) -> BTreeSet<String> {
    sqlx::query_scalar("SELECT token_digest FROM end_user_tokens")
        .fetch_all(&app.backend.db.pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn reset_link_for(app: &TestApp, email: &str) -> String {
    let user = app
        .backend
        .create_user(
            &Actor::System,
            &RequestMeta::local(),
            json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": email}).as_object().unwrap().clone(),
        )
        .await
        .unwrap();
    let id = user.id;
    app.backend.send_forgot_password(&Actor::System, &RequestMeta::local(), id).await.unwrap();
    queued_link(app, email, "reset-password").await
}

async fn activation_link_for(app: &TestApp, email: &str) -> String {
    app.backend.sign_up(&RequestMeta::local(), email, STRONG.into()).await.unwrap();
    queued_link(app, email, "activate").await
}

async fn the_sweep_removes_exactly_the_dead_rows(flavor: Flavor) {
    let settings =
        SessionSettings { idle_timeout: minutes(30), absolute_timeout: minutes(60), api_token_lifetime: minutes(30) };
    let app = spawn_app_with(flavor, settings).await;
    let meta = RequestMeta::local();
    let old_op = app.add_operator("old@example.com", Role::Support).await;
    let idle_op = app.add_operator("idle@example.com", Role::Support).await;
    let live_op = app.add_operator("live@example.com", Role::Support).await;

    // t = 0: a session that will outlive its absolute timeout, a token that will expire,
    // links that will expire or get used, and mail that gets sent.
    let old = browser();
    app.login(&old, "old@example.com", PASSWORD).await.unwrap();
    let old_token = app.bearer(&[Scope::ReadOnly]).await;
    let expiring_reset = reset_link_for(&app, "r1@example.com").await;
    let used_reset = reset_link_for(&app, "r2@example.com").await;
    app.backend.reset_password(&meta, &used_reset, STRONG.into()).await.unwrap();
    let used_activation = activation_link_for(&app, "used@example.com").await;
    app.backend.activate_account(&meta, &used_activation).await.unwrap();
    let day_activation = activation_link_for(&app, "day@example.com").await;
    let sink = SmtpSink::start().await;
    let up = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&sink.url).unwrap().build();
    assert_eq!(app.backend.deliver_due_mail(&up).await.unwrap(), 4);

    // t = 25 min: the old session is used; a session opens and is never used again.
    app.clock.advance(minutes(25));
    assert!(app.me(&old).await.is_some());
    let idle = browser();
    app.login(&idle, "idle@example.com", PASSWORD).await.unwrap();
    // t = 50 min: the old session is used again (so only its absolute timeout ends it).
    app.clock.advance(minutes(25));
    assert!(app.me(&old).await.is_some());

    // t = 65 min: live rows of each kind; one email retrying, one not tried yet.
    app.clock.advance(minutes(15));
    let live = browser();
    app.login(&live, "live@example.com", PASSWORD).await.unwrap();
    let live_token = app.bearer(&[Scope::ReadOnly]).await;
    let live_reset = reset_link_for(&app, "r3@example.com").await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let down = format!("smtp://{}", closed.local_addr().unwrap());
    drop(closed);
    let down = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&down).unwrap().build();
    assert_eq!(app.backend.deliver_due_mail(&down).await.unwrap(), 0);
    let new_activation = activation_link_for(&app, "new@example.com").await;

    // Nothing was swept yet: every row is still stored.
    for operator in [old_op, idle_op, live_op] {
        assert_eq!(app.backend.session_count(operator).await.unwrap(), 1);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM access_tokens").await, 2);
    assert_eq!(link_digests(&app).await.len(), 6);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM mail_outbox WHERE sent_date IS NOT NULL").await, 4);
    let audit_rows = count(&app, "SELECT COUNT(*) FROM audit_log").await;

    let hour = app.clock.unix_now() / 3600;
    let past_rates = count(&app, &format!("SELECT COUNT(*) FROM mail_rate WHERE hour < {hour}")).await;
    assert!(past_rates > 0, "emails of the first hour were counted");

    let report = app.backend.sweep_expired().await.unwrap();
    assert_eq!(
        report,
        SweepReport { sessions: 2, access_tokens: 1, links: 3, sent_mail: 4, mail_rates: past_rates as u64 }
    );
    // Hourly email counts: past hours gone, this hour's kept.
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM mail_rate WHERE hour < {hour}")).await, 0);
    assert!(count(&app, "SELECT COUNT(*) FROM mail_rate").await > 0);

    // Sessions: past absolute and past idle gone, the live one stays and still works.
    assert_eq!(app.backend.session_count(old_op).await.unwrap(), 0, "past its absolute timeout");
    assert_eq!(app.backend.session_count(idle_op).await.unwrap(), 0, "past its idle timeout");
    assert_eq!(app.backend.session_count(live_op).await.unwrap(), 1);
    assert_eq!(app.me(&live).await.map(|m| m.id), Some(live_op), "a live session still authenticates");
    // Access tokens.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM access_tokens").await, 1);
    assert!(app.backend.authenticate_bearer(&live_token).await.is_ok(), "a live token still works");
    assert!(app.backend.authenticate_bearer(&old_token).await.is_err());
    // Links: used and expired gone, live ones stay.
    let live_links = BTreeSet::from([&day_activation, &live_reset, &new_activation].map(|t| token_digest(t)));
    assert_eq!(link_digests(&app).await, live_links);
    assert!(app.backend.reset_password(&meta, &expiring_reset, STRONG.into()).await.is_err());
    // Mail: sent rows gone; the retrying one and the new one stay as they were.
    let outbox: Vec<(String, i64, Option<String>)> =
        sqlx::query_as("SELECT to_address, attempts, sent_date FROM mail_outbox ORDER BY id")
            .fetch_all(&app.backend.db.pool)
            .await
            .unwrap();
    assert_eq!(outbox, [("r3@example.com".to_string(), 1, None), ("new@example.com".to_string(), 0, None)]);
    // Audit rows are never swept (and the sweep writes none).
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log").await, audit_rows);

    assert_eq!(app.backend.sweep_expired().await.unwrap(), SweepReport::default(), "nothing left to sweep");
    app.backend.reset_password(&meta, &live_reset, STRONG.into()).await.expect("a kept link still works");

    // A day later everything above has expired; the retrying and unsent mail still waits.
    let rates = count(&app, "SELECT COUNT(*) FROM mail_rate").await as u64;
    app.clock.advance(Duration::from_secs(24 * 3600));
    let report = app.backend.sweep_expired().await.unwrap();
    assert_eq!(report, SweepReport { sessions: 1, access_tokens: 1, links: 3, sent_mail: 0, mail_rates: rates });
    assert!(link_digests(&app).await.is_empty(), "activation links expire after a day");
    assert_eq!(app.me(&live).await, None);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM mail_outbox").await, 2);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log").await, audit_rows + 1, "only the reset's own row");
}
