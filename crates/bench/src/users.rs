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
    // Where page 1000 of the type + status list starts, for each type the list alternates:
    // the views reach it by cursor (`before`, the "older" link of the page above).
    let mut deep_cursors = Vec::new();
    for user_type in [1_i64, 2] {
        let (key, id): (String, i64) = sqlx::query_as(
            "SELECT created_date, id FROM end_users WHERE user_type_id = $1 AND user_status = 'VALIDATED' \
             ORDER BY created_date DESC, id DESC LIMIT 1 OFFSET 49949",
        )
        .bind(user_type)
        .fetch_optional(&backend.db.pool)
        .await?
        .unwrap_or_default();
        let cursor = shared::dto::Cursor { key: Some(key), id }.to_param();
        deep_cursors.push(cursor.replace('+', "%2B").replace(':', "%3A"));
    }
    let deep_cursors = Arc::new(deep_cursors);
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
        (
            "  rare, no trigram every user has",
            "p95<=10, >=500/s",
            base.to_string(),
            true,
            // A user's number alone: the term above also holds the run's suffix, which every
            // email of the run has.
            Arc::new(move |i| {
                let low = max_id as u64 / 10;
                format!("/v1/users?name={}&pageCount=20", low + mix(i) % (max_id as u64 - low).max(1))
            }),
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
            "  the same page by cursor (views)",
            "p95<=10/15, >=500/s",
            base.to_string(),
            true,
            Arc::new(move |i| {
                format!(
                    "/v1/users?userTypeId={}&userStatus=VALIDATED&sortBy=createdDate&sortOrder=DESC&pageCount=50&before={}",
                    1 + i % 2,
                    deep_cursors[(i % 2) as usize]
                )
            }),
        ),
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
    // The read by id and its baseline, kept for the rounds after the table.
    let by_id: Vec<(String, bool, PathFn)> =
        rows.iter().take(2).map(|(_, _, at, bearer, path)| (at.clone(), *bearer, path.clone())).collect();
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
    // The host's speed drifts within a run (the two cores are shared): two more rounds of
    // the read and its baseline, one after the other, and the median of the three ratios.
    let mut ratios = vec![rps[0] / rps[1]];
    for _ in 0..2 {
        let mut round = Vec::new();
        for (at, bearer, path) in &by_id {
            let bearer = bearer.then_some(token);
            round
                .push(load::under_load(http, at, bearer, path.clone(), args.connections, args.load_seconds).await?.rps);
        }
        ratios.push(round[0] / round[1]);
    }
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    let rounds: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    println!(
        "GET by id / bare baseline under load: {:.2}, the median of three rounds ({}) (target >= 0.5); {} connections for {} s each",
        sorted[1],
        rounds.join(", "),
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
