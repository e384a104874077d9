//! The benchmark's own load generator: requests one at a time (latency) or from many
//! connections at once for a while (throughput under load), with the server process's
//! resident memory sampled meanwhile.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// A request's path for its `i`-th sending.
pub type PathFn = Arc<dyn Fn(u64) -> String + Send + Sync>;

/// Requests one after another: p50 / p95 in ms, and the rows an answer held on average
/// (`rows` reads them from the answer).
pub struct Sequential {
    pub p50: f64,
    pub p95: f64,
    pub rows: f64,
}

/// Many connections at once: requests per second, p50 / p99 in ms, and the highest resident
/// memory of the server's process seen meanwhile, in MB.
pub struct UnderLoad {
    pub rps: f64,
    pub p50: f64,
    pub p99: f64,
    pub peak_rss_mb: f64,
}

pub fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^ (z >> 31)
}

pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx].as_secs_f64() * 1000.0
}

/// The process whose memory the measures report: the server's (`serve::start`).
static SERVER_PID: OnceLock<u32> = OnceLock::new();

/// From now on, memory figures are those of process `pid`.
pub fn watch_server(pid: u32) {
    let _ = SERVER_PID.set(pid);
}

/// The resident memory of the server's process (of this one until `watch_server`), in KiB.
pub fn rss_kib() -> u64 {
    let status = match SERVER_PID.get() {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_string(),
    };
    std::fs::read_to_string(status)
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// `count` GETs of `path(i)`, one at a time; each answer must be a success.
pub async fn sequential(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    path: &PathFn,
    count: usize,
    rows: impl Fn(&serde_json::Value) -> usize,
) -> anyhow::Result<Sequential> {
    let mut times = Vec::with_capacity(count);
    let mut total_rows = 0usize;
    for i in 0..count as u64 {
        let url = format!("{base}{}", path(i));
        let started = Instant::now();
        let mut req = http.get(&url);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await?;
        let status = res.status();
        let body = res.bytes().await?;
        times.push(started.elapsed());
        anyhow::ensure!(status.is_success(), "{url}: {status} {}", String::from_utf8_lossy(&body));
        total_rows += serde_json::from_slice(&body).map(|v| rows(&v)).unwrap_or(0);
    }
    times.sort();
    Ok(Sequential {
        p50: percentile(&times, 0.50),
        p95: percentile(&times, 0.95),
        rows: total_rows as f64 / count.max(1) as f64,
    })
}

/// `connections` clients sending GET `path(i)` back to back for `seconds`.
pub async fn under_load(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    path: PathFn,
    connections: usize,
    seconds: u64,
) -> anyhow::Result<UnderLoad> {
    let sampling = Arc::new(AtomicBool::new(true));
    let peak = Arc::new(AtomicU64::new(rss_kib()));
    let sampler = {
        let (sampling, peak) = (sampling.clone(), peak.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for c in 0..connections as u64 {
        let (http, base, token, path) = (http.clone(), base.to_string(), token.map(str::to_string), path.clone());
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut i = c * 1_000_000;
            while Instant::now() < deadline {
                let url = format!("{base}{}", path(i));
                let sent = Instant::now();
                let mut req = http.get(&url);
                if let Some(token) = &token {
                    req = req.bearer_auth(token);
                }
                let res = req.send().await?;
                let status = res.status();
                res.bytes().await?;
                anyhow::ensure!(status.is_success(), "{url}: {status}");
                times.push(sent.elapsed());
                i += 1;
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut times = Vec::new();
    for worker in workers {
        times.extend(worker.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    sampling.store(false, Ordering::Relaxed);
    sampler.await?;
    times.sort();
    Ok(UnderLoad {
        rps: times.len() as f64 / elapsed,
        p50: percentile(&times, 0.50),
        p99: percentile(&times, 0.99),
        peak_rss_mb: peak.load(Ordering::Relaxed) as f64 / 1024.0,
    })
}
