//! What the listener is started with: its limits and the callbacks the app plugs in.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use recur_domain::Secret;
use recur_ledger::WebhookOutcome;

/// Limits and the webhook secret. Build it with [`ListenerConfig::new`] and change fields as
/// needed; every field has a sensible default.
#[derive(Clone, Debug)]
pub struct ListenerConfig {
    /// 0 = any free port. The listener binds 127.0.0.1 only.
    pub port: u16,
    /// `whsec_…`: the whole string is the HMAC key.
    pub webhook_secret: Secret,
    /// Connection threads kept warm (more are started on demand, see `max_connections`).
    pub workers: usize,
    /// Open connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// A larger body is answered 413 without being read.
    pub max_body_bytes: usize,
    /// The time a client has to send a whole request head, and then a whole body.
    pub read_timeout: Duration,
    /// How long an idle keep-alive connection is kept open.
    pub idle_timeout: Duration,
    /// The most receipts committed in one SQLite transaction.
    pub batch_max: usize,
}

impl ListenerConfig {
    pub fn new(port: u16, webhook_secret: Secret) -> Self {
        Self {
            port,
            webhook_secret,
            workers: 8,
            max_connections: 256,
            max_body_bytes: 1024 * 1024,
            read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            batch_max: 128,
        }
    }
}

/// Which return page the customer's browser landed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnKind {
    Success,
    Cancel,
}

/// Called by the listener's threads with the outcome and the `X-Recur-Event-Type` header (the
/// app refreshes its catalogue on `product.*`); keep them short (hand work to another thread).
pub type OutcomeHook = Arc<dyn Fn(&WebhookOutcome, Option<&str>) + Send + Sync>;
/// Called with the page kind and the `session_id` query parameter, if any.
pub type ReturnHook = Arc<dyn Fn(ReturnKind, Option<&str>) + Send + Sync>;

/// How the app learns what happened. Both are optional.
#[derive(Clone, Default)]
pub struct Hooks {
    /// After each delivery's transaction committed (also for duplicates and rejections).
    pub on_outcome: Option<OutcomeHook>,
    /// When the customer's browser opens a return page (the app then reads that session).
    pub on_return: Option<ReturnHook>,
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("on_outcome", &self.on_outcome.is_some())
            .field("on_return", &self.on_return.is_some())
            .finish()
    }
}
