//! Group commit: many webhook receipts in ONE transaction, one savepoint each.
//!
//! The listener's writer thread hands over every delivery that is waiting at once; committing
//! them together costs one fsync instead of one per delivery (`synchronous=FULL` stays on). Each
//! receipt runs exactly the logic of [`Ledger::receive_webhook`] inside its own savepoint, so a
//! receipt whose work fails is rolled back alone and the others still commit. Deliveries of the
//! same event id within one batch deduplicate as they would across batches: the savepoint of
//! the first is part of the transaction the second sees.
//!
//! Unverified digests can ride along in the same transaction ([`Ledger::receive_deliveries`]):
//! they then cost no fsync of their own. They go in after every receipt, in one savepoint of
//! their own, and if that fails they are dropped (logged) and the receipts still commit; a
//! delivery nobody could verify is never worth a retry by Recur.
//!
//! Not here: choosing batch sizes or when to commit (the listener's writer does).

use crate::sql::{Db, SqlError};

use recur_domain::Timestamp;

use crate::db::Ledger;
use crate::error::LedgerError;
use crate::journal::{receive_in, record_unverified_in};
use crate::types::{UnverifiedDelivery, WebhookOutcome, WebhookReceipt};

impl Ledger {
    /// Journals, deduplicates and applies each receipt, all in ONE transaction, and returns one
    /// result per receipt, in order. A receipt whose work failed was rolled back alone (its
    /// result is the error). If the transaction itself fails, every result is an error and
    /// nothing was stored. Acknowledge a delivery only on its `Ok`.
    pub fn receive_webhooks(
        &self,
        batch: &[WebhookReceipt],
        now: Timestamp,
    ) -> Vec<Result<WebhookOutcome, LedgerError>> {
        self.receive_deliveries(batch, &[], now)
    }

    /// [`Ledger::receive_webhooks`] plus the digests of unverified deliveries, in the same ONE
    /// transaction (see [`Ledger::record_unverified`] for what is kept of them).
    pub fn receive_deliveries(
        &self,
        batch: &[WebhookReceipt],
        unverified: &[UnverifiedDelivery],
        now: Timestamp,
    ) -> Vec<Result<WebhookOutcome, LedgerError>> {
        if batch.is_empty() && unverified.is_empty() {
            return Vec::new();
        }
        let started = std::time::Instant::now();
        let mut applied = std::time::Duration::ZERO;
        let committed = self.write(|tx| {
            let results = batch
                .iter()
                .map(|receipt| in_savepoint(tx, receipt, now))
                .collect::<Result<Vec<_>, _>>()?;
            unverified_in_savepoint(tx, unverified, now)?;
            applied = started.elapsed();
            Ok(results)
        });
        tracing::debug!(
            size = batch.len(),
            apply_us = applied.as_micros() as u64,
            total_us = started.elapsed().as_micros() as u64,
            "webhook batch written"
        );
        match committed {
            Ok(results) => results,
            Err(error) => {
                tracing::error!(%error, size = batch.len(), "a webhook batch did not commit");
                batch.iter().map(|_| Err(batch_failed(&error))).collect()
            }
        }
    }
}

/// One receipt in its own savepoint. The outer `Err` means the transaction itself is unusable
/// (the savepoint could not be taken or undone), which fails the whole batch.
fn in_savepoint(
    tx: &Db<'_>,
    receipt: &WebhookReceipt,
    now: Timestamp,
) -> Result<Result<WebhookOutcome, LedgerError>, LedgerError> {
    tx.batch("SAVEPOINT receipt")?;
    match receive_in(tx, receipt, now) {
        Ok(outcome) => {
            tx.batch("RELEASE receipt")?;
            Ok(Ok(outcome))
        }
        Err(error) => {
            tx.batch("ROLLBACK TO receipt; RELEASE receipt")?;
            tracing::warn!(%error, "a webhook receipt failed; the rest of its batch goes on");
            Ok(Err(error))
        }
    }
}

/// The digests in a savepoint of their own; their failure is logged, not passed on.
fn unverified_in_savepoint(tx: &Db<'_>, unverified: &[UnverifiedDelivery], now: Timestamp) -> Result<(), LedgerError> {
    if unverified.is_empty() {
        return Ok(());
    }
    tx.batch("SAVEPOINT unverified")?;
    match record_unverified_in(tx, unverified, now) {
        Ok(()) => tx.batch("RELEASE unverified")?,
        Err(error) => {
            tx.batch("ROLLBACK TO unverified; RELEASE unverified")?;
            tracing::warn!(%error, count = unverified.len(), "unverified deliveries were not journaled");
        }
    }
    Ok(())
}

