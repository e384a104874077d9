//! Request-level defences: request ids, cross-site request refusal for server functions,
//! and the security headers of every response.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

use app::client::{APP_REQUEST_HEADER, APP_REQUEST_HEADER_VALUE};
use backend::RequestMeta;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Gives every request an id (kept in the audit log and in error messages) and echoes it
/// in the response; notes the client's address (for the audit log and the rate limits).
pub async fn request_id(
    State(client_ip_header): State<Arc<Option<HeaderName>>>,
    mut req: Request,
    next: Next,
) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let client_ip = client_address(&req, client_ip_header.as_ref().as_ref());
    let user_agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(user_agent_shown);
    let meta = RequestMeta { request_id: id.clone(), client_ip, user_agent };
    req.extensions_mut().insert(meta.clone());
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    let mut response = tracing::Instrument::instrument(meta.scope(next.run(req)), span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// A user agent as sessions keep it: at most 200 characters (it is the client's claim, shown
/// to people, not trusted).
fn user_agent_shown(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// The client's address: the last one in the proxy's header when one is configured (the
/// proxy appends the address it saw; earlier ones are the client's claims), else the TCP peer.
fn client_address(req: &Request, proxy_header: Option<&HeaderName>) -> Option<String> {
    // A request without the header (or with garbage in it) did not come through the proxy:
    // it is counted under its TCP peer, never under no address at all.
    let from_proxy = proxy_header.and_then(|name| {
        let last = req
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty())?;
        last.parse::<std::net::IpAddr>().ok()
    });
    if let Some(ip) = from_proxy {
        return Some(ip.to_string());
    }
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// Why a server-function call was refused before reaching its body.
#[derive(Debug, PartialEq, Eq)]
pub enum CrossSiteRefusal {
    NotPost,
    MissingAppHeader,
    CrossSiteFetch,
    ForeignOrigin,
}

/// Server functions are called only by this app: POST, with the app's header, and not from
/// another site (Fetch Metadata and Origin, when the browser sends them).
pub fn check_same_site_call(method: &Method, headers: &HeaderMap) -> Result<(), CrossSiteRefusal> {
    if method != Method::POST {
        return Err(CrossSiteRefusal::NotPost);
    }
    if headers.get(APP_REQUEST_HEADER).and_then(|v| v.to_str().ok()) != Some(APP_REQUEST_HEADER_VALUE) {
        return Err(CrossSiteRefusal::MissingAppHeader);
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return Err(CrossSiteRefusal::CrossSiteFetch);
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
        if origin_host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
            return Err(CrossSiteRefusal::ForeignOrigin);
        }
    }
    Ok(())
}

/// The answer to a refused call, in the shape the app's client decodes.
pub fn refused_response(refusal: CrossSiteRefusal) -> Response {
    tracing::warn!(?refusal, "refused a server-function call");
    let body = serde_json::json!({ "Forbidden": "Cross-site request refused." }).to_string();
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/json")], Body::from(body)).into_response()
}

/// What `security_headers` needs: the dashboard's Content-Security-Policy, and whether the
/// server is reached over https (then browsers are told to keep to it: HSTS).
pub struct HeaderPolicy {
    pub csp: crate::http::CspForDist,
    pub hsts: bool,
}

/// The paths whose answers carry personal data or secrets: never stored by a browser or a
/// proxy.
fn is_private(path: &str) -> bool {
    ["/api/", "/v1/", "/core-connect/", "/oauth/", "/documents/"].iter().any(|p| path.starts_with(p))
}

/// Headers that every response carries.
pub async fn security_headers(
    axum::extract::State(policy): axum::extract::State<std::sync::Arc<HeaderPolicy>>,
    req: Request,
    next: Next,
) -> Response {
    let private = is_private(req.uri().path());
    let mut response = next.run(req).await;
    let csp = policy.csp.current();
    let headers = response.headers_mut();
    // A response that set its own policy keeps it (a document shown in the dashboard's
    // preview frame: `rest::documents::content`).
    let own_policy = headers.contains_key("content-security-policy");
    let own_cache = headers.contains_key("cache-control");
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    if !own_policy {
        set("content-security-policy", &csp);
        set("x-frame-options", "DENY");
    }
    if private && !own_cache {
        set("cache-control", "no-store");
    }
    if policy.hsts {
        set("strict-transport-security", "max-age=31536000; includeSubDomains");
    }
    set("x-content-type-options", "nosniff");
    set("referrer-policy", "no-referrer");
    set("cross-origin-opener-policy", "same-origin");
    response
}

/// The authority (`host[:port]`) of a URL, as a `Host` header names it.
pub fn authority_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default().to_lowercase();
    // A browser leaves the scheme's own port out of Host.
    let default_port = match scheme.to_lowercase().as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => "",
    };
    let authority = authority.strip_suffix(default_port).filter(|_| !default_port.is_empty()).unwrap_or(&authority);
    (!authority.is_empty()).then(|| authority.to_string())
}

