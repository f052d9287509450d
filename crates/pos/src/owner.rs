//! The owner's half: the history (pages and totals of any filter), the day's Z report and its
//! close, the 30-day trend, and the cross-check of a day against Recur before it is closed.
//! The window's History and Close screens and `recur-pos sales|day|export` call these and
//! nothing else, so they cannot disagree.
//!
//! The cross-check reads the session of every Recur sale of the day (a few at a time, so a
//! busy day takes seconds, not minutes) and lists each place where Recur and the ledger
//! disagree. It writes nothing: a difference is something for the owner to look at (the sale's
//! detail has "check now", which applies what Recur says through the one state machine).

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use recur_client::{CheckoutSession, Environment, RecurClient};
use recur_domain::{CheckoutId, Day, ErrorCode, Money, SaleState, SessionStatus, Tender, Timestamp, TxnId};
use recur_ledger::{
    CloseRecord, Cursor, DayReport, HistoryFilter, HistoryPage, HistoryTotals, JournalOutcome, SeedReport, Sort,
    TrendDay,
};

use crate::counter::Counter;
use crate::error::{recur_code, PosError};

/// Sessions read at once by a cross-check.
const CROSS_CHECK_PARALLEL: usize = 4;

/// The most unmatched deliveries a cross-check looks through.
const UNMATCHED_SCAN: usize = 2_000;

/// One place where the ledger and Recur disagree about a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Difference {
    /// Recur says the checkout was paid; the ledger does not have it paid.
    PaidAtRecurOnly {
        sale: TxnId,
        ledger: SaleState,
        amount: Option<Money>,
    },
    /// The ledger has the sale paid; Recur's session is not complete.
    PaidInLedgerOnly { sale: TxnId, recur: SessionStatus },
    /// Both say paid, for different amounts.
    AmountDiffers { sale: TxnId, ledger: Money, recur: Money },
    /// Recur's session names another sale in its metadata.
    OtherSale { sale: TxnId, named: TxnId },
    /// Recur expired the checkout; the ledger still waits for it.
    ExpiredAtRecur { sale: TxnId },
    /// A Recur sale that never got a checkout (Recur was not reached when it was made).
    NoCheckout { sale: TxnId, state: SaleState },
    /// The session could not be read: the check of this sale is incomplete.
    Unreadable { sale: TxnId, code: ErrorCode },
    /// A signed delivery that day that no sale matched (a payment the ledger cannot place).
    Unplaced {
        event_id: String,
        event_type: Option<String>,
    },
}

impl Difference {
    /// Stable, for the views' translations.
    pub fn code(&self) -> &'static str {
        match self {
            Difference::PaidAtRecurOnly { .. } => "paid_at_recur_only",
            Difference::PaidInLedgerOnly { .. } => "paid_in_ledger_only",
            Difference::AmountDiffers { .. } => "amount_differs",
            Difference::OtherSale { .. } => "other_sale",
            Difference::ExpiredAtRecur { .. } => "expired_at_recur",
            Difference::NoCheckout { .. } => "no_checkout",
            Difference::Unreadable { .. } => "unreadable",
            Difference::Unplaced { .. } => "unplaced",
        }
    }

    pub fn sale(&self) -> Option<&TxnId> {
        match self {
            Difference::PaidAtRecurOnly { sale, .. }
            | Difference::PaidInLedgerOnly { sale, .. }
            | Difference::AmountDiffers { sale, .. }
            | Difference::OtherSale { sale, .. }
            | Difference::ExpiredAtRecur { sale }
            | Difference::NoCheckout { sale, .. }
            | Difference::Unreadable { sale, .. } => Some(sale),
            Difference::Unplaced { .. } => None,
        }
    }
}

/// What a cross-check found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrossCheck {
    /// Recur sales whose session was read.
    pub checked: u64,
    pub differences: Vec<Difference>,
}

impl CrossCheck {
    pub fn agrees(&self) -> bool {
        self.differences.is_empty()
    }
}

/// One Recur sale to compare: what the ledger holds.
struct Held {
    id: TxnId,
    state: SaleState,
    received: Option<Money>,
    checkout: Option<CheckoutId>,
}

