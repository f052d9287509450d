//! The hook thread: the app's callbacks run here, one at a time, never on a connection.
//!
//! A connection hands over what happened and goes on answering; a slow or panicking hook costs
//! the listener nothing. Both lanes are bounded: outcomes of committed deliveries (first, up to
//! [`OUTCOME_LANE`] waiting) and return-page visits (second, up to [`RETURN_LANE`], rate-limited,
//! and a visit with the same session id as one already waiting is coalesced with it). What does
//! not fit is dropped and counted: the app reads sessions in its sweep anyway.
//!
//! Not here: deciding which deliveries deserve a call (the webhook route calls only for verified,
//! committed ones) or what the app does with them.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use recur_ledger::WebhookOutcome;

use crate::config::{Hooks, ReturnKind};
use crate::lanes::Lanes;
use crate::limiter::TokenBucket;
use crate::stats::{Count, Counters};

/// Outcome calls waiting at most.
const OUTCOME_LANE: usize = 1024;
/// Return-page calls waiting at most.
const RETURN_LANE: usize = 64;
/// Return-page calls per second on average, and at once.
const RETURNS_PER_SECOND: f64 = 5.0;
const RETURNS_BURST: f64 = 20.0;
/// How long stopping waits for a hook that is still running.
const JOIN_TIMEOUT: Duration = Duration::from_secs(2);

struct OutcomeCall {
    outcome: WebhookOutcome,
    event_type: Option<String>,
}

#[derive(PartialEq, Eq)]
struct ReturnCall {
    kind: ReturnKind,
    session_id: Option<String>,
}

pub(crate) struct HookCalls {
    lanes: Arc<Lanes<OutcomeCall, ReturnCall>>,
    returns: Mutex<TokenBucket>,
    counters: Arc<Counters>,
    wants_outcomes: bool,
    wants_returns: bool,
}

/// The running hook thread, joined by [`HookThread::stop`].
pub(crate) struct HookThread {
    lanes: Arc<Lanes<OutcomeCall, ReturnCall>>,
    // In a mutex only so that the listener holding it stays `Sync`.
    done: Mutex<mpsc::Receiver<()>>,
    thread: JoinHandle<()>,
}

impl HookCalls {
    pub fn start(hooks: Hooks, counters: Arc<Counters>) -> std::io::Result<(HookCalls, HookThread)> {
        let lanes = Arc::new(Lanes::new(OUTCOME_LANE, RETURN_LANE));
        let calls = HookCalls {
            lanes: Arc::clone(&lanes),
            returns: Mutex::new(TokenBucket::new(RETURNS_PER_SECOND, RETURNS_BURST)),
            counters,
            wants_outcomes: hooks.on_outcome.is_some(),
            wants_returns: hooks.on_return.is_some(),
        };
        let (finished, done) = mpsc::channel();
        let queue = Arc::clone(&lanes);
        let thread = std::thread::Builder::new()
            .name("recur-listener-hooks".into())
            .spawn(move || {
                run(&hooks, &queue);
                let _ = finished.send(());
            })?;
        Ok((
            calls,
            HookThread {
                lanes,
                done: Mutex::new(done),
                thread,
            },
        ))
    }

    /// A verified delivery committed; `event_type` comes from its verified body.
    pub fn outcome(&self, outcome: &WebhookOutcome, event_type: Option<String>) {
        if !self.wants_outcomes {
            return;
        }
        let call = OutcomeCall {
            outcome: outcome.clone(),
            event_type,
        };
        if self.lanes.push_first(call).is_err() {
            self.counters.add(Count::HookDropped);
        }
    }

    /// A return page was opened; `session_id` is already checked to look like an id.
    pub fn returned(&self, kind: ReturnKind, session_id: Option<&str>) {
        if !self.wants_returns {
            return;
        }
        let admitted = self
            .returns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .admit(Instant::now());
        let call = ReturnCall {
            kind,
            session_id: session_id.map(str::to_owned),
        };
        if !admitted || self.lanes.push_second_unless(call, |a, b| a == b).is_err() {
            self.counters.add(Count::HookDropped);
        }
    }
}

impl HookThread {
    /// Lets the queued calls run, then ends the thread; does not wait long for a stuck hook.
    pub fn stop(self) {
        self.lanes.close();
        let finished = self
            .done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .recv_timeout(JOIN_TIMEOUT);
        match finished {
            Ok(()) => {
                let _ = self.thread.join();
            }
            Err(_) => tracing::warn!("a listener hook is still running; not waiting for it"),
        }
    }
}

fn run(hooks: &Hooks, lanes: &Lanes<OutcomeCall, ReturnCall>) {
    while let Some((outcomes, returns)) = lanes.take(64, 8) {
        for call in outcomes {
            if let Some(hook) = &hooks.on_outcome {
                guarded("on_outcome", || hook(&call.outcome, call.event_type.as_deref()));
            }
        }
        for call in returns {
            if let Some(hook) = &hooks.on_return {
                guarded("on_return", || hook(call.kind, call.session_id.as_deref()));
            }
        }
    }
}

/// A panicking hook is logged; the thread goes on with the next call.
fn guarded(name: &'static str, call: impl FnOnce()) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).is_err() {
        tracing::error!(hook = name, "a listener hook panicked");
    }
}
