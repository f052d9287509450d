//! The answers the listener gives: JSON in Recur's error shape, and self-contained HTML pages.
//!
//! hyper frames them (`Content-Length`, `Date`, keep-alive); `closing` asks it to close the
//! connection after the answer, which it does when a response says `Connection: close`.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue, ALLOW, CONNECTION, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use serde_json::{json, Value};

/// Every answer of the listener.
pub(crate) type Answer = Response<Full<Bytes>>;

pub(crate) fn json(status: u16, value: &Value) -> Answer {
    build(status, "application/json", value.to_string().into_bytes())
}

/// Recur's error shape: `{"error": {"code", "message"}}`.
pub(crate) fn error(status: u16, code: &str, message: &str) -> Answer {
    json(status, &json!({ "error": { "code": code, "message": message } }))
}

/// 405 with the one method the path takes.
pub(crate) fn method_not_allowed(allow: &'static str) -> Answer {
    let mut answer = error(405, "method_not_allowed", &format!("use {allow}"));
    answer.headers_mut().insert(ALLOW, HeaderValue::from_static(allow));
    answer
}

pub(crate) fn html(page: String) -> Answer {
    let mut answer = build(200, "text/html; charset=utf-8", page.into_bytes());
    // The pages are self-contained: nothing may be loaded from anywhere.
    let headers = [
        (
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ];
    for (name, value) in headers {
        answer
            .headers_mut()
            .insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    answer
}

/// The same answer, then the connection is closed (a body was left unread, or the connection
/// carried its last request).
pub(crate) fn closing(mut answer: Answer) -> Answer {
    answer
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    answer
}

fn build(status: u16, content_type: &'static str, body: Vec<u8>) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    answer
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    answer
}
