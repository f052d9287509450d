//! What the owner reviews: the day's totals, the webhook journal (with "apply again"), deliveries
//! that matched no sale, and subscriptions. Thin reads over the ledger, plus re-applying one
//! journaled event, which is idempotent.

use recur_domain::{EventId, Timestamp};
use recur_ledger::{Applied, DaySummary, JournalEntry, Sale, SubscriptionRecord, WebhookOutcome};

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

    /// The Events screen in one read: the newest `limit` deliveries (only the unmatched ones
    /// when asked), the sales they matched, and how many of the newest `limit` deliveries
    /// matched no sale (its badge).
    pub fn journal_view(
        &self,
        unmatched_only: bool,
        limit: usize,
    ) -> Result<(Vec<JournalEntry>, Vec<Sale>, usize), PosError> {
        let unmatched = self.unmatched(limit)?;
        let count = unmatched.len();
        let entries = if unmatched_only {
            unmatched
        } else {
            self.journal(limit)?
        };
        let mut sales: Vec<Sale> = Vec::new();
        for id in entries.iter().filter_map(|e| e.sale_id.as_ref()) {
            if !sales.iter().any(|s| &s.id == id) {
                sales.extend(self.ledger().sale(id)?.map(|detail| detail.sale));
            }
        }
        Ok((entries, sales, count))
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
