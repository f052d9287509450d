//! What the owner reviews: the day's totals, the webhook journal (with "apply again"), deliveries
//! that matched no sale, and subscriptions. Thin reads over the ledger, plus re-applying one
//! journaled event, which is idempotent.

use recur_domain::{Day, EventId, Timestamp};
use recur_ledger::{Applied, DaySummary, JournalEntry, Sale, SaleFilter, SubscriptionRecord, WebhookOutcome};

use crate::counter::{CoreEvent, Counter};
use crate::error::PosError;

/// The shop's day so far: its totals and its sales, newest first.
#[derive(Clone, Debug)]
pub struct Today {
    pub summary: DaySummary,
    pub sales: Vec<Sale>,
}

impl Counter {
    /// Totals of one shop day.
    pub fn day_summary(&self, day: Day) -> Result<DaySummary, PosError> {
        Ok(self.ledger().day_summary(day)?)
    }

    /// The day that contains `now`, with its sales (the Today screen).
    pub fn today(&self, now: Timestamp) -> Result<Today, PosError> {
        let day = Day::containing(now);
        let sales = self.sales(&SaleFilter {
            since: Some(day.start),
            until: Some(day.end),
            ..SaleFilter::default()
        })?;
        Ok(Today {
            summary: self.day_summary(day)?,
            sales,
        })
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