/// Refuses a request for another host than the public URL's (when one is configured): a
/// browser sent it here through a name pointed at this server (DNS rebinding), so every
/// cookie and same-origin check would speak for the wrong site. `/healthz` answers anyone
/// (load balancers call it by address).
pub async fn check_host(
    axum::extract::State(expected): axum::extract::State<std::sync::Arc<Option<String>>>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(expected) = expected.as_deref()
        && req.uri().path() != "/healthz"
    {
        let named = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| req.uri().authority().map(|a| a.to_string()))
            .unwrap_or_default();
        if !named.eq_ignore_ascii_case(expected) {
            tracing::warn!(host = %named, "refused a request for another host");
            return (StatusCode::MISDIRECTED_REQUEST, format!("This server answers for {expected} only.\n"))
                .into_response();
        }
    }
    next.run(req).await
}

/// The largest request body, except a document's upload (`rest::documents::UPLOAD_BODY_LIMIT`).
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Bulk Cards sends its CSV (up to `backend::bulk_cards::MAX_BYTES`) inside a JSON string
/// (escaping adds little); 2 MiB is also axum's own default for a body read whole.
const BULK_CARDS_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The credential doors (logins, codes, sign-up, activation, reset, `/oauth/token`) take a
/// few fields: their refusals are held a while (`backend::rate_limit`), and what a held
/// request carries must stay small.
pub const CREDENTIAL_BODY_LIMIT: usize = 16 * 1024;

fn is_credential_door(path: &str) -> bool {
    path == "/oauth/token" || ["/api/session/", "/api/public/", "/api/two-factor/"].iter().any(|p| path.starts_with(p))
}

/// The body limit of a request's route.
fn body_limit(method: &Method, path: &str) -> usize {
    let upload = method == Method::POST && (path == "/v1/documents" || path == "/documents/upload");
    if upload {
        crate::rest::UPLOAD_BODY_LIMIT
    } else if is_credential_door(path) {
        CREDENTIAL_BODY_LIMIT
    } else if path == "/api/bulk-cards/start" {
        BULK_CARDS_BODY_LIMIT
    } else {
        BODY_LIMIT
    }
}

fn too_large(limit: usize) -> Response {
    crate::rest::ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_request",
        "payload_too_large",
        format!("The request body is over {} KiB.", limit / 1024),
    )
    .into_response()
}

/// Refuses a body over its route's limit with 413 on every route: at once when the
/// Content-Length says so, and while reading otherwise (the body is cut at the limit).
pub async fn limit_body(req: Request, next: Next) -> Response {
    let limit = body_limit(req.method(), req.uri().path());
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(limit);
    }
    let (parts, body) = req.into_parts();
    let body = if declared.is_some() {
        Body::new(http_body_util::Limited::new(body, limit))
    } else {
        // No length given (chunked): read it here, up to the limit, so that every route,
        // server functions included, answers the same 413.
        match axum::body::to_bytes(body, limit).await {
            Ok(bytes) => Body::from(bytes),
            Err(_) => return too_large(limit),
        }
    };
    next.run(Request::from_parts(parts, body)).await
}