impl Counter {
    /// One page of the history.
    pub fn history(
        &self,
        filter: &HistoryFilter,
        sort: Sort,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<HistoryPage, PosError> {
        Ok(self.ledger().history(filter, sort, after, limit)?)
    }

    /// The count and sums of a whole filter.
    pub fn history_totals(&self, filter: &HistoryFilter) -> Result<HistoryTotals, PosError> {
        Ok(self.ledger().history_totals(filter)?)
    }

    /// The Z report of a shop day (closed or not).
    pub fn day_report(&self, day: Day) -> Result<DayReport, PosError> {
        Ok(self.ledger().day_report(day)?)
    }

    /// Closes a shop day once, with the cash counted in the drawer.
    pub fn close_day(
        &self,
        day: Day,
        counted_cash: Option<Money>,
        closed_by: Option<&str>,
    ) -> Result<CloseRecord, PosError> {
        let record = self
            .ledger()
            .close_day(day, counted_cash, closed_by, Timestamp::now())?;
        tracing::info!(day = %day.date(), seq = record.seq, "day closed");
        Ok(record)
    }

    /// The net of the `days` days that end with `last`, by tender.
    pub fn trend(&self, last: Day, days: u32) -> Result<Vec<TrendDay>, PosError> {
        Ok(self.ledger().trend(last, days)?)
    }

    /// Fills an empty ledger with `count` made-up sales for a demo or a benchmark. Refused on a
    /// live key: invented sales never sit beside real money.
    pub fn seed(&self, count: u64, seed: u64) -> Result<SeedReport, PosError> {
        if self.environment() == Environment::Live {
            return Err(PosError::InvalidInput(
                "made-up sales are for the sandbox: a ledger with a live key is never seeded".into(),
            ));
        }
        Ok(self.ledger().seed(count, seed, Timestamp::now())?)
    }

    /// Reads the session of each of the day's Recur sales and lists every difference with the
    /// ledger; `progress(done, total)` is called as sessions come back.
    pub async fn cross_check(&self, day: Day, mut progress: impl FnMut(u64, u64)) -> Result<CrossCheck, PosError> {
        let filter = HistoryFilter {
            from: Some(day),
            to: Some(day),
            tender: Some(Tender::Recur),
            ..HistoryFilter::default()
        };
        let mut held = Vec::new();
        self.ledger().each_sale(&filter, |sale| {
            held.push(Held {
                id: sale.id.clone(),
                state: sale.state,
                received: sale.state.is_paid().then(|| sale.paid_amount.unwrap_or(sale.amount)),
                checkout: sale.checkout_id.clone(),
            });
            true
        })?;
        let mut report = CrossCheck::default();
        let total = held.len() as u64;
        progress(0, total);
        let gate = Arc::new(Semaphore::new(CROSS_CHECK_PARALLEL));
        let mut reads = JoinSet::new();
        for sale in held {
            let Some(checkout) = sale.checkout.clone() else {
                if !matches!(
                    sale.state,
                    SaleState::Failed | SaleState::Cancelled | SaleState::Expired
                ) {
                    report.differences.push(Difference::NoCheckout {
                        sale: sale.id.clone(),
                        state: sale.state,
                    });
                }
                report.checked += 1;
                progress(report.checked, total);
                continue;
            };
            let client: RecurClient = self.client().clone();
            let gate = gate.clone();
            reads.spawn(async move {
                let _permit = gate.acquire_owned().await;
                let session = client.get_checkout(&checkout).await;
                (sale, session)
            });
        }
        while let Some(joined) = reads.join_next().await {
            let Ok((sale, session)) = joined else { continue };
            report.checked += 1;
            progress(report.checked, total);
            match session {
                Ok(session) => report.differences.extend(compare(&sale, &session)),
                Err(e) => report.differences.push(Difference::Unreadable {
                    sale: sale.id,
                    code: recur_code(&e),
                }),
            }
        }
        for entry in self.ledger().unmatched(UNMATCHED_SCAN)? {
            if entry.verified && entry.outcome == JournalOutcome::Unmatched && day.contains(entry.received_at) {
                report.differences.push(Difference::Unplaced {
                    event_id: entry.event_id.map(|e| e.to_string()).unwrap_or_default(),
                    event_type: entry.event_type,
                });
            }
        }
        report.differences.sort_by(|a, b| a.sale().cmp(&b.sale()));
        Ok(report)
    }
}

/// What one session says against what the ledger holds for its sale.
fn compare(sale: &Held, session: &CheckoutSession) -> Option<Difference> {
    let id = sale.id.clone();
    if let Some(named) = session.metadata.get("transaction_id") {
        if named != sale.id.as_str() {
            return Some(Difference::OtherSale {
                sale: id,
                named: TxnId::new(named.as_str()),
            });
        }
    }
    match (session.status, sale.received) {
        (SessionStatus::Complete, None) => Some(Difference::PaidAtRecurOnly {
            sale: id,
            ledger: sale.state,
            amount: session.amount,
        }),
        (SessionStatus::Complete, Some(received)) => match session.amount {
            Some(recur) if recur != received => Some(Difference::AmountDiffers {
                sale: id,
                ledger: received,
                recur,
            }),
            _ => None,
        },
        (status, Some(_)) => Some(Difference::PaidInLedgerOnly {
            sale: id,
            recur: status,
        }),
        (SessionStatus::Expired, None) if matches!(sale.state, SaleState::Draft | SaleState::Open) => {
            Some(Difference::ExpiredAtRecur { sale: id })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(state: SaleState, received: Option<i64>) -> Held {
        Held {
            id: TxnId::new("01SALE"),
            state,
            received: received.map(Money::new),
            checkout: Some(CheckoutId::new("cs_1")),
        }
    }

    fn session(status: SessionStatus, amount: Option<i64>, named: Option<&str>) -> CheckoutSession {
        CheckoutSession {
            id: CheckoutId::new("cs_1"),
            url: String::new(),
            status,
            status_raw: String::new(),
            mode: None,
            product_id: None,
            amount: amount.map(Money::new),
            currency: None,
            expires_at: None,
            completed_at: None,
            order_id: None,
            subscription_id: None,
            payment_intent_id: None,
            setup_intent_id: None,
            customer_email: None,
            customer_name: None,
            metadata: named
                .map(|n| [("transaction_id".to_owned(), n.to_owned())].into_iter().collect())
                .unwrap_or_default(),
        }
    }

    #[test]
    fn every_disagreement_is_named_and_agreement_is_silent() {
        use SaleState::{Failed, Paid, Refunded};
        use SessionStatus::Complete;
        const OPEN: SaleState = SaleState::Open;
        const EXPIRED: SaleState = SaleState::Expired;
        const S_OPEN: SessionStatus = SessionStatus::Open;
        const S_EXPIRED: SessionStatus = SessionStatus::Expired;
        let cases: [(Held, CheckoutSession, Option<&str>); 10] = [
            (
                held(Paid, Some(150)),
                session(Complete, Some(150), Some("01SALE")),
                None,
            ),
            (held(OPEN, None), session(S_OPEN, None, Some("01SALE")), None),
            (held(Failed, None), session(S_OPEN, None, None), None),
            (held(EXPIRED, None), session(S_EXPIRED, None, None), None),
            (
                held(OPEN, None),
                session(Complete, Some(150), None),
                Some("paid_at_recur_only"),
            ),
            (
                held(EXPIRED, None),
                session(Complete, Some(150), None),
                Some("paid_at_recur_only"),
            ),
            (
                held(Paid, Some(150)),
                session(S_OPEN, None, None),
                Some("paid_in_ledger_only"),
            ),
            (
                held(Refunded, Some(150)),
                session(Complete, Some(120), None),
                Some("amount_differs"),
            ),
            (
                held(OPEN, None),
                session(S_EXPIRED, None, None),
                Some("expired_at_recur"),
            ),
            (
                held(Paid, Some(150)),
                session(Complete, Some(150), Some("01OTHER")),
                Some("other_sale"),
            ),
        ];
        for (sale, session, want) in cases {
            let got = compare(&sale, &session);
            assert_eq!(
                got.as_ref().map(Difference::code),
                want,
                "{:?} vs {:?}",
                sale.state,
                session.status
            );
            if let Some(d) = got {
                assert_eq!(d.sale(), Some(&sale.id));
            }
        }
    }
}
