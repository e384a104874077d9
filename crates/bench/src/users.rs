//! Issue 12's table: every end-user search and list the API and the views send, one at a
//! time and from many connections at once, beside a bare axum + sqlx lookup.

use std::sync::Arc;

use serde_json::Value;

use crate::load::{self, PathFn, mix};
use crate::{Args, bare};

fn users_in(answer: &Value) -> usize {
    answer["users"].as_array().map_or(0, Vec::len)
}

/// Prints the table; every request must succeed.
pub async fn measures(
    args: &Args,
    url: &str,
    backend: &backend::Backend,
    http: &reqwest::Client,
    base: &str,
    token: &str,
    seeded: &backend::demo::SeedReport,
) -> anyhow::Result<()> {
    let max_id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM end_users").fetch_one(&backend.db.pool).await?;
    let run_suffix: String =
        sqlx::query_scalar("SELECT email FROM end_users WHERE user_type_id = 1 ORDER BY id LIMIT 1")
            .fetch_one(&backend.db.pool)
            .await
            .map(|email: String| {
                email.split('@').next().unwrap_or_default().rsplit('.').next().unwrap_or_default().to_string()
            })?;
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM end_users WHERE id % 997 = 0 LIMIT 500")
        .fetch_all(&backend.db.pool)
        .await?;
    let emails = Arc::new(emails);
    let bare_base = bare::serve(url).await?;
    let any_user = move |i: u64| 1 + (mix(i) % max_id as u64);
    let page = |query: &'static str| -> PathFn { Arc::new(move |_| format!("/v1/users?{query}")) };
    let by_type = |page_number: u32| -> PathFn {
        Arc::new(move |i| {
            format!(
                "/v1/users?userTypeId={}&userStatus=VALIDATED&sortBy=createdDate&sortOrder=DESC&pageCount=50&pageNumber={page_number}",
                1 + i % 2
            )
        })
    };
    // (label, target, base URL, bearer?, path)
    let rows: Vec<(&str, &str, String, bool, PathFn)> = vec![
        (
            "GET /v1/users/{id}, bearer token",
            ">= 0.5 x bare",
            base.to_string(),
            true,
            Arc::new(move |i| format!("/v1/users/{}", any_user(i))),
        ),
        (
            "  bare axum + sqlx, same lookup",
            "baseline",
            bare_base,
            false,
            Arc::new(move |i| format!("/v1/users/{}", any_user(i))),
        ),
        ("name search \"mar\" (common)", "p95<=10, >=500/s", base.to_string(), true, page("name=mar&pageCount=20")),
        ("name search \"curie\"", "p95<=10, >=500/s", base.to_string(), true, page("name=curie&pageCount=20")),
        (
            "name search, rare (one user)",
            "p95<=10, >=500/s",
            base.to_string(),
            true,
            Arc::new(move |i| format!("/v1/users?name=.{}.{run_suffix}&pageCount=20", mix(i) % max_id as u64)),
        ),
        ("name search, no match \"xyzq\"", "p95<=10, >=500/s", base.to_string(), true, page("name=xyzq&pageCount=20")),
        (
            "email search",
            "p95<=10, >=500/s",
            base.to_string(),
            true,
            Arc::new(move |i| format!("/v1/users?email={}", emails[(mix(i) as usize) % emails.len()])),
        ),
        ("type+status, by date, page 1", "p95<=10/15, >=500/s", base.to_string(), true, by_type(1)),
        ("type+status, by date, page 1000", "p95<=10/15, >=500/s", base.to_string(), true, by_type(1000)),
        (
            "All Users page 1 (with total)",
            "p95<=10, >=500/s",
            base.to_string(),
            true,
            page("sortBy=createdDate&sortOrder=DESC&pageCount=20"),
        ),
        (
            "All Users, type + dates, page 1",
            "p95<=10, >=500/s",
            base.to_string(),
            true,
            Arc::new(|i| {
                format!(
                    "/v1/users?userTypeId={}&createdDateFrom=2024-01-01&createdDateTo=2024-06-30&sortBy=createdDate&sortOrder=DESC&pageCount=20",
                    1 + i % 4
                )
            }),
        ),
    ];
    println!();
    println!(
        "{:<34} {:>8} {:>8} {:>6} | {:>8} {:>8} {:>8} {:>7} | target",
        "measure", "p50 ms", "p95 ms", "rows", "req/s", "p50 ms", "p99 ms", "RSS MB"
    );
    let mut rps = Vec::new();
    let mut peak_rss: f64 = 0.0;
    for (label, target, at, bearer, path) in rows {
        let bearer = bearer.then_some(token);
        let seq = load::sequential(http, &at, bearer, &path, args.requests, users_in).await?;
        let loaded = load::under_load(http, &at, bearer, path, args.connections, args.load_seconds).await?;
        peak_rss = peak_rss.max(loaded.peak_rss_mb);
        println!(
            "{label:<34} {:>8.2} {:>8.2} {:>6.1} | {:>8.0} {:>8.1} {:>8.1} {:>7.0} | {target}",
            seq.p50, seq.p95, seq.rows, loaded.rps, loaded.p50, loaded.p99, loaded.peak_rss_mb
        );
        rps.push(loaded.rps);
    }
    println!(
        "GET by id / bare baseline under load: {:.2} (target >= 0.5); {} connections for {} s each",
        rps[0] / rps[1],
        args.connections,
        args.load_seconds
    );
    println!("peak resident memory of the server process under load: {peak_rss:.0} MB");
    println!(
        "seed {} users (with wallets, cards, beneficiaries, tax residences, children): {:.1} s ({:.0} users/s)",
        seeded.users,
        seeded.seconds,
        seeded.users as f64 / seeded.seconds
    );
    Ok(())
}