/// The Content-Security-Policy: only our own files, plus the hashes of the inline scripts
/// that `scripts/front.sh` writes into `index.html` (found at start-up, so nothing else inline runs).
pub fn content_security_policy(index_html: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut hashes = String::new();
    let mut rest = index_html;
    while let Some(start) = rest.find("<script") {
        let after_tag = &rest[start..];
        let Some(open_end) = after_tag.find('>') else { break };
        let opening = &after_tag[..open_end];
        let body_and_rest = &after_tag[open_end + 1..];
        let Some(close) = body_and_rest.find("</script>") else { break };
        if !opening.contains(" src=") {
            let digest = Sha256::digest(&body_and_rest.as_bytes()[..close]);
            let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
            hashes.push_str(&format!(" 'sha256-{b64}'"));
        }
        rest = &body_and_rest[close..];
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
         form-action 'self'; object-src 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_authority_of_a_url_is_its_host_and_port() {
        assert_eq!(authority_of("https://Backoffice.Example.com/x?y").as_deref(), Some("backoffice.example.com"));
        assert_eq!(authority_of("http://127.0.0.1:3000").as_deref(), Some("127.0.0.1:3000"));
        assert_eq!(authority_of("https://bank.example:443/").as_deref(), Some("bank.example"));
        assert_eq!(authority_of("https://bank.example:8443").as_deref(), Some("bank.example:8443"));
        assert_eq!(authority_of("no scheme"), None);
    }

    #[test]
    fn same_site_calls_pass_and_cross_site_calls_are_refused() {
        let ok = headers(&[
            (APP_REQUEST_HEADER, "1"),
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert_eq!(check_same_site_call(&Method::POST, &ok), Ok(()));
        assert_eq!(check_same_site_call(&Method::GET, &ok), Err(CrossSiteRefusal::NotPost));
        let no_header = headers(&[("host", "127.0.0.1:3000")]);
        assert_eq!(check_same_site_call(&Method::POST, &no_header), Err(CrossSiteRefusal::MissingAppHeader));
        let cross = headers(&[(APP_REQUEST_HEADER, "1"), ("sec-fetch-site", "cross-site")]);
        assert_eq!(check_same_site_call(&Method::POST, &cross), Err(CrossSiteRefusal::CrossSiteFetch));
        let foreign =
            headers(&[(APP_REQUEST_HEADER, "1"), ("host", "127.0.0.1:3000"), ("origin", "https://evil.example")]);
        assert_eq!(check_same_site_call(&Method::POST, &foreign), Err(CrossSiteRefusal::ForeignOrigin));
    }

    #[test]
    fn session_cookies_are_host_only_and_secure_over_https() {
        use app::ssr::SessionCookie;
        use backend::sessions::SessionToken;
        let token = SessionToken("t0ken".into());
        let https = SessionCookie { secure: true }.set(&token, 60).unwrap();
        let https = https.to_str().unwrap();
        assert!(https.starts_with("__Host-backoffice_session=t0ken;"), "{https}");
        for flag in ["Path=/", "HttpOnly", "SameSite=Strict", "Secure", "Max-Age=60"] {
            assert!(https.contains(flag), "{https} lacks {flag}");
        }
        assert!(!https.contains("Domain"));
        let http = SessionCookie { secure: false }.set(&token, 60).unwrap();
        assert!(!http.to_str().unwrap().contains("Secure"));
        let cleared = SessionCookie { secure: true }.clear().unwrap();
        assert!(cleared.to_str().unwrap().contains("Max-Age=0"));

        let mut headers = HeaderMap::new();
        headers.insert("cookie", HeaderValue::from_static("a=1; __Host-backoffice_session=abc; b=2"));
        assert_eq!(SessionCookie { secure: true }.read(&headers), Some(SessionToken("abc".into())));
        assert_eq!(SessionCookie { secure: false }.read(&headers), None);
    }

    #[test]
    fn csp_allows_exactly_the_inline_scripts_of_the_page() {
        let html = r#"<html><script type="module">init()</script><script src="/a.js"></script></html>"#;
        let csp = content_security_policy(html);
        assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
