//! What can go wrong talking to Recur, as one enum with stable codes, and the pure
//! classification of an HTTP answer (status first, then Recur's error code) into it.
//!
//! Not here: whether to retry (see [`crate::retry`]) and anything that needs a socket. No
//! variant ever carries the secret key; messages come from Recur's answer or from the client.

use std::time::Duration;

use serde_json::Value;

/// An error from the Recur client. The UI shows [`RecurError::code`], never the message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecurError {
    /// 401: the key is missing, wrong or revoked.
    #[error("Recur refused the key: {message}")]
    Unauthorized { message: String },
    /// 403: the key may not do this.
    #[error("Recur forbids this request: {message}")]
    Forbidden { message: String },
    /// 404: no such product or checkout session.
    #[error("not found at Recur: {message}")]
    NotFound { message: String },
    /// 400, 422 and other 4xx: a field is missing or malformed; `field` when Recur names it.
    #[error("Recur rejected the request{}: {message}", field.as_ref().map(|f| format!(" (field {f})")).unwrap_or_default())]
    InvalidRequest { field: Option<String>, message: String },
    /// 409: e.g. the customer already subscribes to this product.
    #[error("conflict at Recur: {message}")]
    Conflict { message: String },
    /// 429: too many requests; `retry_after` from the `Retry-After` header.
    #[error("Recur rate limit reached")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx: Recur failed.
    #[error("Recur failed with HTTP {status}: {message}")]
    Server { status: u16, message: String },
    /// No complete answer within the configured time; the request may or may not have been processed.
    #[error("Recur did not answer in time")]
    Timeout,
    /// The connection failed. `connect` is true when it failed while connecting, before any
    /// byte of the request was sent, so Recur surely never saw it.
    #[error("cannot reach Recur: {message}")]
    Network { message: String, connect: bool },
    /// A 2xx answer the client cannot read (or an unexpected status such as a redirect).
    #[error("Recur's answer could not be read: {message}")]
    Undecodable { message: String },
    /// A `pk_…` key was configured.
    #[error(
        "a publishable key (pk_…) cannot set metadata, and reconciliation needs metadata: \
         use the secret key (sk_test_… or sk_live_…)"
    )]
    PublishableKey,
    /// The configuration is unusable (no key, unknown key prefix, bad base URL).
    #[error("Recur client configuration: {message}")]
    Config { message: String },
}

impl RecurError {
    /// A stable snake_case code, for the UI's translations and for logs.
    pub fn code(&self) -> &'static str {
        match self {
            RecurError::Unauthorized { .. } => "unauthorized",
            RecurError::Forbidden { .. } => "forbidden",
            RecurError::NotFound { .. } => "not_found",
            RecurError::InvalidRequest { .. } => "invalid_request",
            RecurError::Conflict { .. } => "conflict",
            RecurError::RateLimited { .. } => "rate_limited",
            RecurError::Server { .. } => "server",
            RecurError::Timeout => "timeout",
            RecurError::Network { .. } => "network",
            RecurError::Undecodable { .. } => "undecodable",
            RecurError::PublishableKey => "publishable_key",
            RecurError::Config { .. } => "config",
        }
    }

    /// Transient by nature: trying the same read again later may succeed. Whether a given
    /// request is actually retried is [`crate::RetryPolicy::retry_delay`]'s decision.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            RecurError::RateLimited { .. }
                | RecurError::Server { .. }
                | RecurError::Timeout
                | RecurError::Network { .. }
        )
    }

    /// The field Recur named as wrong, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            RecurError::InvalidRequest { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn undecodable(message: impl Into<String>) -> Self {
        RecurError::Undecodable {
            message: message.into(),
        }
    }
}

/// Classifies a non-2xx answer: by HTTP status first; Recur's `error.code` decides only for a
/// status the contract does not name. `retry_after` is the raw `Retry-After` header.
pub fn classify_response(status: u16, retry_after: Option<&str>, body: &[u8]) -> RecurError {
    let detail = ErrorDetail::parse(body);
    let message = detail.message.clone().unwrap_or_else(|| fallback_message(status, body));
    match status {
        400 | 422 => RecurError::InvalidRequest {
            field: detail.field,
            message,
        },
        401 => RecurError::Unauthorized { message },
        403 => RecurError::Forbidden { message },
        404 => RecurError::NotFound { message },
        409 => RecurError::Conflict { message },
        429 => RecurError::RateLimited {
            retry_after: retry_after.and_then(parse_retry_after),
        },
        500..=599 => RecurError::Server { status, message },
        402..=499 => by_code(detail, message, retry_after),
        _ => RecurError::Undecodable {
            message: format!("unexpected HTTP {status}: {message}"),
        },
    }
}

/// `Retry-After` in seconds (an HTTP date is not honoured: the backoff applies instead).
pub fn parse_retry_after(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
}

fn by_code(detail: ErrorDetail, message: String, retry_after: Option<&str>) -> RecurError {
    match detail.code.as_deref().unwrap_or("") {
        "unauthorized" | "authentication_error" => RecurError::Unauthorized { message },
        "forbidden" | "permission_denied" => RecurError::Forbidden { message },
        "not_found" | "resource_not_found" => RecurError::NotFound { message },
        "conflict" => RecurError::Conflict { message },
        "rate_limited" | "rate_limit_exceeded" | "too_many_requests" => RecurError::RateLimited {
            retry_after: retry_after.and_then(parse_retry_after),
        },
        _ => RecurError::InvalidRequest {
            field: detail.field,
            message,
        },
    }
}

/// The parts of `{"error": {"code", "message", "details": [{"field"}], "param"}}` the client uses.
#[derive(Default)]
struct ErrorDetail {
    code: Option<String>,
    message: Option<String>,
    field: Option<String>,
}

impl ErrorDetail {
    fn parse(body: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return Self::default();
        };
        // Some answers put the fields at the top level instead of under "error".
        let error = match value.get("error") {
            Some(inner) if inner.is_object() => inner,
            _ => &value,
        };
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let top_message = match value.get("error") {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let from_details = error
            .get("details")
            .and_then(Value::as_array)
            .and_then(|items| items.iter().find_map(|d| text(d, "field").or_else(|| text(d, "param"))));
        Self {
            code: text(error, "code").map(|c| c.trim().to_ascii_lowercase()),
            message: text(error, "message").or(top_message).filter(|m| !m.trim().is_empty()),
            field: from_details
                .or_else(|| text(error, "param"))
                .or_else(|| text(error, "field")),
        }
    }
}

/// A short, printable excerpt of a body that is not Recur's error shape.
fn fallback_message(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return format!("HTTP {status}");
    }
    let excerpt: String = text.chars().take(200).filter(|c| !c.is_control()).collect();
    format!("HTTP {status}: {excerpt}")
}

#[cfg(test)]
mod tests;
