//! `cargo run --release -p bench -- --users 1000000 [--postgres]`
//!
//! Seeds a fresh database with N demo users (timed), serves the real router on a loopback
//! port, and prints the p50/p95 latency of: GET by id, name search, email search, and a
//! filtered, sorted page at page 1 and page 1000. Requests are sequential (latency, not
//! throughput) and bounded in count.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use serde_json::Value;

mod attack;
mod bare;
mod load;
mod serve;
mod users;

use load::{mix, percentile, rss_kib};

#[derive(Parser)]
struct Args {
    /// End users to seed.
    #[arg(long, default_value_t = 1_000_000)]
    users: u64,
    /// Requests per measurement.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Benchmark Postgres (a fresh database created through this admin URL) instead of SQLite.
    #[arg(long)]
    postgres: bool,
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_admin_url: String,
    /// Ledger entries written for the operations-list measure.
    #[arg(long, default_value_t = 10_000_000)]
    ledger_entries: u64,
    /// Connections at once for the measures under load.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// How long each measure under load lasts, in seconds.
    #[arg(long, default_value_t = 15)]
    load_seconds: u64,
    /// Only the end-user measures (issue 12's table), not cards, documents and money.
    #[arg(long)]
    users_only: bool,
    /// Only the latency of `/healthz` and a user lookup, calm and under 200 parallel bad
    /// logins (issue 13), with the server's default rate limits.
    #[arg(long)]
    attack_only: bool,
    /// Internal: serve the router over this (seeded) database and print its URL (`serve`).
    #[arg(long, hide = true)]
    serve_for: Option<String>,
    /// Internal, with `--serve-for`: the documents' folder.
    #[arg(long, hide = true)]
    documents: Option<std::path::PathBuf>,
}

