//! Counters for the UI and the benchmark. Lock-free; read as a consistent-enough snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

use recur_ledger::WebhookOutcome;

/// Since the listener started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListenerStats {
    /// Webhook deliveries whose body was read (and so handed to the ledger).
    pub received: u64,
    /// Committed and answered 200, first delivery of its event id.
    pub applied: u64,
    /// Committed and answered 200, an event id seen before.
    pub duplicates: u64,
    /// Answered 4xx: bad signature, undecodable, too large, malformed or too slow.
    pub rejected: u64,
    /// Answered 500 because the ledger failed (Recur delivers again).
    pub failed: u64,
    /// SQLite transactions committed by the writer.
    pub batches: u64,
    /// The most receipts one of those transactions held.
    pub largest_batch: u64,
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
        }
    }

    pub(crate) fn received(&self) {
        self.received.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn rejected(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
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
