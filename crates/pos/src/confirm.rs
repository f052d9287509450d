//! Confirmation that never misses: the webhook listener, return-page visits and the sweep.
//!
//! Two sources of truth feed the one state machine. Webhooks arrive at the listener, which
//! commits their effect before acknowledging; the counter only hears *that* something changed
//! and tells its own listeners. Session reads happen when the customer's browser lands on the
//! return page, while a Pay screen watches a sale, and in a sweep of every open sale at start-up
//! and every few minutes — so with no tunnel at all, every sale still reaches its final state.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use recur_domain::fact::{Fact, MatchKey};
use recur_domain::{CauseKind, CheckoutId, SaleState, Secret, Timestamp, TxnId};
use recur_ledger::{Applied, WebhookOutcome};
use recur_listener::{Hooks, Listener, ListenerConfig, ReturnKind};
use tokio::sync::mpsc;

use crate::counter::{CoreEvent, Counter};
use crate::error::PosError;

/// A DRAFT sale older than this lost its checkout to a crash between writing the sale and
/// hearing from Recur; the sweep makes that visible.
const INTERRUPTED_DRAFT_AFTER_MS: i64 = 10 * 60 * 1000;
/// Checkouts a little past their expiry are still read once: a payment made just before the
/// deadline must not be missed because of clock skew.
const SWEEP_GRACE_MS: i64 = 10 * 60 * 1000;

/// What the listener's hook thread hands over to the counter's async side.
enum Signal {
    SaleTouched(TxnId),
    Delivery,
    Returned(CheckoutId),
    CatalogueChanged,
}

/// Signals waiting at most; beyond this they are dropped and the views told to reload, so a
/// burst of deliveries can never grow memory without bound.
const SIGNALS_WAITING: usize = 1024;
/// Signals handled together: touched sales are read once each, the journal announced once.
const SIGNALS_PER_BATCH: usize = 512;
/// The catalogue is fetched from Recur at most this often, however many `product.*` events come.
const CATALOGUE_EVERY: Duration = Duration::from_secs(10);

/// What one batch of signals asks for, each thing once.
#[derive(Default)]
struct Batch {
    sales: BTreeSet<TxnId>,
    returned: BTreeSet<CheckoutId>,
    delivery: bool,
    catalogue: bool,
}

impl Batch {
    fn add(&mut self, signal: Signal) {
        match signal {
            Signal::SaleTouched(id) => {
                self.sales.insert(id);
            }
            Signal::Delivery => self.delivery = true,
            Signal::Returned(checkout) => {
                self.returned.insert(checkout);
            }
            Signal::CatalogueChanged => self.catalogue = true,
        }
    }
}

/// The hooks' side of the channel: never blocks the listener, never grows without bound.
#[derive(Clone)]
struct Signals {
    tx: mpsc::Sender<Signal>,
    dropped: Arc<AtomicBool>,
}

impl Signals {
    fn send(&self, signal: Signal) {
        if self.tx.try_send(signal).is_err() {
            self.dropped.store(true, Ordering::Relaxed);
        }
    }
}

impl Counter {
    /// The secret webhooks are signed with: on the embedded sandbox always its own (random for
    /// each run: a configured live secret must not open a sandbox listener, nor the sandbox's
    /// secret a live one), else the configured one.
    pub fn webhook_secret(&self) -> Option<Secret> {
        match self.sandbox() {
            Some(sandbox) => Some(Secret::new(sandbox.webhook_secret())),
            None => self.config().webhook_secret.clone(),
        }
    }

    /// Starts the webhook listener on 127.0.0.1:`port` (0 = any free port). With the embedded
    /// sandbox, the sandbox is pointed at it, so the whole loop works offline. Call from within
    /// a tokio runtime: the reactions to deliveries run as a task on it.
    pub fn start_listener(self: &Arc<Self>, port: u16) -> Result<Listener, PosError> {
        let secret = self.webhook_secret().ok_or(PosError::NoWebhookSecret)?;
        let (tx, rx) = mpsc::channel(SIGNALS_WAITING);
        let dropped = Arc::new(AtomicBool::new(false));
        let signals = Signals {
            tx,
            dropped: Arc::clone(&dropped),
        };
        let on_return = signals.clone();
        // The listener calls these only for verified deliveries whose effect committed, with
        // the event type read from the signed body (never an unsigned header).
        let hooks = Hooks {
            on_outcome: Some(Arc::new(move |outcome: &WebhookOutcome, event_type: Option<&str>| {
                if let WebhookOutcome::Applied(Applied::Changed { sale, .. } | Applied::Recorded { sale }) = outcome {
                    signals.send(Signal::SaleTouched(sale.clone()));
                }
                if event_type.is_some_and(|t| t.to_ascii_lowercase().starts_with("product.")) {
                    signals.send(Signal::CatalogueChanged);
                }
                signals.send(Signal::Delivery);
            })),
            on_return: Some(Arc::new(move |kind, session_id| {
                if let (ReturnKind::Success, Some(id)) = (kind, session_id) {
                    on_return.send(Signal::Returned(CheckoutId::new(id)));
                }
            })),
        };
        let listener = Listener::start(ListenerConfig::new(port, secret), self.ledger().clone(), hooks)
            .map_err(|e| PosError::Listener(e.to_string()))?;
        if let Some(sandbox) = self.sandbox() {
            sandbox.add_webhook_url(&listener.webhook_url());
        }
        self.set_listener_base(Some(listener.base_url()));
        tokio::spawn(Arc::clone(self).react(rx, dropped));
        Ok(listener)
    }

