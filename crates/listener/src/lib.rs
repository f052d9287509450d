//! The webhook listener: Recur's signed webhooks in, durable ledger entries out.
//!
//! A small HTTP/1.1 server bound to 127.0.0.1 (the tunnel or the sandbox reaches it there). It
//! serves `POST /webhooks/recur` and the customer's return pages (`GET /return/success`,
//! `GET /return/cancel`); everything else is 404, other methods 405.
//!
//! # How a webhook travels
//!
//! ```text
//! accept thread ──► connection threads (pool) ──► writer thread ──► SQLite (one transaction per batch)
//!                   read head + body with limits    drain ≤ batch_max jobs
//!                   verify the signature            receive_webhooks(batch)
//!                   push (receipt, reply) ───────►  COMMIT (one fsync)
//!                   wait for the reply  ◄─────────  reply to each job
//!                   answer 200/401/400/500
//! ```
//!
//! - **Reading.** Each connection is served by one thread from a pool: `workers` threads are
//!   kept warm, more are started on demand up to `max_connections` (beyond that a connection is
//!   answered 503 and closed). Every read is bounded in time (`read_timeout` for the whole head,
//!   counted from its first byte, then again for the whole body; `idle_timeout` between
//!   keep-alive requests) and in size (`max_body_bytes`, checked against `Content-Length` before
//!   reading and counted while reading a chunked body), so a slow or stalled client only holds
//!   its own thread, and only for a bounded time.
//! - **Verifying.** `X-Recur-Signature` (Base64 or hex) is checked over the raw body bytes in
//!   constant time before anything parses them. A missing, duplicated or wrong signature, or a
//!   head with control characters smuggled into header values, makes the delivery unverified.
//! - **Group commit.** Every delivery, verified or not, becomes a [`recur_ledger::WebhookReceipt`]
//!   pushed with a one-shot reply channel to the single writer thread. The writer takes what is
//!   waiting (up to `batch_max`), hands the batch to the ledger, which journals, deduplicates and
//!   applies each receipt inside ONE SQLite transaction (a savepoint per receipt, so one bad
//!   receipt does not undo the others) and commits once — one fsync for the batch, with
//!   `synchronous=FULL` untouched. Only then does it reply; a connection answers 2xx only after
//!   its receipt's batch committed. While one commit is in flight the next batch accumulates, so
//!   batches grow with the load and no artificial delay is needed.
//! - **Answers.** Applied or duplicate → 200 `{"received":true,…}`; unverified → 401 (journaled
//!   as rejected); signed but not a readable event → 400 (journaled); too large → 413 (not
//!   journaled, body not read); a ledger error → 500, so Recur delivers again.
//!
//! Not here: the ledger's rules (matching, state machine — `recur-ledger`), the tunnel that
//! makes this reachable from Recur, the app's reaction to outcomes (see [`Hooks`]). Bodies and
//! the webhook secret are never logged.

mod config;
mod error;
mod http;
mod pages;
mod pool;
mod server;
mod stats;
mod webhook;
mod writer;

pub use config::{Hooks, ListenerConfig, ReturnKind};
pub use error::ListenerError;
pub use server::Listener;
pub use stats::ListenerStats;

/// Where Recur (or the sandbox) delivers webhooks.
pub const WEBHOOK_PATH: &str = "/webhooks/recur";
/// The webhook URL Recur's dashboard is given for a base URL (`https://x.trycloudflare.com` →
/// `https://x.trycloudflare.com/webhooks/recur`): the one place it is built.
pub fn webhook_url(base: &str) -> String {
    format!("{}{WEBHOOK_PATH}", base.trim_end_matches('/'))
}

/// The page the customer's browser returns to after paying.
pub const RETURN_SUCCESS_PATH: &str = "/return/success";
/// The page the customer's browser returns to after cancelling.
pub const RETURN_CANCEL_PATH: &str = "/return/cancel";
