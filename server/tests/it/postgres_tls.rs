//! Postgres over TLS: `sslmode=require` in the database URL encrypts the connection
//! (sqlx's rustls). The test server runs Debian's Postgres, whose `ssl = on` uses a
//! self-signed certificate: `require` encrypts without checking it; `verify-full` with
//! `sslrootcert=` is for a real deployment.

use crate::harness::{Flavor, PASSWORD, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sslmode_require_encrypts_the_connection() {
    let db = TestDb::new(Flavor::Postgres).await;
    let url = format!("{}?sslmode=require", db.url);
    let backend = backend::Backend::connect(&url, Default::default()).await.unwrap();
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&backend.db.pool)
        .await
        .unwrap();
    assert!(encrypted, "the connection is encrypted");

    // The product works over it: an operator is created and logs in.
    let form = shared::dto::OperatorForm {
        username: "tls@example.com".into(),
        role: Some(shared::Role::Support),
        password: PASSWORD.into(),
        saml_key: String::new(),
    };
    let meta = backend::RequestMeta::local();
    backend.create_operator(&backend::Actor::System, &meta, form).await.unwrap();
    assert!(backend.login("tls@example.com", PASSWORD.into(), &meta).await.is_ok());
    backend.db.close().await;

    // And a plain connection is a plain one (the check above can fail).
    let plain = backend::Backend::connect(&format!("{}?sslmode=disable", db.url), Default::default()).await.unwrap();
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&plain.db.pool)
        .await
        .unwrap();
    assert!(!encrypted);
    plain.db.close().await;
}
