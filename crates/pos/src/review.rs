//! What the owner reviews: the day's totals, the webhook journal (with "apply again"), deliveries
//! that matched no sale, and subscriptions. Thin reads over the ledger, plus re-applying one
//! journaled event, which is idempotent.

use recur_domain::{EventId, Timestamp};
use recur_ledger::{Applied, DaySummary, JournalEntry, SubscriptionRecord, WebhookOutcome};

use crate::counter::{CoreEvent, Counter};
use crate::error::PosError;

impl Counter {
    /// Totals for the Taipei calendar day that contains `now`.
    pub fn day_summary(&self, now: Timestamp) -> Result<DaySummary, PosError> {
        let start = now.taipei_day_start();
        let end = start.plus_ms(24 * 3600 * 1000);
        Ok(self.ledger().day_summary(start, end)?)
    }

    /// The newest `limit` webhook deliveries, newest first.
    pub fn journal(&self, limit: usize) -> Result<Vec<JournalEntry>, PosError> {
        Ok(self.ledger().journal(limit)?)
    }

    /// Deliveries that matched no sale: kept, shown, never credited elsewhere.
    pub fn unmatched(&self, limit: usize) -> Result<Vec<JournalEntry>, PosError> {
        Ok(self.ledger().unmatched(limit)?)
    }

    pub fn journal_entry(&self, id: &EventId) -> Result<Option<JournalEntry>, PosError> {
        Ok(self.ledger().journal_entry(id)?)
    }

    /// "Apply again" for one journaled event: applying twice changes nothing.
    pub fn reapply_event(&self, id: &EventId) -> Result<WebhookOutcome, PosError> {
        let outcome = self.ledger().reapply_event(id, Timestamp::now())?;
        if let WebhookOutcome::Applied(Applied::Changed { sale, .. } | Applied::Recorded { sale }) = &outcome {
            if let Ok(detail) = self.sale(sale) {
                self.emit(CoreEvent::SaleChanged(detail.sale));
            }
        }
        self.emit(CoreEvent::JournalChanged);
        Ok(outcome)
    }

    pub fn subscriptions(&self) -> Result<Vec<SubscriptionRecord>, PosError> {
        Ok(self.ledger().subscriptions()?)
    }
}