/// One line of the table: p50 and p95 of `times`, and the rows a request answered on average.
fn print_row(label: &str, mut times: Vec<Duration>, rows: usize) {
    let requests = times.len().max(1);
    times.sort();
    println!(
        "{:<28} {:>9.2} {:>9.2} {:>9.1}",
        label,
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        rows as f64 / requests as f64
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // `RUST_LOG=info` shows the seed's phases.
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    if let Some(url) = &args.serve_for {
        let documents = args.documents.clone().context("--documents")?;
        return serve::serve_for(url, &documents).await;
    }
    let scratch = std::env::temp_dir().join(format!("backoffice-bench-{}", uuid::Uuid::new_v4().simple()));
    let pg_name = format!("backoffice_bench_{}", uuid::Uuid::new_v4().simple());
    let url = if args.postgres {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&args.postgres_admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {pg_name}"))).execute(&mut conn).await?;
        let base = args.postgres_admin_url.rsplit_once('/').context("--postgres-admin-url ends with a database")?.0;
        format!("{base}/{pg_name}")
    } else {
        std::fs::create_dir_all(&scratch)?;
        format!("sqlite://{}", scratch.join("bench.db").display())
    };
    let result = run(&args, &url, &scratch).await;
    let _ = std::fs::remove_dir_all(&scratch);
    if args.postgres {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&args.postgres_admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")))
            .execute(&mut conn)
            .await?;
    }
    result
}

async fn run(args: &Args, url: &str, scratch: &std::path::Path) -> anyhow::Result<()> {
    // The documents' files go to the scratch folder on both databases (removed afterwards).
    let documents_dir = scratch.join("documents");
    let documents =
        backend::documents::store::DocumentStore::local(&documents_dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    let backend =
        backend::Backend::connect(url, Default::default()).await.context("connect")?.with_documents(documents);
    println!("backend: {}", if args.postgres { "postgres" } else { "sqlite" });
    let seeded = backend.seed_demo(args.users, |_| {}).await.map_err(|e| anyhow::anyhow!("{e}"))?;

    let client = backend
        .create_api_client(&backend::Actor::System, &backend::RequestMeta::local(), "bench", &shared::Scope::ALL)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The real router runs in a process of its own, so that its memory is measured alone.
    let server = serve::start(url, &documents_dir).await?;
    let base = server.base.clone();
    let http = reqwest::Client::new();
    let grant: Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_str()),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = grant["access_token"].as_str().context("token")?.to_string();
    if args.attack_only {
        let form = shared::dto::OperatorForm {
            username: "admin@backoffice.local".into(),
            role: Some(shared::Role::Administrator),
            password: "a long and unguessable password".into(),
            saml_key: String::new(),
        };
        backend
            .create_operator(&backend::Actor::System, &backend::RequestMeta::local(), form)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        attack::measures(&base, &token, seeded.users.max(1)).await?;
        backend.db.close().await;
        return Ok(());
    }
    users::measures(args, url, &backend, &http, &base, &token, &seeded).await?;
    if args.users_only {
        backend.db.close().await;
        return Ok(());
    }
    card_measures(args, &backend).await?;
    document_measures(args, &backend, &http, &base, &token).await?;
    money_measures(args, &backend, &http, &base, &token).await?;
    backend.db.close().await;
    Ok(())
}

/// All Card Transactions (filtered by user and date range, and by date range alone) and All
/// Cards (by status), through the backend calls the dashboard's server functions make.
async fn card_measures(args: &Args, backend: &backend::Backend) -> anyhow::Result<()> {
    use shared::dto::{CardSearch, CardTransactionSearch};
    let transactions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM card_transactions").fetch_one(&backend.db.pool).await?;
    let max_user: i64 = sqlx::query_scalar("SELECT MAX(user_id) FROM cards").fetch_one(&backend.db.pool).await?;
    println!("card transactions: {transactions}");
    let actor = backend::Actor::System;
    let report = print_row;
    for (label, by_user) in [("card tx: user + dates", true), ("card tx: dates only", false)] {
        let (mut times, mut rows) = (Vec::with_capacity(args.requests), 0);
        for i in 0..args.requests as u64 {
            // Even users hold the cards; a year of dates around theirs.
            let user = 2 * (1 + (mix(i) % (max_user as u64 / 2).max(1)) as i64);
            let year = 2024 + (i % 3) as i64;
            let search = CardTransactionSearch {
                user_id: by_user.then_some(user),
                date_from: Some(format!("{year}-01-01")),
                date_to: Some(format!("{year}-12-31")),
                page_size: 20,
                ..Default::default()
            };
            let started = Instant::now();
            let page = backend.search_card_transactions(&actor, &search).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            times.push(started.elapsed());
            rows += page.items.len();
        }
        report(label, times, rows);
    }
    let (mut times, mut rows) = (Vec::with_capacity(args.requests), 0);
    for i in 0..args.requests as u64 {
        let status = if i % 2 == 0 { shared::domain::CardStatus::Lock } else { shared::domain::CardStatus::Unlock };
        let search = CardSearch { status: Some(status), page_size: 20, ..Default::default() };
        let started = Instant::now();
        let page = backend.search_cards(&actor, &search).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(started.elapsed());
        rows += page.items.len();
    }
    report("All Cards by status", times, rows);
    Ok(())
}

/// Connections at once, and how long each measure under load lasts.
const CONNECTIONS: usize = 32;
const LOAD_SECONDS: u64 = 10;

/// `CONNECTIONS` clients sending `path(i)` back to back for `LOAD_SECONDS`, printed as one
/// line: requests per second and latency p50 / p99.
async fn under_load(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    label: &str,
    path: load::PathFn,
) -> anyhow::Result<()> {
    let figures = load::under_load(http, base, Some(token), path, CONNECTIONS, LOAD_SECONDS).await?;
    println!(
        "under load ({CONNECTIONS} conns) {label:<26} {:>7.0} req/s  p50 {:.1} ms  p99 {:.1} ms",
        figures.rps, figures.p50, figures.p99
    );
    Ok(())
}

/// Runs a request while sampling the server's resident memory every 2 ms: its status, its
/// time and how far the memory rose above where it was (MB).
async fn with_memory_sampled(
    request: impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
) -> anyhow::Result<(reqwest::StatusCode, Duration, f64)> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let baseline = rss_kib();
    let peak = Arc::new(AtomicU64::new(baseline));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    let started = Instant::now();
    let response = request.await?;
    let status = response.status();
    let elapsed = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    sampler.await?;
    Ok((status, elapsed, peak.load(Ordering::Relaxed).saturating_sub(baseline) as f64 / 1024.0))
}

