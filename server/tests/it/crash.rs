//! `kill -9` of the server during 200 concurrent writes: what was answered 2xx survives, the
//! audit log holds one row per stored user (no more, no fewer), and the server starts again
//! cleanly on the same database. `scripts/kill9.sh` runs this test alone. And a Postgres
//! connection cut while it lay idle in the pool is replaced, not handed to a request.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Flavor, TestDb};
use crate::processes::{ServerProcess, bearer_from};

crate::on_both_databases!(answered_writes_survive_kill_9);

const WRITES: usize = 200;
/// The kill comes once this many writes were answered: well inside the burst.
const KILL_AFTER: usize = 30;

async fn answered_writes_survive_kill_9(flavor: Flavor) {
    let db = TestDb::new(flavor).await;
    let mut server = ServerProcess::start(&db.url, &db.dir, &[]).await;
    let token =
        bearer_from(&server, &db.url, &[shared::Scope::ReadOnly, shared::Scope::ReadWrite, shared::Scope::Legal]).await;

    let answered = Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let writes: Vec<_> = (0..WRITES)
        .map(|i| {
            let (client, url, token, answered) =
                (client.clone(), format!("{}/v1/users", server.base_url), token.clone(), answered.clone());
            tokio::spawn(async move {
                let email = format!("crash{i}@example.com");
                let body =
                    json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": email, "lastname": format!("Crash{i}")});
                let res = client.post(url).bearer_auth(token).json(&body).send().await.ok()?;
                let ok = res.status().is_success();
                let body: Value = res.json().await.ok()?;
                answered.fetch_add(1, Ordering::SeqCst);
                ok.then(|| (body["users"][0]["userId"].as_i64().unwrap(), email))
            })
        })
        .collect();
    for _ in 0..3000 {
        if answered.load(Ordering::SeqCst) >= KILL_AFTER {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill9();
    let mut acknowledged = Vec::new();
    for write in writes {
        if let Some(done) = write.await.unwrap() {
            acknowledged.push(done);
        }
    }
    assert!(acknowledged.len() >= KILL_AFTER, "{} writes acknowledged", acknowledged.len());
    assert!(acknowledged.len() < WRITES, "the kill came after every write: the test proved nothing");

    let server = ServerProcess::start(&db.url, &db.dir, &[]).await;
    let log = server.log_text();
    assert!(!log.contains("ERROR"), "the restart logged an error:\n{log}");
    let reader = reqwest::Client::new();
    for (id, email) in &acknowledged {
        let res = reader.get(format!("{}/v1/users/{id}", server.base_url)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), 200, "user {id} was acknowledged and is gone");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["users"][0]["email"], json!(email));
    }

    // The audit log matches the users table exactly: each stored user has its creation row,
    // and no creation row names a user that was rolled back.
    let backend = backend::Backend::connect(&db.url, Default::default()).await.unwrap();
    let stored: BTreeSet<String> = sqlx::query_scalar::<_, i64>("SELECT id FROM end_users WHERE email LIKE 'crash%'")
        .fetch_all(&backend.db.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|id| id.to_string())
        .collect();
    let audited: Vec<String> = sqlx::query_scalar("SELECT target_id FROM audit_log WHERE action = 'user.created'")
        .fetch_all(&backend.db.pool)
        .await
        .unwrap();
    assert_eq!(audited.len(), stored.len(), "one creation row per user");
    assert_eq!(audited.into_iter().collect::<BTreeSet<_>>(), stored);
    assert!(acknowledged.iter().all(|(id, _)| stored.contains(&id.to_string())));
    println!(
        "kill -9 ({flavor:?}): {} of {WRITES} writes answered 2xx before the kill, all {} there after the restart; \
         {} users stored (answered or not), one audit row each",
        acknowledged.len(),
        acknowledged.len(),
        stored.len()
    );
    backend.db.close().await;
}

/// The pool does not ping a connection before every statement (a round trip each); a
/// Postgres connection idle for a while is pinged first, so one that the server (a restart,
/// a firewall) closed meanwhile is replaced instead of failing the next request.
#[tokio::test]
async fn a_postgres_connection_cut_while_idle_is_replaced() {
    use sqlx::Connection;
    let db = TestDb::new(Flavor::Postgres).await;
    let backend = backend::Backend::connect(&db.url, Default::default()).await.unwrap();
    let in_use = |backend: &backend::Backend| {
        let pool = backend.db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&pool).await }
    };
    assert_eq!(in_use(&backend).await.unwrap(), 1);
    // The pool takes a connection back in a task of its own: wait for it.
    for _ in 0..200 {
        if backend.db.pool.num_idle() >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let idle_before = backend.db.pool.num_idle();
    assert!(idle_before >= 1, "the pool keeps its connection");
    // The server ends every connection of the pool, as a restart would.
    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(cut.len() >= idle_before && cut.iter().all(|ended| *ended), "{cut:?}");
    admin.close().await.unwrap();
    // Past the idle time that earns a ping, every statement still succeeds.
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    for _ in 0..4 {
        assert_eq!(in_use(&backend).await.unwrap(), 1);
    }
    backend.db.close().await;
}
