//! The one writer thread: group commit of webhook receipts.
//!
//! Connections [`Writer::submit`] a verified receipt with a one-shot reply channel and await it.
//! The writer takes everything that is waiting (up to `batch_max` receipts) and hands the batch
//! to [`Ledger::receive_deliveries`]: one SQLite transaction, a savepoint per receipt, one
//! commit, one fsync. Only after that call returned does it reply, so an acknowledgement always
//! follows the commit of its receipt. A batch fills by itself while the previous commit is in
//! flight; there is no waiting for more work.
//!
//! Two lanes, so that what nobody verified never waits in front of what Recur signed:
//! - verified receipts are never dropped. Their lane needs no bound of its own: a connection
//!   has at most one request in flight, so it never holds more than `max_connections` receipts;
//! - unverified digests ([`Writer::record_unverified`]) go to a small lossy lane: when it is full
//!   the digest is dropped (counted by the caller). The writer takes a few of them per
//!   transaction, after every receipt waiting, so they ride along with verified work and cost
//!   an fsync of their own only when nothing verified is waiting.
//!
//! Not here: HTTP, signatures (the receipt's type says it was verified).

use std::sync::Arc;
use std::thread::JoinHandle;

use recur_domain::Timestamp;
use recur_ledger::{Ledger, LedgerError, UnverifiedDelivery, WebhookOutcome, WebhookReceipt};
use tokio::sync::oneshot;

use crate::lanes::Lanes;
use crate::stats::Counters;

/// Unverified digests waiting at most; more are dropped.
const UNVERIFIED_LANE: usize = 256;
/// Unverified digests written per transaction at most.
const UNVERIFIED_PER_BATCH: usize = 32;

type Reply = Result<WebhookOutcome, LedgerError>;

struct Job {
    receipt: WebhookReceipt,
    reply: oneshot::Sender<Reply>,
}

/// The sending side, shared by every connection.
#[derive(Clone)]
pub(crate) struct Writer {
    inbox: Arc<Lanes<Job, UnverifiedDelivery>>,
}

/// Why a receipt got no answer from the ledger.
#[derive(Debug)]
pub(crate) enum SubmitError {
    /// The ledger refused the batch (the transaction did not commit).
    Ledger(LedgerError),
    /// No answer: the writer is shutting down, or the ledger panicked on this batch.
    Stopped,
}

impl Writer {
    /// Starts the writer thread; it ends after [`Writer::close`], once the lanes are empty.
    pub fn start(
        ledger: Arc<Ledger>,
        batch_max: usize,
        counters: Arc<Counters>,
    ) -> std::io::Result<(Writer, JoinHandle<()>)> {
        let inbox = Arc::new(Lanes::new(usize::MAX, UNVERIFIED_LANE));
        let lanes = Arc::clone(&inbox);
        let handle = std::thread::Builder::new()
            .name("recur-listener-writer".into())
            .spawn(move || run(&ledger, &lanes, batch_max.max(1), &counters))?;
        Ok((Writer { inbox }, handle))
    }

    /// Resolves once the receipt's batch has committed (or failed).
    pub async fn submit(&self, receipt: WebhookReceipt) -> Result<WebhookOutcome, SubmitError> {
        let (reply, answer) = oneshot::channel();
        if self.inbox.push_first(Job { receipt, reply }).is_err() {
            return Err(SubmitError::Stopped);
        }
        match answer.await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(e)) => Err(SubmitError::Ledger(e)),
            Err(_) => Err(SubmitError::Stopped),
        }
    }

    /// Queues a digest for the journal without waiting; false when it was dropped.
    pub fn record_unverified(&self, delivery: UnverifiedDelivery) -> bool {
        self.inbox.push_second(delivery).is_ok()
    }

    /// The writer finishes what is queued, then ends.
    pub fn close(&self) {
        self.inbox.close();
    }
}

fn run(ledger: &Ledger, inbox: &Lanes<Job, UnverifiedDelivery>, batch_max: usize, counters: &Counters) {
    while let Some((jobs, unverified)) = inbox.take(batch_max, UNVERIFIED_PER_BATCH) {
        let (receipts, replies): (Vec<_>, Vec<_>) = jobs.into_iter().map(|j| (j.receipt, j.reply)).unzip();
        // A panic inside the ledger rolls its transaction back (the transaction is dropped while
        // unwinding) and must not end this thread: the batch's senders get no reply, answer 5xx,
        // and Recur delivers again; the next batch is served as usual.
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ledger.receive_deliveries(&receipts, &unverified, Timestamp::now())
        }));
        let Ok(results) = attempt else {
            tracing::error!(
                size = receipts.len(),
                "the ledger panicked on a webhook batch; nothing was acknowledged"
            );
            continue;
        };
        if !receipts.is_empty() {
            counters.batch(receipts.len());
        }
        tracing::debug!(
            size = receipts.len(),
            unverified = unverified.len(),
            "webhook batch committed"
        );
        for (reply, result) in replies.into_iter().zip(results) {
            // A connection that gave up waiting has dropped its receiver: nothing to tell it.
            let _ = reply.send(result);
        }
    }
}
