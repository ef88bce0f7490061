//! The security middleware of every response: CSP with a per-response nonce, other security
//! headers, caching rules, the cross-site request check and the page shown after a panic.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use app::server::infra::security::CspNonce;
use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use tokio::sync::Semaphore;

use crate::settings::Admission;

/// Requests being worked on and waiting (see [`Admission`]).
#[derive(Clone, Debug)]
pub struct Gate {
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    limits: Admission,
}

impl Gate {
    pub fn new(limits: Admission) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limits.in_flight.max(1))),
            waiting: Arc::new(AtomicUsize::new(0)),
            limits,
        }
    }

    /// Sets the gauges of requests at work and waiting (`/metrics`).
    fn publish(&self) {
        let in_flight = self
            .limits
            .in_flight
            .max(1)
            .saturating_sub(self.permits.available_permits());
        metrics::gauge!("ruxue_requests_in_flight").set(in_flight as f64);
        metrics::gauge!("ruxue_requests_waiting").set(self.waiting.load(Ordering::Acquire) as f64);
    }
}

/// Counts a waiting request until it stops waiting (also when its client goes away).
struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Seconds a refused client is asked to wait before trying again.
const BUSY_RETRY_AFTER: &str = "3";

/// Lets a bounded number of requests in at once; others wait in a bounded queue for a
/// bounded time, and beyond that get 503 with `Retry-After` at once: a crowd is told to
/// come back rather than piling up until every request times out. Health checks and the
/// site's static files are never held back.
pub async fn admit(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path == "/healthz"
        || path == "/readyz"
        || path == "/metrics"
        || path.starts_with("/pkg/")
        || path == "/favicon.ico"
    {
        return next.run(request).await;
    }
    let permit = match gate.permits.clone().try_acquire_owned() {
        Ok(permit) => permit,
        Err(_) => {
            if gate.waiting.fetch_add(1, Ordering::AcqRel) >= gate.limits.queued {
                gate.waiting.fetch_sub(1, Ordering::AcqRel);
                return busy(&request);
            }
            let waiting = Waiting(gate.waiting.clone());
            let turn =
                tokio::time::timeout(gate.limits.wait, gate.permits.clone().acquire_owned()).await;
            drop(waiting);
            match turn {
                Ok(Ok(permit)) => permit,
                _ => return busy(&request),
            }
        }
    };
    gate.publish();
    let response = next.run(request).await;
    drop(permit);
    gate.publish();
    response
}

fn busy(request: &Request) -> Response {
    tracing::warn!(path = %request.uri().path(), "refused: too many requests waiting");
    busy_answer(request)
}

/// 503 with `Retry-After`: the wire error for server functions called by a page's code
/// (the page keeps its answers on the phone and tries again); for a browser asking for a
/// page, a short page that reloads itself, and for a form a page without code posted (to a
/// server function, asking for HTML), a page that says the press did not go through
/// (reloading would not send the form again). Also what a request gets when its session
/// cannot be read (the database busy or down).
pub(crate) fn busy_answer(request: &Request) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let wants_page = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let (content_type, body) = if api && !wants_page {
        (
            "application/json",
            r#"{"Unavailable":{"request_id":null}}"#.to_owned(),
        )
    } else if api {
        (
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>系统繁忙 · Busy</title></head><body>\
             <h1>报名的人很多，刚才的操作没有完成</h1><p>请按返回键回到上一页，稍等片刻再试一次。已经保存的信息不会丢失。</p>\
             <p lang=\"en\">Many people are registering now, and what you just did did not go through. Go back to the page before and try again in a moment; nothing already saved is lost.</p>\
             </body></html>"
                .to_owned(),
        )
    } else {
        (
            "text/html; charset=utf-8",
            format!(
                "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                 <meta http-equiv=\"refresh\" content=\"{BUSY_RETRY_AFTER}\">\
                 <title>系统繁忙 · Busy</title></head><body>\
                 <h1>报名的人很多，请稍候</h1><p>页面会在几秒后自动重新打开，您已填写的内容不会丢失。</p>\
                 <p lang=\"en\">Many people are registering now. This page opens again by itself in a few seconds; nothing you entered is lost.</p>\
                 </body></html>"
            ),
        )
    };
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
    let headers = response.headers_mut();
    insert(headers, header::CONTENT_TYPE, content_type);
    insert(headers, header::RETRY_AFTER, BUSY_RETRY_AFTER);
    insert(headers, header::CACHE_CONTROL, "no-store");
    response
}