/// Every receipt of a failed batch gets its own copy of the failure (errors are not `Clone`).
fn batch_failed(error: &LedgerError) -> LedgerError {
    match error {
        LedgerError::Unreachable { at, why } => LedgerError::Unreachable {
            at: at.clone(),
            why: why.clone(),
        },
        other => LedgerError::Database(SqlError::Failed(format!("the webhook batch did not commit: {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use recur_domain::{CheckoutId, Currency, EventId, Mode, Money, ProductId, SaleState, TxnId};

    use super::*;
    use crate::types::{Applied, JournalOutcome, NewCheckout, NewSale, UnverifiedReason};

    fn open_sale(ledger: &Ledger, checkout: &str, now: Timestamp) -> TxnId {
        let new = NewSale {
            product_id: ProductId::new("prod_latte"),
            product_name: "拿鐵咖啡".into(),
            mode: Mode::Payment,
            amount: Money::new(120),
            currency: Currency::twd(),
            customer_email: None,
            customer_name: None,
        };
        let sale = ledger.create_sale(new, now).unwrap();
        let checkout = NewCheckout {
            checkout_id: CheckoutId::new(checkout),
            url: "https://x/".into(),
            expires_at: None,
        };
        ledger.attach_checkout(&sale.id, checkout, now).unwrap().id
    }

    fn receipt(body: &str, now: Timestamp) -> WebhookReceipt {
        WebhookReceipt {
            event_id_header: None,
            event_type_header: None,
            body: body.as_bytes().to_vec(),
            headers: vec![],
            received_at: now,
        }
    }

    fn unverified(body: &str, now: Timestamp) -> UnverifiedDelivery {
        let headers = [("X-Recur-Event-Id", b"evt_2".as_slice())];
        UnverifiedDelivery::new(
            UnverifiedReason::Mismatch,
            headers,
            body.len() as u64,
            [7; 32],
            body.as_bytes(),
            now,
        )
    }

    fn paid(event_id: &str, checkout: &str) -> String {
        format!(
            r#"{{"id":"{event_id}","type":"checkout.completed","data":{{"id":"{checkout}","status":"COMPLETED","amount":120,"currency":"TWD"}}}}"#
        )
    }

    fn state(ledger: &Ledger, id: &TxnId) -> SaleState {
        ledger.sale(id).unwrap().unwrap().sale.state
    }

    #[test]
    fn one_failing_receipt_is_rolled_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("ledger.db")).unwrap();
        let now = Timestamp::from_unix_ms(1_795_945_208_000);
        let (first, second) = (open_sale(&ledger, "cs_1", now), open_sale(&ledger, "cs_2", now));
        // Fails the boom event's journal insert, AFTER its effect (sale 2 paid) was written.
        ledger
            .write(|tx| Ok(tx.batch("CREATE TEMP TRIGGER boom BEFORE INSERT ON webhook_journal WHEN NEW.event_id = 'evt_boom' BEGIN SELECT RAISE(ABORT, 'boom'); END;")?))
            .unwrap();
        let batch = [
            receipt(&paid("evt_1", "cs_1"), now),
            receipt(&paid("evt_1", "cs_1"), now),
            receipt("not json", now),
            receipt(&paid("evt_boom", "cs_2"), now),
        ];
        let results = ledger.receive_deliveries(&batch, &[unverified(&paid("evt_2", "cs_2"), now)], now);
        assert_eq!(results.len(), 4);
        assert!(
            matches!(
                &results[0],
                Ok(WebhookOutcome::Applied(Applied::Changed {
                    to: SaleState::Paid,
                    ..
                }))
            ),
            "{:?}",
            results[0]
        );
        assert!(matches!(results[1], Ok(WebhookOutcome::Duplicate)), "{:?}", results[1]);
        assert!(
            matches!(results[2], Ok(WebhookOutcome::Undecodable(_))),
            "{:?}",
            results[2]
        );
        assert!(matches!(results[3], Err(LedgerError::Database(_))), "{:?}", results[3]);
        assert_eq!(
            (state(&ledger, &first), state(&ledger, &second)),
            (SaleState::Paid, SaleState::Open)
        );
        let outcomes: Vec<JournalOutcome> = ledger.journal(10).unwrap().iter().map(|e| e.outcome).collect();
        assert_eq!(
            outcomes,
            [
                JournalOutcome::Rejected,
                JournalOutcome::Undecodable,
                JournalOutcome::Changed
            ]
        );
        assert_eq!(
            ledger.journal_entry(&EventId::new("evt_1")).unwrap().unwrap().attempts,
            2
        );
        // Recur delivers the failed one again; this time it applies.
        ledger.write(|tx| Ok(tx.batch("DROP TRIGGER boom")?)).unwrap();
        let retried = ledger.receive_webhooks(&[receipt(&paid("evt_boom", "cs_2"), now)], now);
        assert!(
            matches!(retried[0], Ok(WebhookOutcome::Applied(Applied::Changed { .. }))),
            "{:?}",
            retried[0]
        );
        assert_eq!(state(&ledger, &second), SaleState::Paid);
        assert!(ledger.receive_webhooks(&[], now).is_empty());
    }
}