    /// Tells the views what committed deliveries changed, a batch at a time: each touched sale
    /// read once (on a read connection, never in the writer's way), the journal announced once,
    /// the catalogue refreshed at most every [`CATALOGUE_EVERY`], each returning customer's
    /// session read once.
    async fn react(self: Arc<Self>, mut signals: mpsc::Receiver<Signal>, dropped: Arc<AtomicBool>) {
        let mut catalogue_read: Option<tokio::time::Instant> = None;
        while let Some(first) = signals.recv().await {
            let mut batch = Batch::default();
            batch.add(first);
            for _ in 1..SIGNALS_PER_BATCH {
                match signals.try_recv() {
                    Ok(signal) => batch.add(signal),
                    Err(_) => break,
                }
            }
            // Read only for a view that is listening: headless `listen` has none, and there
            // each read would only take CPU from the writer's next batch.
            if self.has_listeners() {
                for id in &batch.sales {
                    if let Ok(Some(sale)) = self.ledger().find_sale(id) {
                        self.emit(CoreEvent::SaleChanged(sale));
                    }
                }
            }
            if batch.delivery {
                self.emit(CoreEvent::JournalChanged);
            }
            if dropped.swap(false, Ordering::Relaxed) {
                tracing::warn!("listener signals were dropped under load; asking the views to reload");
                self.emit(CoreEvent::Resync);
            }
            if batch.catalogue && catalogue_read.is_none_or(|at| at.elapsed() >= CATALOGUE_EVERY) {
                catalogue_read = Some(tokio::time::Instant::now());
                if let Err(e) = self.products(true).await {
                    tracing::warn!(code = %e.code(), "refreshing the catalogue after a product event failed");
                }
            }
            for checkout in &batch.returned {
                if let Ok(Some(sale)) = self.ledger().sale_by_checkout(checkout) {
                    if let Err(e) = self.read_session(&sale.id).await {
                        tracing::warn!(code = %e.code(), "reading the session after the return page failed");
                    }
                }
            }
        }
    }

    /// Sweeps open sales now and then every `every`, for as long as the runtime runs.
    pub fn spawn_sweeper(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let counter = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                match counter.sweep().await {
                    Ok(report) if report.changed > 0 => tracing::info!(changed = report.changed, "sweep"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(code = %e.code(), "sweep failed"),
                }
                tokio::time::sleep(every).await;
            }
        })
    }

    /// Reads every checkout that could still be paid without our knowing (see
    /// [`recur_ledger::Ledger::sweep_targets`]: open sales, and declined, expired or cancelled
    /// ones whose checkouts have not expired) and applies what Recur says. A current checkout
    /// Recur no longer knows is expired once past its expiry; a draft that never got its
    /// checkout is marked failed after a while. One sale's error is logged and the sweep goes
    /// on; network errors leave sales as they are (read again next time).
    pub async fn sweep(&self) -> Result<SweepReport, PosError> {
        let mut report = SweepReport::default();
        let now = Timestamp::now();
        let mut before: BTreeMap<TxnId, SaleState> = BTreeMap::new();
        for sale in self.ledger().open_sales()? {
            before.insert(sale.id.clone(), sale.state);
            if sale.checkout_id.is_none() {
                self.fail_if_interrupted(&sale, now)
                    .unwrap_or_else(|e| report.error(&sale.id, &e));
            }
        }
        for (sale_id, checkout) in self.ledger().sweep_targets(now.plus_ms(-SWEEP_GRACE_MS))? {
            let Ok(sale) = self.sale(&sale_id).map(|d| d.sale) else {
                continue;
            };
            before.entry(sale_id.clone()).or_insert(sale.state);
            report.read += 1;
            match self.read_checkout(&sale_id, &checkout).await {
                Ok(_) => {}
                Err(PosError::Recur(recur_client::RecurError::NotFound { .. }))
                    if sale.checkout_id.as_ref() == Some(&checkout) =>
                {
                    self.expire_if_past(&sale, now)
                        .unwrap_or_else(|e| report.error(&sale_id, &e));
                }
                Err(e) => report.error(&sale_id, &e),
            }
        }
        for (id, was) in before {
            if self.sale(&id).is_ok_and(|d| d.sale.state != was) {
                report.changed += 1;
            }
        }
        Ok(report)
    }

    fn expire_if_past(&self, sale: &recur_ledger::Sale, now: Timestamp) -> Result<(), PosError> {
        if sale.expires_at.is_some_and(|at| at < now) {
            let key = MatchKey {
                checkout_id: sale.checkout_id.clone(),
                txn_id: Some(sale.id.clone()),
            };
            self.apply(
                &Fact::Expired { key },
                CauseKind::SessionRead,
                Some("session unknown to Recur after expiry"),
                now,
            )?;
        }
        Ok(())
    }

    fn fail_if_interrupted(&self, sale: &recur_ledger::Sale, now: Timestamp) -> Result<(), PosError> {
        if sale.state == SaleState::Draft
            && sale.checkout_id.is_none()
            && now.unix_ms() - sale.created_at.unix_ms() > INTERRUPTED_DRAFT_AFTER_MS
        {
            // A payment for this sale would still be matched: the sale keeps its id.
            let failed = self
                .ledger()
                .mark_create_failed(&sale.id, &recur_domain::Failure::Interrupted, now)?;
            self.emit(CoreEvent::SaleChanged(failed));
        }
        Ok(())
    }
}

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Checkout sessions read.
    pub read: usize,
    /// Sales whose state changed.
    pub changed: usize,
    pub errors: usize,
}

impl SweepReport {
    fn error(&mut self, sale: &TxnId, e: &PosError) {
        self.errors += 1;
        tracing::warn!(sale = %sale, code = %e.code(), "sweep could not settle a sale");
    }
}