/// What the header middleware needs from the settings.
#[derive(Clone, Debug)]
pub struct SecurityConfig {
    /// Extra origins allowed to frame the platform and send it requests (host apps).
    pub host_app_origins: Arc<[String]>,
    pub https: bool,
}

/// Adds the security headers and gives each page a fresh CSP nonce.
pub async fn security_headers(
    State(config): State<SecurityConfig>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let frame_ancestors = std::iter::once("'self'")
        .chain(config.host_app_origins.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    let csp = if is_html {
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {frame_ancestors}"
        )
    } else {
        format!("default-src 'none'; frame-ancestors {frame_ancestors}")
    };
    let headers = response.headers_mut();
    tidy_location(headers);
    insert(headers, header::CONTENT_SECURITY_POLICY, &csp);
    insert(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    insert(headers, header::REFERRER_POLICY, "same-origin");
    insert(headers, "cross-origin-opener-policy", "same-origin");
    insert(
        headers,
        "permissions-policy",
        "geolocation=(), microphone=(), payment=(), usb=()",
    );
    if config.https {
        insert(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000",
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Pages and answers may carry personal data: never store them. Static assets are
        // revalidated on each use, cheaply with If-Modified-Since.
        let value = if path.starts_with("/pkg/") || path == "/favicon.ico" {
            "no-cache"
        } else {
            "no-store"
        };
        insert(headers, header::CACHE_CONTROL, value);
    }
    response
}

/// A plain form post to a server function is sent back to the page it came from, its
/// address rebuilt without a previous error's parameters: without any left, it ends in a
/// bare `?`, which the browser would then show and keep in its history. Trimmed here.
fn tidy_location(headers: &mut HeaderMap) {
    let Some(trimmed) = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_suffix('?'))
        .and_then(|v| HeaderValue::from_str(v).ok())
    else {
        return;
    };
    headers.insert(header::LOCATION, trimmed);
}

fn insert(headers: &mut HeaderMap, name: impl header::IntoHeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// Refuses a state-changing request that a browser says came from another site
/// (server functions have no CSRF protection of their own).
pub async fn refuse_cross_site(
    State(config): State<SecurityConfig>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || is_same_site_or_host_app(request.headers(), &config.host_app_origins) {
        return next.run(request).await;
    }
    tracing::warn!(path = request.uri().path(), "refused a cross-site request");
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "请求来源不受信任，已拒绝。请从本平台页面操作。\nThis request came from another site and was refused.",
    )
        .into_response()
}

/// Whether the `Origin` is this host or a configured host app; without `Origin`, whether
/// `Sec-Fetch-Site` allows it. Requests with neither (not from a browser) pass.
fn is_same_site_or_host_app(headers: &HeaderMap, host_app_origins: &[String]) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        if host_app_origins.iter().any(|o| o == origin) {
            return true;
        }
        let authority = origin.split_once("://").map(|(_, rest)| rest);
        return matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h));
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => matches!(site, "same-origin" | "none"),
        None => true,
    }
}

