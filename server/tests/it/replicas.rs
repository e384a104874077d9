//! Two server processes on one Postgres database, as behind a load balancer: a session
//! opened on one is valid on the other, failed logins on both count towards one lockout, and
//! the outbox sends each email once although both mail workers run.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Connection;

use crate::harness::{Flavor, PASSWORD, TestDb};
use crate::processes::ServerProcess;
use crate::smtp_sink::SmtpSink;

const EMAILS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_share_sessions_lockout_and_send_each_email_once() {
    let db = TestDb::new(Flavor::Postgres).await;
    let backend = backend::Backend::connect(&db.url, Default::default()).await.unwrap();
    let system = backend::Actor::System;
    let meta = backend::RequestMeta::local();
    for username in ["admin@example.com", "victim@example.com"] {
        let form = shared::dto::OperatorForm {
            username: username.into(),
            role: Some(shared::Role::Administrator),
            password: PASSWORD.into(),
            saml_key: String::new(),
        };
        backend.create_operator(&system, &meta, form).await.unwrap();
    }
    // Mail queued before the servers start: both workers find it at once and race for it.
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let now = chrono::Utc::now();
    for i in 0..EMAILS {
        sqlx::query(
            "INSERT INTO mail_outbox (to_address, subject, body, created_date, next_attempt_at) VALUES ($1, $2, 'hello', $3, $4)",
        )
        .bind(format!("reader{i}@example.com"))
        .bind(format!("message {i}"))
        .bind(now.to_rfc3339())
        .bind(now.timestamp())
        .execute(&mut conn)
        .await
        .unwrap();
    }
    backend.db.close().await;

    let sink = SmtpSink::start().await;
    let env = [("DASHBOARD_SMTP_URL", sink.url.as_str())];
    let (a, b) =
        tokio::join!(ServerProcess::start(&db.url, &db.dir, &env), ServerProcess::start(&db.url, &db.dir, &env));

    // A session opened on one server is valid on the other (the cookie jar sends it to both:
    // cookies do not tell ports apart), and a logout on the other ends it everywhere.
    let browser = crate::harness::browser();
    let login = json!({"username": "admin@example.com", "password": PASSWORD});
    assert_eq!(call(&browser, &a, "session/login", login).await.0, 200);
    let (status, me) = call(&browser, &b, "session/me", json!({})).await;
    assert_eq!((status, me["username"].as_str()), (200, Some("admin@example.com")), "{me}");
    assert_eq!(call(&browser, &b, "session/logout", json!({})).await.0, 200);
    assert_eq!(call(&browser, &a, "session/me", json!({})).await.1, Value::Null, "logged out on both");

    // Three wrong passwords spread over both servers block the operator on both.
    for server in [&a, &b, &a] {
        let wrong = json!({"username": "victim@example.com", "password": "not the password"});
        assert_eq!(call(&crate::harness::browser(), server, "session/login", wrong).await.0, 401);
    }
    for server in [&a, &b] {
        let right = json!({"username": "victim@example.com", "password": PASSWORD});
        let (status, body) = call(&crate::harness::browser(), server, "session/login", right).await;
        assert_ne!(status, 200, "blocked on both servers: {body}");
    }

    // Every email arrives, and only once.
    for _ in 0..300 {
        if sink.count() >= EMAILS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(6)).await; // one more poll of both workers
    let mut per_subject: HashMap<String, usize> = HashMap::new();
    for mail in sink.all() {
        let subject = mail.data.lines().find_map(|l| l.strip_prefix("Subject: ")).unwrap_or_default().to_string();
        *per_subject.entry(subject).or_default() += 1;
    }
    let twice: Vec<_> = per_subject.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{} emails sent more than once, e.g. {:?}", twice.len(), &twice[..twice.len().min(3)]);
    assert_eq!(per_subject.len(), EMAILS, "every email sent");
    let unsent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_date IS NULL")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(unsent, 0);
    drop((a, b));
}

/// Calls a server function on `server`: (status, JSON body or null).
async fn call(browser: &reqwest::Client, server: &ServerProcess, endpoint: &str, args: Value) -> (u16, Value) {
    let res = browser
        .post(format!("{}/api/{endpoint}", server.base_url))
        .header("x-backoffice-request", "1")
        .json(&args)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, serde_json::from_str(&res.text().await.unwrap()).unwrap_or(Value::Null))
}
