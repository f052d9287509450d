//! Counters for the UI and the benchmark. Lock-free; read as a consistent-enough snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

use recur_ledger::WebhookOutcome;

/// Since the listener started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListenerStats {
    /// Webhook deliveries whose body was read completely (verified or not).
    pub received: u64,
    /// Committed and answered 200, first delivery of its event id.
    pub applied: u64,
    /// Committed and answered 200, an event id seen before.
    pub duplicates: u64,
    /// Answered 4xx by the listener: not verified, undecodable, too large, incomplete or too
    /// slow. (Heads too malformed to route are answered by hyper and not counted here.)
    pub rejected: u64,
    /// Answered 500 because the ledger failed (Recur delivers again).
    pub failed: u64,
    /// SQLite transactions committed by the writer with at least one verified delivery.
    pub batches: u64,
    /// The most verified deliveries one of those transactions held.
    pub largest_batch: u64,
    /// Deliveries whose signature did not verify.
    pub unverified: u64,
    /// Of those, the ones not journaled: over the rate limit, or the writer's lane was full.
    pub unverified_dropped: u64,
    /// Connections closed to make room for a new one (see `ListenerConfig::max_connections`).
    pub evicted: u64,
    /// Connections answered 503 because every open one was committing a delivery.
    pub refused: u64,
    /// Hook calls dropped because the app was not keeping up, or over the return-page rate.
    pub hooks_dropped: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    received: AtomicU64,
    applied: AtomicU64,
    duplicates: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
    batches: AtomicU64,
    largest_batch: AtomicU64,
    unverified: AtomicU64,
    unverified_dropped: AtomicU64,
    evicted: AtomicU64,
    refused: AtomicU64,
    hooks_dropped: AtomicU64,
}

/// One event worth counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Count {
    Received,
    Rejected,
    Failed,
    Unverified,
    UnverifiedDropped,
    Evicted,
    Refused,
    HookDropped,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> ListenerStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ListenerStats {
            received: get(&self.received),
            applied: get(&self.applied),
            duplicates: get(&self.duplicates),
            rejected: get(&self.rejected),
            failed: get(&self.failed),
            batches: get(&self.batches),
            largest_batch: get(&self.largest_batch),
            unverified: get(&self.unverified),
            unverified_dropped: get(&self.unverified_dropped),
            evicted: get(&self.evicted),
            refused: get(&self.refused),
            hooks_dropped: get(&self.hooks_dropped),
        }
    }

    pub(crate) fn add(&self, what: Count) {
        let counter = match what {
            Count::Received => &self.received,
            Count::Rejected => &self.rejected,
            Count::Failed => &self.failed,
            Count::Unverified => &self.unverified,
            Count::UnverifiedDropped => &self.unverified_dropped,
            Count::Evicted => &self.evicted,
            Count::Refused => &self.refused,
            Count::HookDropped => &self.hooks_dropped,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn batch(&self, size: usize) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.largest_batch.fetch_max(size as u64, Ordering::Relaxed);
    }

    /// Counts a committed outcome under the status it is answered with.
    pub(crate) fn outcome(&self, outcome: &WebhookOutcome) {
        let counter = match outcome {
            WebhookOutcome::Applied(_) => &self.applied,
            WebhookOutcome::Duplicate => &self.duplicates,
            WebhookOutcome::Rejected | WebhookOutcome::Undecodable(_) => &self.rejected,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