/// Refuses text holding a NUL character (in the query, a form or JSON) before any page or
/// server function reads it: nobody types one, and PostgreSQL can neither store nor compare
/// text holding it (its error was a 500). Photo uploads, which are binary, are routed
/// around this layer.
pub async fn refuse_nul(request: Request, next: Next) -> Response {
    if request.uri().query().is_some_and(|q| q.contains("%00")) {
        return nul_refused();
    }
    let kind = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let form = kind.starts_with("application/x-www-form-urlencoded");
    let json = kind.starts_with("application/json");
    if !(form || json) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The body limit's layer, outside this one, bounds what is read here.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let holds = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    let refused = bytes.contains(&0)
        || (form && holds(b"%00"))
        || (json && holds(b"\\u0000") && json_holds_nul(&bytes));
    if refused {
        return nul_refused();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether a JSON text holds a string with a NUL character (`\u0000` may also be an
/// escaped backslash followed by "u0000").
fn json_holds_nul(bytes: &[u8]) -> bool {
    fn holds(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::String(text) => text.contains('\0'),
            serde_json::Value::Array(items) => items.iter().any(holds),
            serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds(v)),
            _ => false,
        }
    }
    serde_json::from_slice(bytes).is_ok_and(|value| holds(&value))
}

fn nul_refused() -> Response {
    let error = app::error::AppError::Invalid {
        problems: vec![app::error::FieldProblem::new(
            "text",
            "输入的内容含有无法保存的空字符（NUL），请删除后重试。",
            "The text holds a character that cannot be stored (NUL): remove it and try again.",
        )],
    };
    let body = serde_json::to_string(&error).unwrap_or_default();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// Drops a request ID the client sent, so that the ID layer makes the server's own: one
/// chosen by the client would be written into the logs and could name another request's
/// error.
pub async fn drop_client_request_id(mut request: Request, next: Next) -> Response {
    request.headers_mut().remove("x-request-id");
    next.run(request).await
}

/// The answer to a request whose handler panicked: a generic page, never a dropped connection.
pub fn panic_response(_payload: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    let page = "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>系统出错 · Error</title></head><body>\
        <h1>系统出错了</h1><p>请稍后再试。已填写并保存的内容不会丢失。</p>\
        <p lang=\"en\">Something went wrong. Try again later; what you saved is not lost.</p>\
        <p><a href=\"/\">返回首页 · Home</a></p></body></html>";
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn a_redirect_back_to_a_page_never_ends_in_a_bare_question_mark() {
        let mut back = headers(&[("location", "http://ruxue.cn/me?")]);
        tidy_location(&mut back);
        assert_eq!(back["location"], "http://ruxue.cn/me");
        let mut with_error =
            headers(&[("location", "http://ruxue.cn/me?__path=%2Fapi%2Fx&__err=e30")]);
        tidy_location(&mut with_error);
        assert_eq!(
            with_error["location"],
            "http://ruxue.cn/me?__path=%2Fapi%2Fx&__err=e30"
        );
    }

    #[test]
    fn same_origin_and_host_apps_pass_other_sites_do_not() {
        let apps = vec!["https://app.example.cn".to_owned()];
        assert!(is_same_site_or_host_app(
            &headers(&[("host", "ruxue.cn"), ("origin", "https://ruxue.cn")]),
            &apps
        ));
        assert!(is_same_site_or_host_app(
            &headers(&[("host", "ruxue.cn"), ("origin", "https://app.example.cn")]),
            &apps
        ));
        assert!(!is_same_site_or_host_app(
            &headers(&[("host", "ruxue.cn"), ("origin", "https://evil.cn")]),
            &apps
        ));
        assert!(!is_same_site_or_host_app(
            &headers(&[("host", "ruxue.cn"), ("origin", "null")]),
            &apps
        ));
        assert!(!is_same_site_or_host_app(
            &headers(&[("host", "ruxue.cn"), ("sec-fetch-site", "cross-site")]),
            &apps
        ));
        assert!(is_same_site_or_host_app(
            &headers(&[("host", "ruxue.cn"), ("sec-fetch-site", "same-origin")]),
            &apps
        ));
        assert!(is_same_site_or_host_app(
            &headers(&[("host", "ruxue.cn")]),
            &apps
        ));
    }
}
