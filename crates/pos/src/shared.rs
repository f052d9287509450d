//! A counter on the shop's shared ledger (PostgreSQL): hearing what the other counters and the
//! hub write, saying when the database is away, and the cash outbox.
//!
//! The [`Follower`] turns the ledger's change feed (`LISTEN/NOTIFY`) into this counter's own
//! [`CoreEvent`]s, so a payment the hub confirms turns PAID on this counter's Pay screen, and a
//! sale rung up at the next counter appears in History, the moment it commits — no polling.
//! When the feed loses the database the counter says so ([`SharedStatus`], on the top bar);
//! Recur sales are then refused by the ledger itself (a sale must be written before Recur sees
//! it), while cash sales wait in the outbox (`recur_ledger`'s `outbox`) and are uploaded,
//! exactly once, when the database is back — and at every start.
//!
//! Not here: the hub (it is `listen` on a shared ledger: `recur-pos-app`'s services).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use recur_domain::TxnId;
use recur_ledger::{Change, LedgerError};

use crate::counter::{CoreEvent, Counter};
use crate::error::PosError;
use crate::shared_status::SharedStatus;

/// The thread that follows the shared ledger; stopped when dropped.
pub struct Follower {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How long the follower waits for a change before it looks at its stop flag.
const TICK: Duration = Duration::from_millis(200);

/// How many times a changed sale that cannot be read is tried (once per quiet tick).
const RETRIES: u32 = 50;

impl Counter {
    /// Whether the shared ledger answers, as last heard (on a file: not shared, reachable).
    pub fn shared_status(&self) -> SharedStatus {
        let mut status = self.shared.lock().expect("shared status lock").clone();
        status.shared = self.ledger().is_shared();
        if !status.shared {
            status.reachable = true;
        }
        status.waiting = self.outbox.as_ref().and_then(|o| o.waiting_count().ok()).unwrap_or(0);
        status
    }

    /// Starts following the shared ledger (none for a file: its only writer is this process).
    /// Uploads what waits in the outbox first.
    pub fn spawn_follower(self: &Arc<Self>) -> Result<Option<Follower>, PosError> {
        let Some(changes) = self.ledger().changes()? else {
            return Ok(None);
        };
        // Away at start: the feed says when it answers (then `ledger_back` runs).
        if self.shared_status().reachable {
            self.ledger_back();
        }
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let counter = Arc::clone(self);
        let thread = std::thread::Builder::new()
            .name("recur-pos-follower".into())
            .spawn(move || {
                // Sales heard of whose read failed, with how often: read again whenever a tick
                // passes with no news, so one failed read never drops a change. A sale that
                // still cannot be read after `RETRIES` ticks is logged and shows at its next
                // change; any while the database is away, at the resync that follows (the
                // views re-read everything then).
                let mut unread = std::collections::BTreeMap::new();
                while !stopping.load(Ordering::Relaxed) {
                    match changes.next(TICK) {
                        Some(Change::Sale(id)) => {
                            if !counter.emit_sale_changed(&id) {
                                tracing::warn!(sale = %id, "a changed sale could not be read yet; reading it again");
                                unread.insert(id, 1u32);
                            }
                        }
                        Some(Change::Resync) => {
                            unread.clear();
                            counter.ledger_back();
                            counter.emit(CoreEvent::Resync);
                        }
                        Some(Change::Lost(why)) => {
                            unread.clear();
                            counter.ledger_away(why);
                        }
                        None => unread.retain(|id, failed| {
                            if counter.emit_sale_changed(id) {
                                return false;
                            }
                            *failed += 1;
                            if *failed >= RETRIES {
                                tracing::error!(sale = %id, "a changed sale could not be read; it shows at its next change or resync");
                            }
                            *failed < RETRIES
                        }),
                    }
                }
            })
            .map_err(|e| PosError::Sandbox(format!("the shared ledger's follower did not start: {e}")))?;
        Ok(Some(Follower {
            stop,
            thread: Some(thread),
        }))
    }

    /// Reads a sale another process changed and tells this counter's views; false when the read
    /// failed (the follower tries again at its next tick).
    fn emit_sale_changed(&self, id: &TxnId) -> bool {
        match self.ledger().sale(id) {
            Ok(Some(detail)) => {
                self.emit(CoreEvent::SaleChanged(detail.sale));
                true
            }
            Ok(None) => true,
            Err(e) => {
                tracing::debug!(code = e.code(), error = %e, "a changed sale could not be read");
                false
            }
        }
    }

    /// The database went away: said once, with why.
    pub(crate) fn ledger_away(&self, why: String) {
        let changed = {
            let mut status = self.shared.lock().expect("shared status lock");
            let changed = status.reachable || status.why.is_none();
            status.reachable = false;
            status.why = Some(why);
            changed
        };
        if changed {
            tracing::warn!("the shop's shared ledger cannot be reached");
        }
        self.emit(CoreEvent::SharedLedger(self.shared_status()));
    }

    /// The database answers again: make sure it is this environment's (a counter that started
    /// while it was away has not claimed it yet), upload the outbox, then say so.
    fn ledger_back(&self) {
        if let Err(e) = self.ledger().claim_environment(self.environment().as_str()) {
            tracing::error!(code = e.code(), error = %e, "the shop's ledger is not this counter's; nothing is uploaded");
            let mut status = self.shared.lock().expect("shared status lock");
            status.reachable = false;
            status.why = Some(e.to_string());
            drop(status);
            self.emit(CoreEvent::SharedLedger(self.shared_status()));
            return;
        }
        {
            let mut status = self.shared.lock().expect("shared status lock");
            status.reachable = true;
            status.why = None;
        }
        match self.upload_outbox() {
            Ok(0) => {}
            Ok(n) => tracing::info!(uploaded = n, "cash sales from the outbox are in the shared ledger"),
            Err(e) => tracing::warn!(code = e.code(), "the outbox could not be uploaded yet"),
        }
        self.emit(CoreEvent::SharedLedger(self.shared_status()));
    }

    /// Uploads every cash sale waiting in the outbox: each is written to the shared ledger under
    /// its own id (once, however often this runs) and then forgotten by the outbox. Returns how
    /// many were written now.
    pub fn upload_outbox(&self) -> Result<u64, LedgerError> {
        let Some(outbox) = &self.outbox else { return Ok(0) };
        let mut written = 0;
        for detail in outbox.waiting_cash()? {
            if self.ledger().import_cash_sale(&detail)? {
                written += 1;
            }
            outbox.forget_uploaded(&detail.sale.id)?;
            self.emit(CoreEvent::SaleChanged(detail.sale));
        }
        Ok(written)
    }
}
