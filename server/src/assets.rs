//! The front end's files (`dist/`, built by `scripts/front.sh`): served precompressed, brotli
//! or gzip as the browser accepts; the files of the build's hashed folder cached for a year
//! (a new build is a new folder), everything else (`index.html`, the app's routes, `public/`)
//! revalidated on every load.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};

/// What a text-like file ends with; images and fonts are compressed already.
const COMPRESSIBLE: [&str; 7] = ["wasm", "js", "css", "html", "svg", "json", "txt"];
/// Smaller than this, compression saves less than its headers cost.
const MIN_BYTES: u64 = 512;

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const REVALIDATE: &str = "no-cache";

/// The app: the file asked for, its `.br` or `.gz` twin when the browser takes it, and
/// `index.html` for every other path (the app's own routes).
pub fn service(dist: &Path) -> ServeDir<ServeFile> {
    ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(dist.join("index.html")).precompressed_br().precompressed_gzip())
}

/// `Cache-Control` for what `service` answers, by the name asked for, and `Vary`: a cache
/// keeps one copy per encoding. A build file that is not there is a 404, never the app's
/// `index.html` (which would then be kept a year in the file's place, and a page module that
/// is HTML ends the app).
pub async fn cache_policy(State(dist): State<Arc<PathBuf>>, req: Request, next: Next) -> Response {
    let hashed = is_hashed(req.uri().path());
    if hashed && !dist.join(req.uri().path().trim_start_matches('/')).is_file() {
        let mut missing = StatusCode::NOT_FOUND.into_response();
        missing.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
        return missing;
    }
    let mut response = next.run(req).await;
    if response.status().is_success() || response.status() == axum::http::StatusCode::NOT_MODIFIED {
        let policy = if hashed { IMMUTABLE } else { REVALIDATE };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// `scripts/front.sh` puts every built file (wasm modules, JS, CSS) in one folder named by
/// the hash of their contents, `app-<16 lower-case hex digits>/<file>`: a new build is a new
/// folder. The file is a plain name (letters, digits, `_`, `-`, `.`; no `..`).
pub fn is_hashed(path: &str) -> bool {
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let (Some(folder), Some(file)) = (segments.next(), segments.next()) else { return false };
    let hash = folder.strip_prefix("app-").unwrap_or_default();
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && !file.is_empty()
        && file.chars().all(plain)
        && !file.contains("..")
}

/// What `precompress` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Precompressed {
    /// Files given fresh `.br` and `.gz` twins.
    pub written: usize,
    /// Files whose twins were already newer than they are.
    pub fresh: usize,
}

/// Writes `file.gz` (gzip, best) and `file.br` (brotli, best) beside every compressible file
/// of `dist` that lacks them or changed since: once per build, so that no request
/// compresses anything. Every gzip twin comes first: brotli at its best takes ~20 s for a
/// 2 MB wasm on this machine, gzip a fraction of a second, and a browser asking meanwhile
/// gets the gzip twin rather than the raw file.
pub fn precompress(dist: &Path) -> std::io::Result<Precompressed> {
    let mut sources = Vec::new();
    for file in files(dist)? {
        let compressible = file.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSIBLE.contains(&e));
        let metadata = std::fs::metadata(&file)?;
        if compressible && metadata.len() >= MIN_BYTES {
            sources.push((file, metadata.modified()?));
        }
    }
    type Compress = fn(&[u8]) -> std::io::Result<Vec<u8>>;
    let mut written = std::collections::BTreeSet::new();
    for (extension, compress) in [("gz", gzip_of as Compress), ("br", brotli_of)] {
        for (file, modified) in &sources {
            let target = twin(file, extension);
            let is_fresh = std::fs::metadata(&target).and_then(|m| m.modified()).is_ok_and(|m| m >= *modified);
            if !is_fresh {
                write_atomically(&target, &compress(&std::fs::read(file)?)?)?;
                written.insert(file.clone());
            }
        }
    }
    Ok(Precompressed { written: written.len(), fresh: sources.len() - written.len() })
}

fn twin(file: &Path, extension: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

/// Every file under `dir`, twins aside.
fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if !matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz" | "tmp")) {
                found.push(path);
            }
        }
    }
    Ok(found)
}

/// A reader never sees half a file: written beside, then renamed over.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = twin(path, "tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

pub fn brotli_of(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

pub fn gzip_of(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_a_hashed_build_folder_are_told_from_the_rest() {
        assert!(is_hashed("/app-5f4dcc3b5aa765d6/main_bg.wasm"));
        assert!(is_hashed("/app-5f4dcc3b5aa765d6/split_all_cards_1541034732.wasm"));
        assert!(is_hashed("/app-0123456789abcdef/main.css"));
        assert!(!is_hashed("/app-0123456789abcdef/"), "the folder itself");
        assert!(!is_hashed("/app-0123456789abcdef"));
        assert!(!is_hashed("/app-0123456789abcde/main.js"), "15 digits");
        assert!(!is_hashed("/app-0123456789abcdeg/main.js"));
        assert!(!is_hashed("/app-0123456789ABCDEF/main.js"), "upper case");
        assert!(!is_hashed("/app-0123456789abcdef/%2e%2e/index.html"));
        assert!(!is_hashed("/app-0123456789abcdef/../index.html"));
        assert!(!is_hashed("/app-0123456789abcdef/a/b.js"), "one file name");
        assert!(!is_hashed("/users/app-0123456789abcdef/main.js"), "not at the top");
        assert!(!is_hashed("/app-5f4dcc3b5aa765d6_bg.wasm"), "a file name's own hash no longer counts");
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/public/favicon.svg"));
        assert!(!is_hashed("/users"));
        assert!(!is_hashed("/payout-approvals"));
        assert!(!is_hashed("/app-notahash.js"));
    }
}
