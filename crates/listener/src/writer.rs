//! The one writer thread: group commit of webhook receipts.
//!
//! Connection threads [`Writer::submit`] a receipt with a one-shot reply channel and block on
//! it. The writer takes the first waiting job, then everything else already waiting (up to
//! `batch_max`), and hands the batch to [`Ledger::receive_webhooks`]: one SQLite transaction, a
//! savepoint per receipt, one commit, one fsync. Only after that call returned does it reply, so
//! an acknowledgement always follows the commit of its receipt. A batch fills by itself while the
//! previous commit is in flight; there is no waiting for more work.
//!
//! Not here: HTTP, signatures (the receipt says whether it was verified).

use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use recur_domain::Timestamp;
use recur_ledger::{Ledger, LedgerError, WebhookOutcome, WebhookReceipt};

use crate::stats::Counters;

pub(crate) type Reply = Result<WebhookOutcome, LedgerError>;

struct Job {
    receipt: WebhookReceipt,
    reply: SyncSender<Reply>,
}

/// The sending side; cheap to clone, one per connection thread.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: Sender<Job>,
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
    /// Starts the writer thread; it ends when every `Writer` clone has been dropped.
    pub fn start(
        ledger: Arc<Ledger>,
        batch_max: usize,
        counters: Arc<Counters>,
    ) -> std::io::Result<(Writer, JoinHandle<()>)> {
        let (jobs, inbox) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("recur-listener-writer".into())
            .spawn(move || run(&ledger, &inbox, batch_max.max(1), &counters))?;
        Ok((Writer { jobs }, handle))
    }

    /// Blocks until the receipt's batch has committed (or failed).
    pub fn submit(&self, receipt: WebhookReceipt) -> Result<WebhookOutcome, SubmitError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.jobs
            .send(Job { receipt, reply })
            .map_err(|_| SubmitError::Stopped)?;
        match answer.recv() {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(e)) => Err(SubmitError::Ledger(e)),
            Err(_) => Err(SubmitError::Stopped),
        }
    }
}

fn run(ledger: &Ledger, inbox: &Receiver<Job>, batch_max: usize, counters: &Counters) {
    while let Ok(first) = inbox.recv() {
        let mut jobs = vec![first];
        while jobs.len() < batch_max {
            match inbox.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let (receipts, replies): (Vec<_>, Vec<_>) = jobs.into_iter().map(|j| (j.receipt, j.reply)).unzip();
        // A panic inside the ledger rolls its transaction back (the transaction is dropped while
        // unwinding) and must not end this thread: the batch's senders get no reply, answer 5xx,
        // and Recur delivers again; the next batch is served as usual.
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ledger.receive_webhooks(&receipts, Timestamp::now())
        }));
        let Ok(results) = attempt else {
            tracing::error!(
                size = receipts.len(),
                "the ledger panicked on a webhook batch; nothing was acknowledged"
            );
            continue;
        };
        counters.batch(receipts.len());
        tracing::debug!(size = receipts.len(), "webhook batch committed");
        for (reply, result) in replies.into_iter().zip(results) {
            // A connection that gave up waiting has dropped its receiver: nothing to tell it.
            let _ = reply.send(result);
        }
    }
}
