//! The webhook listener: Recur's signed webhooks in, durable ledger entries out.
//!
//! An HTTP/1.1 server bound to 127.0.0.1 (the tunnel or the sandbox reaches it there). It serves
//! `POST /webhooks/recur` and the customer's return pages (`GET /return/success`,
//! `GET /return/cancel`); everything else is 404, other methods 405.
//!
//! # Why hyper, and what the limits are for
//!
//! The listener faces the internet through the tunnel, and everything the tunnel forwards
//! arrives from 127.0.0.1, so no limit can be per client. HTTP/1 framing (heads, chunking,
//! `Content-Length` rules, smuggling) is left to hyper's HTTP/1 server, which the whole ecosystem
//! runs and fuzzes, on a tokio runtime of the listener's own (see `server`). What is ours is the
//! policy around it:
//! - **Deadlines.** A head must arrive within `read_timeout` of the connection or of the
//!   previous answer (hyper's header-read timeout, so it bounds idle keep-alive too), a body
//!   within `read_timeout` of its head. Connections that have not proven themselves get
//!   `pressured_timeout` instead while the listener is under pressure, and an unsigned body
//!   always does. A slow client holds a task and a small buffer, not a thread, and not for long.
//! - **Sizes.** Heads up to 16 KiB (431 beyond, from hyper). A body over `max_body_bytes` is
//!   413 — before any of it is read when it is announced. Body memory grows with the bytes that
//!   arrived, never with the announced length, and large bodies share one bounded budget.
//! - **Connections.** At most `max_connections`; a new one makes room by closing the oldest
//!   connection that has not proven itself (carried no verified delivery) and is not committing,
//!   so hundreds of slow clients cannot keep Recur out (see `admission`). Each connection
//!   carries at most `max_requests_per_connection` requests.
//! - **Unverified deliveries cost almost nothing.** Without a signature the body is not even
//!   read, unless the journal's rate still allows one more digest; with a wrong one it is read,
//!   checked, and journaled only as a digest (headers, length, SHA-256, 256 bytes) on a lossy lane
//!   that never waits in front of verified work, and answered 401 without waiting for a commit.
//!
//! # How a verified webhook travels
//!
//! ```text
//! accept ──► connection task (hyper) ──► writer thread ──► SQLite (one transaction per batch)
//!            head + body within limits     drain ≤ batch_max receipts (+ a few digests)
//!            verify the signature          receive_deliveries(batch)
//!            submit (receipt, oneshot) ──► COMMIT (one fsync)
//!            await the reply ◄──────────── reply to each
//!            answer 200/400/500            hook thread ◄── the outcome and the signed event type
//! ```
//!
//! - **Verifying.** `X-Recur-Signature` (Base64 or hex) is checked over the raw body bytes in
//!   constant time (`recur_domain::signature`) before anything parses them. A missing, empty or
//!   duplicated signature, or a head hyper would not parse, never verifies.
//! - **Group commit.** A verified delivery becomes a [`recur_ledger::WebhookReceipt`], pushed with
//!   a one-shot reply channel to the single writer thread. The writer takes what is waiting (up
//!   to `batch_max`), hands the batch to the ledger, which journals, deduplicates and applies each
//!   receipt inside ONE SQLite transaction (a savepoint per receipt) and commits once — one fsync
//!   for the batch, with `synchronous=FULL` untouched. Only then does it reply; a connection
//!   answers 2xx only after its receipt's batch committed.
//! - **Answers.** Applied or duplicate → 200 `{"received":true,…}`; unverified → 401; signed but
//!   not a readable event → 400 (journaled); too large → 413; too slow → 408; a ledger error →
//!   500, so Recur delivers again.
//! - **Hooks.** Only verified, committed deliveries reach [`Hooks::on_outcome`], with the event
//!   type read from the signed body; return-page visits reach [`Hooks::on_return`] only with a
//!   plain session id, rate-limited. Both run on one thread of their own, behind bounded lanes.
//!
//! # Fuzzing
//!
//! The request path does not need a socket: `connection` serves any byte stream, and
//! [`InProcess`] feeds it in-memory pipes, so the fuzz target `listener_request` (`fuzz/`, run
//! with `scripts/fuzz.sh`) drives everything above, hyper to the ledger, from fuzz bytes.
//!
//! Not here: the ledger's rules (matching, state machine — `recur-ledger`), the tunnel that
//! makes this reachable from Recur, the app's reaction to outcomes. Bodies and the webhook
//! secret are never logged.

mod admission;
mod body;
mod config;
mod connection;
mod context;
mod error;
mod hooks;
mod in_process;
mod lanes;
mod limiter;
mod pages;
mod response;
mod route;
mod server;
mod stats;
mod webhook;
mod writer;

pub use config::{Hooks, ListenerConfig, OutcomeHook, ReturnHook, ReturnKind};
pub use error::ListenerError;
pub use in_process::InProcess;
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
