//! What every connection shares: the configuration, the writer, the hook calls, the connection
//! registry, the body budget, the unverified-journal rate and the counters.
//!
//! Kept in a module of its own, below everything that uses it, so that the files of this crate
//! read top-down (server → connection → route → webhook/pages → the pieces below).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper_util::rt::TokioTimer;

use crate::admission::{Admission, Slot};
use crate::body::Budget;
use crate::config::ListenerConfig;
use crate::hooks::HookCalls;
use crate::limiter::TokenBucket;
use crate::stats::Counters;
use crate::writer::Writer;

/// A request head larger than this is refused (431), by hyper.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// hyper's read buffer per connection at most (the head, and body bytes not yet taken).
const MAX_READ_BUFFER: usize = 64 * 1024;

pub(crate) struct Context {
    pub config: ListenerConfig,
    pub writer: Writer,
    pub hooks: HookCalls,
    pub counters: Arc<Counters>,
    pub admission: Arc<Admission>,
    pub budget: Budget,
    unverified: Mutex<TokenBucket>,
    http: http1::Builder,
    http_pressured: http1::Builder,
}

impl Context {
    pub fn new(mut config: ListenerConfig, writer: Writer, hooks: HookCalls, counters: Arc<Counters>) -> Context {
        // Never longer than the ordinary deadline it shortens.
        config.pressured_timeout = config.pressured_timeout.min(config.read_timeout);
        let rate = f64::from(config.unverified_per_second);
        Context {
            admission: Admission::new(config.max_connections),
            http: http_builder(config.read_timeout),
            http_pressured: http_builder(config.pressured_timeout),
            unverified: Mutex::new(TokenBucket::new(rate, rate * 10.0)),
            budget: Budget::default(),
            config,
            writer,
            hooks,
            counters,
        }
    }

    /// hyper's HTTP/1 server settings, with the head deadline for this connection.
    pub fn http(&self, pressured: bool) -> &http1::Builder {
        if pressured {
            &self.http_pressured
        } else {
            &self.http
        }
    }

    /// How long the connection in `slot` has for a body starting now.
    pub fn body_time(&self, slot: &Slot) -> Duration {
        if slot.proven() || !self.admission.pressured() {
            self.config.read_timeout
        } else {
            self.config.pressured_timeout
        }
    }

    /// Whether one more unverified delivery may be journaled now.
    pub fn admit_unverified(&self) -> bool {
        self.unverified
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .admit(Instant::now())
    }
}

fn http_builder(head_timeout: Duration) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Counted from the connection or from the previous answer: bounds idle keep-alive too.
        .header_read_timeout(head_timeout)
        .max_header_size(MAX_HEAD_BYTES)
        .max_buf_size(MAX_READ_BUFFER)
        // A client may send its whole request and then shut its side down; it still gets its
        // answer.
        .half_close(true)
        .keep_alive(true);
    builder
}
