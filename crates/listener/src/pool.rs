//! The pool of connection threads: each open connection is served by one thread.
//!
//! `core` threads stay alive between connections; above that, threads are started on demand
//! (up to `max`) and leave after a few idle seconds. A thread blocked on a slow client therefore
//! never delays another connection, and the count of threads stays bounded. When every thread
//! is busy and the pool is full, [`ConnectionPool::dispatch`] hands the connection back so the
//! caller can refuse it.
//!
//! Accounting: `idle` is (threads waiting for work) − (connections queued for them); a queued
//! connection always has a waiting thread reserved for it, so it never sits in the queue while
//! a new thread would have been started.

use std::collections::VecDeque;
use std::net::TcpStream;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a thread above the core count waits for another connection before leaving.
const LINGER: Duration = Duration::from_secs(5);

type Serve = dyn Fn(TcpStream) + Send + Sync;

pub(crate) struct ConnectionPool {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    work: Condvar,
    finished: Condvar,
    core: usize,
    max: usize,
    serve: Box<Serve>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<TcpStream>,
    idle: usize,
    threads: usize,
    closing: bool,
}

impl ConnectionPool {
    pub fn new(core: usize, max: usize, serve: Box<Serve>) -> ConnectionPool {
        let shared = Shared {
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            finished: Condvar::new(),
            core,
            max: max.max(1),
            serve,
        };
        ConnectionPool {
            shared: Arc::new(shared),
        }
    }

    /// Gives the connection to an idle thread or a new one; hands it back when the pool is full
    /// (or closing, or no thread could be started).
    pub fn dispatch(&self, stream: TcpStream) -> Result<(), TcpStream> {
        let mut state = self.shared.lock();
        if state.closing {
            return Err(stream);
        }
        if state.idle > 0 {
            state.idle -= 1;
            state.queue.push_back(stream);
            self.shared.work.notify_one();
            return Ok(());
        }
        if state.threads >= self.shared.max {
            return Err(stream);
        }
        state.threads += 1;
        drop(state);
        let shared = Arc::clone(&self.shared);
        let mut first = Some(stream);
        let spawned = std::thread::Builder::new()
            .name("recur-listener-conn".into())
            .spawn(move || run(&shared, first.take()));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start a connection thread");
            self.shared.exit(&mut self.shared.lock());
            // The closure (and the stream in it) was dropped with the failed spawn.
            return Ok(());
        }
        Ok(())
    }

    /// Stops taking connections and waits (at most `timeout`) until every thread has finished
    /// its connection. Threads see the listener's shutdown flag and close idle connections.
    pub fn close(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        state.closing = true;
        self.shared.work.notify_all();
        while state.threads > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .shared
                .finished
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the counters half-updated in a way that
        // matters more than stopping the listener would, so keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn exit(&self, state: &mut State) {
        state.threads -= 1;
        self.finished.notify_all();
    }

    /// The next connection for an idle thread, or None when the thread should leave.
    fn next(&self) -> Option<TcpStream> {
        let mut state = self.lock();
        state.idle += 1;
        loop {
            if let Some(stream) = state.queue.pop_front() {
                return Some(stream);
            }
            if state.closing {
                state.idle -= 1;
                self.exit(&mut state);
                return None;
            }
            if state.threads <= self.core {
                state = self.work.wait(state).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            let (guard, wait) = self.work.wait_timeout(state, LINGER).unwrap_or_else(|e| e.into_inner());
            state = guard;
            if wait.timed_out() && state.queue.is_empty() && state.threads > self.core {
                state.idle -= 1;
                self.exit(&mut state);
                return None;
            }
        }
    }
}

fn run(shared: &Shared, first: Option<TcpStream>) {
    let mut next = first;
    while let Some(stream) = next {
        // A panic in one connection must not shrink the pool's accounting.
        let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (shared.serve)(stream)));
        if served.is_err() {
            tracing::error!("a connection handler panicked");
        }
        next = shared.next();
    }
}
