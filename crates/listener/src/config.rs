//! What the listener is started with: its limits and the callbacks the app plugs in.
//!
//! Not here: enforcing the limits (see `admission`, `body`, `connection`) or calling the hooks
//! (see `hooks`).

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
    /// Threads of the listener's own tokio runtime (connections are tasks on it).
    pub workers: usize,
    /// Connections open at once. When all are taken, a new connection is still accepted and the
    /// oldest one that has not proven itself (no verified delivery on it) and is not committing
    /// a delivery is closed to make room; only when every connection is committing is the new
    /// one answered 503.
    pub max_connections: usize,
    /// A body larger than this is answered 413; an announced one before any of it is read.
    pub max_body_bytes: usize,
    /// The time a client has to send a request head (counted from the connection, or from the
    /// previous answer, so it also bounds an idle keep-alive connection), and then its body.
    pub read_timeout: Duration,
    /// The same two deadlines for connections that have not proven themselves while the
    /// listener is under pressure (more than half of `max_connections` open), and always for
    /// the body of an unsigned request. Recur sends a whole delivery at once, so it is short.
    /// Never longer than `read_timeout` (it is shortened to that).
    pub pressured_timeout: Duration,
    /// Requests served on one connection before it is closed (`Connection: close`).
    pub max_requests_per_connection: usize,
    /// The most receipts committed in one SQLite transaction.
    pub batch_max: usize,
    /// Unverified deliveries journaled per second, on average (ten times that at once); past
    /// it they are answered 401 unread and counted, not journaled.
    pub unverified_per_second: u32,
}

impl ListenerConfig {
    pub fn new(port: u16, webhook_secret: Secret) -> Self {
        Self {
            port,
            webhook_secret,
            workers: 2,
            max_connections: 256,
            max_body_bytes: 1024 * 1024,
            read_timeout: Duration::from_secs(10),
            pressured_timeout: Duration::from_secs(2),
            max_requests_per_connection: 100,
            batch_max: 128,
            unverified_per_second: 5,
        }
    }
}

/// Which return page the customer's browser landed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnKind {
    Success,
    Cancel,
}

/// Called after a **verified** delivery's journal row (and effect, if any) was committed: an
/// applied event, a duplicate, or a signed body that is not an event (`Undecodable`). Never for
/// a delivery whose signature did not verify. The `&str` is the event's `type` as read from the
/// verified body (the envelope's own field, never the unsigned `X-Recur-Event-Type` header);
/// `None` when the body is not an event.
///
/// Hooks run on the listener's own hook thread, one call at a time, in commit order, never on a
/// connection: a slow hook delays only later hooks. The listener queues at most a bounded
/// number of calls; beyond that (the app has stopped keeping up) calls are dropped and counted
/// in [`crate::ListenerStats::hooks_dropped`]. Keep them short anyway.
pub type OutcomeHook = Arc<dyn Fn(&WebhookOutcome, Option<&str>) + Send + Sync>;
/// Called with the page kind and the `session_id` query parameter when it looks like an id
/// (letters, digits, `_`, `-`, at most 128 of them); `None` otherwise. Anyone can open a
/// return page, so these calls are rate-limited, and a visit whose id is already waiting to be
/// handed over is coalesced with it.
pub type ReturnHook = Arc<dyn Fn(ReturnKind, Option<&str>) + Send + Sync>;

/// How the app learns what happened. Both are optional.
#[derive(Clone, Default)]
pub struct Hooks {
    /// After each verified delivery committed; see [`OutcomeHook`].
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
