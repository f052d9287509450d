//! Confirmation that never misses: the webhook listener, return-page visits and the sweep.
//!
//! Two sources of truth feed the one state machine. Webhooks arrive at the listener, which
//! commits their effect before acknowledging; the counter only hears *that* something changed
//! and tells its own listeners. Session reads happen when the customer's browser lands on the
//! return page, while a Pay screen watches a sale, and in a sweep of every open sale at start-up
//! and every few minutes — so with no tunnel at all, every sale still reaches its final state.

use std::collections::BTreeMap;
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

/// What the listener's threads hand over to the counter's async side.
enum Signal {
    SaleTouched(TxnId),
    Delivery,
    Returned(CheckoutId),
    CatalogueChanged,
}

impl Counter {
    /// The secret webhooks are signed with: configured, or the embedded sandbox's own.
    pub fn webhook_secret(&self) -> Option<Secret> {
        self.config()
            .webhook_secret
            .clone()
            .or_else(|| self.sandbox().map(|s| Secret::new(s.webhook_secret())))
    }

    /// Starts the webhook listener on 127.0.0.1:`port` (0 = any free port). With the embedded
    /// sandbox, the sandbox is pointed at it, so the whole loop works offline. Call from within
    /// a tokio runtime: the reactions to deliveries run as a task on it.
    pub fn start_listener(self: &Arc<Self>, port: u16) -> Result<Listener, PosError> {
        let secret = self.webhook_secret().ok_or(PosError::NoWebhookSecret)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let outcome_tx = tx.clone();
        let hooks = Hooks {
            on_outcome: Some(Arc::new(move |outcome: &WebhookOutcome, event_type: Option<&str>| {
                if let WebhookOutcome::Applied(Applied::Changed { sale, .. } | Applied::Recorded { sale }) = outcome {
                    let _ = outcome_tx.send(Signal::SaleTouched(sale.clone()));
                }
                if event_type.is_some_and(|t| t.to_ascii_lowercase().starts_with("product.")) {
                    let _ = outcome_tx.send(Signal::CatalogueChanged);
                }
                let _ = outcome_tx.send(Signal::Delivery);
            })),
            on_return: Some(Arc::new(move |kind, session_id| {
                if let (ReturnKind::Success, Some(id)) = (kind, session_id) {
                    let _ = tx.send(Signal::Returned(CheckoutId::new(id)));
                }
            })),
        };
        let listener = Listener::start(ListenerConfig::new(port, secret), self.ledger().clone(), hooks)
            .map_err(|e| PosError::Listener(e.to_string()))?;
        if let Some(sandbox) = self.sandbox() {
            sandbox.add_webhook_url(&listener.webhook_url());
        }
        self.set_listener_base(Some(listener.base_url()));
        tokio::spawn(Arc::clone(self).react(rx));
        Ok(listener)
    }

    async fn react(self: Arc<Self>, mut signals: mpsc::UnboundedReceiver<Signal>) {
        while let Some(signal) = signals.recv().await {
            match signal {
                Signal::SaleTouched(id) => {
                    if let Ok(detail) = self.sale(&id) {
                        self.emit(CoreEvent::SaleChanged(detail.sale));
                    }
                }
                Signal::Delivery => self.emit(CoreEvent::JournalChanged),
                Signal::CatalogueChanged => {
                    if let Err(e) = self.products(true).await {
                        tracing::warn!(code = %e.code(), "refreshing the catalogue after a product event failed");
                    }
                }
                Signal::Returned(checkout) => {
                    if let Ok(Some(sale)) = self.ledger().sale_by_checkout(&checkout) {
                        if let Err(e) = self.read_session(&sale.id).await {
                            tracing::warn!(code = %e.code(), "reading the session after the return page failed");
                        }
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
