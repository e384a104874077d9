//! Calm versus under attack: the latency of `/healthz` and of `GET /v1/users/{id}` (one
//! request at a time) alone, then while 200 clients send wrong passwords to the dashboard's
//! login as fast as they are answered, from one address and from 200 addresses (as the
//! proxy in front would say, through `X-Forwarded-For`); and, for comparison, while 200
//! clients flood `/healthz`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::load::{mix, percentile};

/// The header the benchmark's server reads the client's address from.
pub const CLIENT_IP_HEADER: &str = "x-forwarded-for";

const ATTACKERS: usize = 200;
const PROBES: usize = 300;

/// p50 / p95 in ms of one-at-a-time GETs of `path(i)`.
async fn probe(http: &reqwest::Client, url: impl Fn(u64) -> String, token: Option<&str>) -> anyhow::Result<(f64, f64)> {
    let mut times = Vec::with_capacity(PROBES);
    for i in 0..PROBES as u64 {
        let mut req = http.get(url(i));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let started = Instant::now();
        let res = req.send().await?;
        let status = res.status();
        res.bytes().await?;
        times.push(started.elapsed());
        anyhow::ensure!(status.is_success(), "a probe was refused: {status}");
    }
    times.sort();
    Ok((percentile(&times, 0.50), percentile(&times, 0.95)))
}

/// Both probes: (healthz p50, p95), (user by id p50, p95).
async fn probes(http: &reqwest::Client, base: &str, token: &str, max_user: u64) -> anyhow::Result<[(f64, f64); 2]> {
    let health = probe(http, |_| format!("{base}/healthz"), None).await?;
    let by_id = probe(http, |i| format!("{base}/v1/users/{}", 1 + mix(i) % max_user), Some(token)).await?;
    Ok([health, by_id])
}

fn print_line(label: &str, [health, by_id]: [(f64, f64); 2], attack: &str) {
    println!("{label:<34} {:>7.2} {:>7.2} {:>9.2} {:>7.2}  {attack}", health.0, health.1, by_id.0, by_id.1);
}

pub async fn measures(base: &str, token: &str, max_user: u64) -> anyhow::Result<()> {
    // The probes' own client, apart from the attackers' connections.
    let http = reqwest::Client::new();
    println!();
    println!(
        "{:<34} {:>7} {:>7} {:>9} {:>7}  flood answered during the probes",
        "latency (ms)", "health", "p95", "user p50", "p95"
    );
    print_line("calm", probes(&http, base, token, max_user).await?, "");
    for (label, flood) in [
        ("200 bad logins, one address", Flood::BadLogins { spread: false }),
        ("200 bad logins, 200 addresses", Flood::BadLogins { spread: true }),
        // The same number of clients asking for nothing costly: what the request rate
        // alone costs on this machine (the load generator shares its two cores).
        ("200 clients flooding /healthz", Flood::Healthz),
    ] {
        let attack = Attack::start(base, flood)?;
        // Let the attack reach its pace (and the limits their refusals) first.
        tokio::time::sleep(Duration::from_secs(2)).await;
        attack.reset();
        let started = Instant::now();
        let figures = probes(&http, base, token, max_user).await?;
        let seconds = started.elapsed().as_secs_f64();
        let answered = attack.stop().await;
        let total: u64 = answered.values().sum();
        let by_status: Vec<String> = answered.iter().map(|(status, n)| format!("{status}: {n}")).collect();
        print_line(label, figures, &format!("{:.0}/s ({})", total as f64 / seconds, by_status.join(", ")));
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Flood {
    /// Wrong passwords to the dashboard's login, from one address or 200.
    BadLogins { spread: bool },
    /// `GET /healthz`, the cheapest answer there is.
    Healthz,
}

/// 200 clients sending requests back to back until stopped; counts the answers by status.
struct Attack {
    running: Arc<AtomicBool>,
    counts: Arc<std::sync::Mutex<BTreeMap<u16, u64>>>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Attack {
    fn start(base: &str, flood: Flood) -> anyhow::Result<Attack> {
        let running = Arc::new(AtomicBool::new(true));
        let counts = Arc::new(std::sync::Mutex::new(BTreeMap::new()));
        let http = reqwest::Client::builder().pool_max_idle_per_host(ATTACKERS).build()?;
        let workers = (0..ATTACKERS)
            .map(|n| {
                let (running, counts, http) = (running.clone(), counts.clone(), http.clone());
                let (login, health) = (format!("{base}/api/session/login"), format!("{base}/healthz"));
                let spread = matches!(flood, Flood::BadLogins { spread: true });
                let address = if spread { format!("10.9.{}.{}", n / 250, 1 + n % 250) } else { "10.8.0.1".into() };
                tokio::spawn(async move {
                    let mut i = 0u64;
                    while running.load(Ordering::Relaxed) {
                        // Known and unknown names alike: the admin, and guesses.
                        let username = if i.is_multiple_of(2) {
                            "admin@backoffice.local".to_string()
                        } else {
                            format!("guess{n}-{i}@x.test")
                        };
                        let request = match flood {
                            Flood::Healthz => http.get(&health),
                            Flood::BadLogins { .. } => http
                                .post(&login)
                                .header("x-backoffice-request", "1")
                                .json(&serde_json::json!({ "username": username, "password": "not the password" })),
                        };
                        let sent = request.header(CLIENT_IP_HEADER, &address).send().await;
                        let status = match sent {
                            Ok(res) => {
                                let status = res.status().as_u16();
                                let _ = res.bytes().await;
                                status
                            }
                            Err(_) => 0,
                        };
                        *counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entry(status).or_default() +=
                            1;
                        i += 1;
                    }
                })
            })
            .collect();
        Ok(Attack { running, counts, workers })
    }

    fn reset(&self) {
        self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    async fn stop(self) -> BTreeMap<u16, u64> {
        let answered = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        self.running.store(false, Ordering::Relaxed);
        for worker in self.workers {
            let _ = worker.await;
        }
        answered
    }
}