/// The pre-review queue over 100,000 documents (a third waiting), through the backend call
/// of User docs pending pre-review; then a 5 MB upload through the API, timed, with the
/// server's resident memory sampled while it runs.
async fn document_measures(
    args: &Args,
    backend: &backend::Backend,
    http: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<()> {
    use shared::dto::{Keyset, PreReviewSearch};
    const DOCUMENTS: i64 = 100_000;
    let started = Instant::now();
    let mut round = 0;
    loop {
        let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents").fetch_one(&backend.db.pool).await?;
        if have >= DOCUMENTS {
            break;
        }
        // Rows only: the bytes of these documents are one shared object nobody reads.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO documents (uuid, user_id, document_type_id, name, content_type, size_bytes, object_key, \
             pre_review_status, document_status, created_by, created_date, modified_date) \
             SELECT 'bench-{round}-' || CAST(id AS TEXT), id, CASE WHEN id % 2 = 0 THEN 17 ELSE 9 END, 'scan.pdf', \
                    'application/pdf', 1000, 'bench/sample', id % 3, 'PENDING', 'bench', created_date, created_date \
             FROM end_users ORDER BY id LIMIT {}",
            DOCUMENTS - have
        )))
        .execute(&backend.db.pool)
        .await?;
        round += 1;
    }
    let analyze = match backend.db.kind {
        backend::DbKind::Sqlite => "ANALYZE",
        backend::DbKind::Postgres => "VACUUM (ANALYZE) documents",
    };
    sqlx::query(analyze).execute(&backend.db.pool).await?;
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE pre_review_status = 0")
        .fetch_one(&backend.db.pool)
        .await?;
    println!(
        "documents: {DOCUMENTS} ({waiting} waiting for pre-review), written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let actor = backend::Actor::System;
    let queue = |search: PreReviewSearch| {
        let backend = backend.clone();
        let actor = actor.clone();
        async move {
            backend.pre_review_queue(&actor, &search, shared::Scope::Legal).await.map_err(|e| anyhow::anyhow!("{e}"))
        }
    };
    let mut cursor = Keyset::First;
    for label in [
        "pre-review queue, page 1",
        "pre-review queue, by type",
        "pre-review queue, by dates",
        "pre-review queue, paging on",
    ] {
        let (mut times, mut rows) = (Vec::with_capacity(args.requests), 0);
        for i in 0..args.requests as u64 {
            let search = match label {
                "pre-review queue, page 1" => PreReviewSearch { page_size: 20, ..Default::default() },
                "pre-review queue, by type" => PreReviewSearch {
                    type_id: Some(if i % 2 == 0 { 17 } else { 9 }),
                    page_size: 20,
                    ..Default::default()
                },
                // The demo users (and so their documents) start in November 2023.
                "pre-review queue, by dates" => PreReviewSearch {
                    from: Some(format!("2023-12-{:02}", 1 + i % 20)),
                    to: Some("2024-01-31".to_string()),
                    page_size: 20,
                    ..Default::default()
                },
                _ => PreReviewSearch { at: cursor.clone(), page_size: 20, ..Default::default() },
            };
            let t0 = Instant::now();
            let page = queue(search).await?;
            times.push(t0.elapsed());
            rows += page.items.len();
            if let Some(next) = page.older {
                cursor = next;
            }
        }
        print_row(label, times, rows);
    }

    // A 5 MB PDF through POST /v1/documents (base64 in JSON, as the contract has it).
    let mut file = b"%PDF-1.4\n".to_vec();
    file.resize(5 * 1024 * 1024, b' ');
    let body = serde_json::json!({
        "userId": 1, "documentTypeId": 17, "name": "large-scan.pdf",
        "fileContentBase64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &file),
    })
    .to_string();
    // Under load: 32 connections at once for 10 s each, through the real router.
    let max_user: i64 = sqlx::query_scalar("SELECT MAX(id) FROM end_users").fetch_one(&backend.db.pool).await?;
    under_load(
        http,
        base,
        token,
        "need-review (oldest 100)",
        Arc::new(|_| "/core-connect/kyc/documents/need-review".to_string()),
    )
    .await?;
    under_load(
        http,
        base,
        token,
        "documents of a user",
        Arc::new(move |i| format!("/v1/documents?userId={}", 1 + (mix(i) % max_user as u64))),
    )
    .await?;
    under_load(
        http,
        base,
        token,
        "documents by type, page 1",
        Arc::new(|i| format!("/v1/documents?documentTypeId={}&pageCount=20", if i % 2 == 0 { 17 } else { 9 })),
    )
    .await?;

    // Through a pre-signed form first (multipart, as the dashboard sends it), then as
    // base64 JSON: resident memory seldom shrinks, so the lighter path is measured first.
    let form: Value = http
        .post(format!("{base}/core-connect/users/1/kyc/document"))
        .bearer_auth(token)
        .json(&serde_json::json!({"documentType": 17}))
        .send()
        .await?
        .json()
        .await?;
    let mut multipart = reqwest::multipart::Form::new();
    for (k, v) in form["formFields"].as_object().context("form fields")? {
        multipart = multipart.text(k.clone(), v.as_str().unwrap_or_default().to_string());
    }
    multipart = multipart.part("file", reqwest::multipart::Part::bytes(file.clone()).file_name("large-scan.pdf"));
    let upload = http.post(format!("{base}/documents/upload")).multipart(multipart).send();
    let (status, elapsed, growth) = with_memory_sampled(upload).await?;
    anyhow::ensure!(status.is_success(), "5 MB form upload: {status}");
    println!(
        "5 MB upload (pre-signed form, multipart): {:.0} ms; process memory grew by at most {:.1} MB",
        elapsed.as_secs_f64() * 1000.0,
        growth
    );
    let upload = http
        .post(format!("{base}/v1/documents"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send();
    let (status, elapsed, growth) = with_memory_sampled(upload).await?;
    anyhow::ensure!(status.is_success(), "5 MB upload: {status}");
    println!(
        "5 MB upload (base64 JSON, a {:.1} MB body): {:.0} ms; process memory grew by at most {:.1} MB",
        (file.len() as f64 / 3.0 * 4.0) / (1024.0 * 1024.0),
        elapsed.as_secs_f64() * 1000.0,
        growth
    );
    Ok(())
}

/// Transfers per second from 16 concurrent clients through `POST /v1/transfers`, then the
/// operations list of one wallet, filtered by a month, over `--ledger-entries` entries.
async fn money_measures(
    args: &Args,
    backend: &backend::Backend,
    http: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<()> {
    const WALLETS: i64 = 200;
    const CLIENTS: u64 = 16;
    let system = backend::Actor::System;
    let meta = backend::RequestMeta::local();
    // Owners who can receive money (a canceled user's wallets are closed).
    let owners: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM end_users WHERE user_status <> 'CANCELED' ORDER BY id LIMIT {WALLETS}"
    )))
    .fetch_all(&backend.db.pool)
    .await?;
    let mut wallets = Vec::new();
    for n in 0..WALLETS as usize {
        let owner = owners[n % owners.len()];
        let id =
            backend.add_wallet(&system, &meta, owner, "EUR", 10_000_000).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        wallets.push(id);
    }
    let wallets = Arc::new(wallets);
    let deadline = Instant::now() + Duration::from_secs(LOAD_SECONDS);
    let mut workers = Vec::new();
    for c in 0..CLIENTS {
        let (http, base, token, wallets) = (http.clone(), base.to_string(), token.to_string(), wallets.clone());
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut i = c * 1_000_000;
            while Instant::now() < deadline {
                let from = wallets[(mix(i) % WALLETS as u64) as usize];
                let to = wallets[(mix(i + 7) % WALLETS as u64) as usize];
                i += 1;
                if from == to {
                    continue;
                }
                let body = serde_json::json!({"walletId": from, "beneficiaryWalletId": to, "amount": 1.25,
                                              "currency": "EUR", "accessTag": format!("bench-{i}")});
                let started = Instant::now();
                let res = http.post(format!("{base}/v1/transfers")).bearer_auth(&token).json(&body).send().await?;
                anyhow::ensure!(res.status().is_success(), "transfer: {}", res.status());
                res.bytes().await?;
                times.push(started.elapsed());
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut times = Vec::new();
    for worker in workers {
        times.extend(worker.await??);
    }
    times.sort();
    println!(
        "transfers ({CLIENTS} clients, {WALLETS} wallets)   {:>7.0} transfers/s  p50 {:.1} ms  p99 {:.1} ms",
        times.len() as f64 / LOAD_SECONDS as f64,
        percentile(&times, 0.50),
        percentile(&times, 0.99)
    );
    let report = backend.verify_ledger().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(report.is_sound(), "the ledger does not hold after the load: {report:?}");

    // Bulk entries: movements of 2 legs between the bench wallets, one every few minutes
    // over two years, so each wallet holds entries/200 of them. Not reconciled (timing only).
    let movements = (args.ledger_entries / 2) as i64;
    let started = Instant::now();
    let (first, last) = (wallets[0], wallets[wallets.len() - 1]);
    let numbers = match backend.db.kind {
        backend::DbKind::Sqlite => {
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) SELECT i FROM n"
        }
        backend::DbKind::Postgres => "SELECT i FROM generate_series(1, $1::bigint) AS g(i)",
    };
    let first_movement: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM ledger_movements").fetch_one(&backend.db.pool).await?;
    let span = first - 1;
    let mut tx = backend.db.pool.begin().await?;
    // The instants: from 2024-01-01, every 12.6 s on average, written as the ledger writes them.
    let instant = match backend.db.kind {
        backend::DbKind::Sqlite => "strftime('%Y-%m-%dT%H:%M:%S.000Z', 1704067200 + i * 12, 'unixepoch')",
        backend::DbKind::Postgres => {
            "to_char(to_timestamp(1704067200 + i * 12) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.000\"Z\"')"
        }
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO ledger_movements (flow, object_id, amount, currency, created_at) \
         SELECT 'transfer', i, 125, 'EUR', {instant} FROM ({numbers}) AS numbers"
    )))
    .bind(movements)
    .execute(&mut *tx)
    .await?;
    for (direction, wallet) in [
        ("DEBIT", format!("{span} + 1 + (i * 7) % {WALLETS}")),
        ("CREDIT", format!("{span} + 1 + (i * 7 + 1) % {WALLETS}")),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO ledger_entries (movement_id, wallet_id, direction, amount, currency, balance_after, \
             operation_type, flow, object_id, label, created_at) \
             SELECT {first_movement} - 1 + i, {wallet}, '{direction}', 125, 'EUR', 0, 'walletTransfer', 'transfer', i, \
                    'bench', {instant} FROM ({numbers}) AS numbers"
        )))
        .bind(movements)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let maintenance = match backend.db.kind {
        backend::DbKind::Sqlite => "ANALYZE",
        backend::DbKind::Postgres => "VACUUM (ANALYZE) ledger_entries, ledger_movements",
    };
    sqlx::query(maintenance).execute(&backend.db.pool).await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries").fetch_one(&backend.db.pool).await?;
    println!(
        "ledger: {total} entries ({} per bench wallet), written in {:.1} s",
        total / WALLETS,
        started.elapsed().as_secs_f64()
    );
    anyhow::ensure!(last - first + 1 == WALLETS, "the bench wallets are consecutive");

    let mut times = Vec::with_capacity(args.requests);
    let mut rows = 0usize;
    for i in 0..args.requests as u64 {
        let wallet = wallets[(mix(i) % WALLETS as u64) as usize];
        let month = 1 + mix(i + 3) % 12;
        let path = format!(
            "/core-connect/operations?walletId={wallet}&dateFrom=2025-{month:02}-01&dateTo=2025-{month:02}-28&pageSize=50"
        );
        let started = Instant::now();
        let res = http.get(format!("{base}{path}")).bearer_auth(token).send().await?;
        let status = res.status();
        let body: Value = res.json().await?;
        times.push(started.elapsed());
        anyhow::ensure!(status.is_success(), "operations: {status} {body}");
        rows += body["data"].as_array().map_or(0, Vec::len);
    }
    print_row("operations of a wallet, month", times, rows);
    under_load(
        http,
        base,
        token,
        "operations, month",
        Arc::new(move |i| {
            let wallet = first + (mix(i) % WALLETS as u64) as i64;
            format!("/core-connect/operations?walletId={wallet}&dateFrom=2025-03-01&dateTo=2025-03-31&pageSize=50")
        }),
    )
    .await?;
    Ok(())
}
