//! The front end's files: precompressed once per build, served brotli or gzip as the browser
//! accepts, hashed files cached for a year and everything else revalidated.

use std::io::Read;
use std::time::{Duration, SystemTime};

use crate::harness::{Flavor, browser, spawn_app_with_dist};

const WASM: &str = "/app-0123456789abcdef/main_bg.wasm";

fn write_dist() -> std::path::PathBuf {
    let dist = std::env::temp_dir().join(format!("backoffice-assets-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dist.join("public")).unwrap();
    std::fs::create_dir_all(dist.join("app-0123456789abcdef")).unwrap();
    let index = format!(
        "<!DOCTYPE html><html><head><title>Back office</title></head><body>{}</body></html>",
        "<!-- padding -->".repeat(64)
    );
    std::fs::write(dist.join("index.html"), index).unwrap();
    let wasm: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8 ^ (i / 1000) as u8).collect();
    std::fs::write(dist.join(&WASM[1..]), wasm).unwrap();
    std::fs::write(dist.join("app-0123456789abcdef/main.js"), "export function start() { return 42; }\n".repeat(40))
        .unwrap();
    std::fs::write(dist.join("public/favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap();
    dist
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hashed_files_go_out_precompressed_and_cached_for_a_year() {
    let dist = write_dist();
    let done = server::assets::precompress(&dist).unwrap();
    // index.html, the wasm and the script; the tiny icon is not worth it.
    assert_eq!((done.written, done.fresh), (3, 0));
    assert!(!dist.join("public/favicon.svg.br").exists());
    assert_eq!(server::assets::precompress(&dist).unwrap(), server::assets::Precompressed { written: 0, fresh: 3 });

    let app = spawn_app_with_dist(Flavor::Sqlite, dist.clone()).await;
    let original = std::fs::read(dist.join(&WASM[1..])).unwrap();
    let get = |path: &str, accept: Option<&str>| {
        let mut req = browser().get(format!("{}{path}", app.base_url));
        if let Some(accept) = accept {
            req = req.header("accept-encoding", accept);
        }
        async move {
            let res = req.send().await.unwrap();
            let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_string());
            let (encoding, cache, vary, kind) =
                (header("content-encoding"), header("cache-control"), header("vary"), header("content-type"));
            (res.status().as_u16(), encoding, cache, vary, kind, res.bytes().await.unwrap().to_vec())
        }
    };

    let (status, encoding, cache, vary, kind, body) = get(WASM, Some("br;q=1.0, gzip;q=0.5")).await;
    assert_eq!((status, encoding.as_deref()), (200, Some("br")));
    assert_eq!(cache.as_deref(), Some(server::assets::IMMUTABLE));
    assert!(vary.unwrap_or_default().to_lowercase().contains("accept-encoding"));
    assert_eq!(kind.as_deref(), Some("application/wasm"));
    assert!(body.len() < original.len());
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut &body[..], &mut unpacked).unwrap();
    assert_eq!(unpacked, original, "the brotli twin is the file");

    let (_, encoding, _, _, _, body) = get(WASM, Some("gzip")).await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut unpacked).unwrap();
    assert_eq!(unpacked, original, "the gzip twin is the file");

    let (_, encoding, cache, _, _, body) = get(WASM, None).await;
    assert_eq!((encoding, cache.as_deref(), body), (None, Some(server::assets::IMMUTABLE), original.clone()));

    // index.html and the app's routes are revalidated, compressed or not.
    for path in ["/", "/index.html", "/users", "/payout-approvals"] {
        let (status, encoding, cache, _, _, _) = get(path, Some("br")).await;
        assert_eq!((status, encoding.as_deref(), cache.as_deref()), (200, Some("br"), Some("no-cache")), "{path}");
    }
    // A build file that is not there is a 404 revalidated, not the app's index.html for a year.
    for path in ["/app-0123456789abcdef/split_gone_1.wasm", "/app-fedcba9876543210/main_bg.wasm"] {
        let (status, _, cache, _, _, _) = get(path, Some("br")).await;
        assert_eq!((status, cache.as_deref()), (404, Some("no-cache")), "{path}");
    }
    let (status, encoding, cache, _, _, _) = get("/public/favicon.svg", Some("br")).await;
    assert_eq!((status, encoding, cache.as_deref()), (200, None, Some("no-cache")));
    // The API keeps its own policy.
    let (status, _, cache, _, _, _) = get("/v1/users", None).await;
    assert_eq!((status, cache.as_deref()), (401, Some("no-store")));

    // A new build of a file gives it new twins (and only it).
    let rebuilt: Vec<u8> = original.iter().rev().copied().collect();
    std::fs::write(dist.join(&WASM[1..]), &rebuilt).unwrap();
    let later = SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options().write(true).open(dist.join(&WASM[1..])).unwrap().set_modified(later).unwrap();
    assert_eq!(server::assets::precompress(&dist).unwrap(), server::assets::Precompressed { written: 1, fresh: 2 });
    let (_, _, _, _, _, body) = get(WASM, Some("br")).await;
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut &body[..], &mut unpacked).unwrap();
    assert_eq!(unpacked, rebuilt);
    let _ = std::fs::remove_dir_all(&dist);
}

/// While brotli twins are still being written (seconds for a real wasm), a browser that
/// accepts both gets the gzip twin, which `precompress` writes first, not the raw file.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missing_brotli_twin_falls_back_to_gzip() {
    let dist = write_dist();
    server::assets::precompress(&dist).unwrap();
    std::fs::remove_file(dist.join(format!("{}.br", &WASM[1..]))).unwrap();
    let app = spawn_app_with_dist(Flavor::Sqlite, dist.clone()).await;
    let res =
        browser().get(format!("{}{WASM}", app.base_url)).header("accept-encoding", "br, gzip").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string()).as_deref(), Some("gzip"));
    let body = res.bytes().await.unwrap();
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut unpacked).unwrap();
    assert_eq!(unpacked, std::fs::read(dist.join(&WASM[1..])).unwrap());
    std::fs::remove_dir_all(&dist).ok();
}
