//! The `server operator create` command: a stable contract for scripts.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::harness::{Flavor, PASSWORD, TestDb};

crate::on_both_databases!(
    operator_create_succeeds_and_refuses_clearly,
    api_client_create_prints_credentials_once,
    operator_unblock_lifts_a_lockout_from_the_command_line
);

fn unblock(url: &str, username: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["operator", "unblock", "--username", username])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Three bad logins block even the only Administrator; whoever holds the machine lifts it.
async fn operator_unblock_lifts_a_lockout_from_the_command_line(flavor: Flavor) {
    let db = TestDb::new(flavor).await;
    assert!(create(&db.url, "only-admin@example.com", "administrator", PASSWORD).0);
    let backend = backend::Backend::connect(&db.url, Default::default()).await.unwrap();
    let meta = backend::RequestMeta::local();
    for _ in 0..3 {
        assert!(backend.login("only-admin@example.com", "wrong password!".into(), &meta).await.is_err());
    }
    assert!(backend.login("only-admin@example.com", PASSWORD.into(), &meta).await.is_err(), "blocked");

    let (ok, out) = unblock(&db.url, "ONLY-ADMIN@example.com");
    assert!(ok, "{out}");
    assert!(out.contains("Unblocked operator only-admin@example.com"), "{out}");
    assert!(backend.login("only-admin@example.com", PASSWORD.into(), &meta).await.is_ok(), "unblocked");
    let (ok, out) = unblock(&db.url, "only-admin@example.com");
    assert!(!ok && out.contains("not blocked"), "{out}");
    let (ok, out) = unblock(&db.url, "nobody@example.com");
    assert!(!ok && out.contains("No operator is named nobody@example.com"), "{out}");
    backend.db.close().await;
}

fn create(url: &str, username: &str, role: &str, password: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["operator", "create", "--username", username, "--role", role, "--password-stdin"])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

async fn operator_create_succeeds_and_refuses_clearly(flavor: Flavor) {
    let db = TestDb::new(flavor).await;
    let (ok, out) = create(&db.url, "ops@example.com", "administrator", PASSWORD);
    assert!(ok, "{out}");
    assert!(out.contains("ops@example.com") && !out.contains(PASSWORD), "{out}");

    let (ok, out) = create(&db.url, "OPS@example.com", "support", PASSWORD);
    assert!(!ok);
    assert!(out.contains("already exists"), "{out}");
    let (ok, out) = create(&db.url, "new@example.com", "root", PASSWORD);
    assert!(!ok);
    assert!(out.contains("unknown role") && out.contains("support-read-only"), "{out}");
    let (ok, out) = create(&db.url, "new@example.com", "support", "weak");
    assert!(!ok);
    assert!(out.contains("at least 12"), "{out}");
    assert!(!out.contains("weak\n"), "the password is not echoed");

    // The created Administrator can log in, with the password given on standard input.
    let backend = backend::Backend::connect(&db.url, Default::default()).await.unwrap();
    let (me, _) = backend.login("ops@example.com", PASSWORD.into(), &backend::RequestMeta::local()).await.unwrap();
    assert_eq!(me.role, shared::Role::Administrator);
    backend.db.close().await;
}

async fn api_client_create_prints_credentials_once(flavor: Flavor) {
    let db = TestDb::new(flavor).await;
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["api-client", "create", "--name", "partner", "--scopes", "read_only legal"])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let client_id = lines[0].strip_prefix("client_id=").unwrap();
    let secret = lines[1].strip_prefix("client_secret=").unwrap();
    let backend = backend::Backend::connect(&db.url, Default::default()).await.unwrap();
    let grant = backend
        .issue_token(
            backend::oauth::TokenRequest::ClientCredentials {
                client_id: client_id.into(),
                client_secret: secret.into(),
                scope: None,
            },
            &backend::RequestMeta::local(),
        )
        .await
        .unwrap();
    assert_eq!(grant.scope, "read_only legal");
    let stored: String =
        sqlx::query_scalar("SELECT secret_digest FROM api_clients").fetch_one(&backend.db.pool).await.unwrap();
    assert_ne!(stored, secret, "the secret is stored as a digest");
    backend.db.close().await;

    let bad = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["api-client", "create", "--name", "partner", "--scopes", "read_only root"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Unknown scope: root"));
}

mod seed {
    use super::*;

    crate::on_both_databases!(seed_demo_fills_a_searchable_database);

    async fn seed_demo_fills_a_searchable_database(flavor: Flavor) {
        let db = TestDb::new(flavor).await;
        for _ in 0..2 {
            let out = Command::new(env!("CARGO_BIN_EXE_server"))
                .args(["seed-demo", "--users", "1200"])
                .env("DATABASE_URL", &db.url)
                .env("DOCUMENTS_URL", format!("file://{}", db.dir.join("documents").display()))
                .env("RUST_LOG", "error")
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert!(String::from_utf8_lossy(&out.stdout).contains("Seeded 1200 demo users"));
        }
        let backend = backend::Backend::connect(&db.url, Default::default())
            .await
            .unwrap()
            .with_documents(backend::documents::store::DocumentStore::local(&db.dir.join("documents")).unwrap());
        let pool = &backend.db.pool;
        let count = |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap() };
        assert_eq!(count("SELECT COUNT(*) FROM end_users").await, 2400, "a second run adds, with unique emails");
        assert_eq!(count("SELECT COUNT(DISTINCT user_type_id) FROM end_users").await, 4);
        assert_eq!(count("SELECT COUNT(DISTINCT user_status) FROM end_users").await, 3);
        assert_eq!(count("SELECT COUNT(*) FROM wallets WHERE currency = 'EUR'").await, 2400, "one EUR wallet each");
        assert!(count("SELECT COUNT(*) FROM wallets WHERE currency IN ('JPY', 'KWD')").await > 0);
        assert!(count("SELECT COUNT(*) FROM wallets WHERE balance > 0").await > 1000);
        assert!(count("SELECT COUNT(*) FROM end_users WHERE parent_user_id IS NOT NULL").await >= 50);
        assert!(count("SELECT COUNT(*) FROM cards").await >= 1000);
        assert!(count("SELECT COUNT(*) FROM tax_residences").await >= 200);
        // Seeded tax residences follow the TIN rules: a US residence has its TIN, a waiver has none.
        assert_eq!(count("SELECT COUNT(*) FROM tax_residences WHERE country = 'US' AND tax_payer_id IS NULL").await, 0);
        assert_eq!(
            count("SELECT COUNT(*) FROM tax_residences WHERE (liability_waiver = 1) = (tax_payer_id IS NOT NULL)")
                .await,
            0
        );
        // KYC documents in every state, each with its file in the store.
        let documents = count("SELECT COUNT(*) FROM documents").await;
        assert!(documents >= 600, "{documents}");
        assert_eq!(backend.documents.count().await.unwrap() as i64, documents, "one file per document");
        assert_eq!(count("SELECT COUNT(DISTINCT pre_review_status) FROM documents").await, 3);
        assert_eq!(count("SELECT COUNT(DISTINCT document_status) FROM documents").await, 2, "pending and validated");
        assert!(count("SELECT COUNT(*) FROM kyc_reviews WHERE status = 'PENDING'").await > 0);
        // The name index covers seeded users too.
        let search = backend::users_search::UserSearch { name: Some("lovelace".into()), ..Default::default() };
        let page = backend.search_users(&backend::Actor::System, &search).await.unwrap();
        assert!(page.total.count > 0);
        assert!(page.users.iter().all(|u| u.lastname.as_deref() == Some("Lovelace") || u.email.contains("lovelace")));
        backend.db.close().await;
    }
}
