//! How a sandbox is configured: [`SandboxConfig`], the injectable [`Faults`], the [`Quirks`]
//! (which of Recur's documented variants it emits) and the crate's error type.
//!
//! Nothing here starts threads or touches the network; see [`crate::Sandbox`] for that.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;

/// Everything a [`crate::Sandbox`] needs to start.
#[derive(Clone)]
pub struct SandboxConfig {
    /// 0 = any free port. The API and the control routes bind 127.0.0.1 only.
    pub port: u16,
    /// Phone-test mode: the hosted checkout pages (and the small return pages) also listen on
    /// this address, and session URLs carry it, so a phone on the shop's network can pay.
    /// `/v1` and the control routes are never served there. Off (`None`) by default.
    pub lan: Option<IpAddr>,
    /// Requests to `/v1` must send this key (`Authorization: Bearer …` or `X-Recur-Secret-Key`).
    pub secret_key: String,
    /// Endpoints that receive every event.
    pub webhook_urls: Vec<String>,
    /// Signs webhook bodies (the whole string, `whsec_` included).
    pub webhook_secret: String,
    pub catalog: Catalog,
    /// How long a checkout session stays OPEN.
    pub session_ttl: Duration,
    /// Requests per key per rolling minute; `None` = unlimited.
    pub rate_limit_per_min: Option<u32>,
    /// How long a webhook endpoint may take to answer before the attempt counts as failed.
    pub webhook_timeout: Duration,
    /// Delays before each retry of a failed delivery; its length is the number of retries.
    pub retry_schedule: Vec<Duration>,
    pub faults: Faults,
    /// Which variant of Recur's material the sandbox emits; can be changed at run time.
    pub quirks: Quirks,
    /// Seeds the randomness of fault injection, so a faulty run can be reproduced.
    pub seed: Option<u64>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            lan: None,
            secret_key: "sk_test_sandbox".to_owned(),
            webhook_urls: Vec::new(),
            webhook_secret: "whsec_sandbox".to_owned(),
            catalog: Catalog::builtin(),
            session_ttl: Duration::from_secs(30 * 60),
            rate_limit_per_min: Some(100),
            webhook_timeout: Duration::from_secs(20),
            retry_schedule: [5, 30, 120, 600, 1800, 3600].map(Duration::from_secs).to_vec(),
            faults: Faults::default(),
            quirks: Quirks::default(),
            seed: None,
        }
    }
}

impl SandboxConfig {
    /// Any free port, no rate limit, retries within about 1.5 s and a 2 s webhook timeout.
    pub fn for_tests() -> Self {
        SandboxConfig {
            rate_limit_per_min: None,
            webhook_timeout: Duration::from_secs(2),
            retry_schedule: [50, 100, 200, 400, 800].map(Duration::from_millis).to_vec(),
            ..SandboxConfig::default()
        }
    }
}

// The keys are secrets even in a sandbox: a Debug print must not teach anyone to log them.
impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("port", &self.port)
            .field("lan", &self.lan)
            .field("secret_key", &"[REDACTED]")
            .field("webhook_urls", &self.webhook_urls)
            .field("webhook_secret", &"[REDACTED]")
            .field("products", &self.catalog.products.len())
            .field("session_ttl", &self.session_ttl)
            .field("rate_limit_per_min", &self.rate_limit_per_min)
            .field("webhook_timeout", &self.webhook_timeout)
            .field("retry_schedule", &self.retry_schedule)
            .field("faults", &self.faults)
            .field("quirks", &self.quirks)
            .field("seed", &self.seed)
            .finish()
    }
}

/// Misbehaviour to inject, so clients and webhook receivers can be tested against a bad day.
///
/// Webhook faults: `duplicate_rate`, `shuffle`, `delay_ms`, `drop_rate`. API faults (paths
/// under `/v1` only): `api_500_rate`, `api_429_rate`, `api_slow_ms`, `api_garbage_rate`.
/// JSON is snake_case; a missing field means 0/false.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Chance that an event is delivered a second time (same id, same bytes).
    pub duplicate_rate: f64,
    /// Deliver the events of one payment in random order.
    pub shuffle: bool,
    /// A random delay in `[min, max]` ms before each first attempt.
    pub delay_ms: (u64, u64),
    /// Chance that a first attempt is not sent (logged as failed, then retried).
    pub drop_rate: f64,
    /// Chance that a `/v1` request is answered 500 (after it was processed).
    pub api_500_rate: f64,
    /// Chance that a `/v1` request is answered 429 with `Retry-After: 1` (not processed).
    pub api_429_rate: f64,
    /// Sleep this long before answering a `/v1` request (after processing it).
    pub api_slow_ms: u64,
    /// Chance that a `/v1` request is answered 200 with a body that is not JSON (after processing).
    pub api_garbage_rate: f64,
}

impl Faults {
    /// Whether any webhook fault is on.
    pub fn any_webhook_fault(&self) -> bool {
        self.duplicate_rate > 0.0 || self.shuffle || self.delay_ms.1 > 0 || self.drop_rate > 0.0
    }
}

/// Where Recur's material disagrees with itself, or shows a behaviour only sometimes, the
/// sandbox emits the default (recur-api.md §2, §6) and these switches turn the other on.
/// JSON is snake_case; a missing field means its default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Quirks {
    /// Session bodies (`/v1` and `/_sandbox/sessions`) in the brief's camelCase instead of
    /// the snake_case of Recur's newest official material.
    pub camel_case: bool,
    /// Whether e-invoices are issued after payments and refunds.
    pub einvoice: EinvoiceMode,
    /// Payment events (`checkout.*`, `order.*`) carry no `metadata` at all, as a production
    /// integrator reports for `order.paid` of payment links.
    pub omit_metadata: bool,
    /// After a declined first subscription payment, also send a `checkout.completed` with
    /// neither a completed status nor an order id (Recur's first-subscription diagram).
    pub completed_after_decline: bool,
}

/// `--einvoice on|off|fail`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EinvoiceMode {
    /// `einvoice.issued` after every payment; a void or an allowance after refunds.
    #[default]
    On,
    /// No e-invoice events.
    Off,
    /// `einvoice.issue_failed` instead of `einvoice.issued` (and nothing after refunds).
    Fail,
}

impl EinvoiceMode {
    pub fn parse(text: &str) -> Option<EinvoiceMode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "on" => Some(EinvoiceMode::On),
            "off" => Some(EinvoiceMode::Off),
            "fail" => Some(EinvoiceMode::Fail),
            _ => None,
        }
    }
}
