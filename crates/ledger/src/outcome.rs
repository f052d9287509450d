//! What a journal row says about an applied fact: its outcome, the sale it touched, a detail
//! for a person, and the ids it names besides a sale (an order, a subscription) — so an event
//! that arrived before its sale was known can be adopted later (`waiting`).
//!
//! Not here: applying the fact (`facts`) or writing the row (`journal`).

use recur_domain::fact::{Fact, MatchKey};
use recur_domain::{OrderId, SubscriptionId, TxnId};

use crate::types::{Applied, JournalOutcome};

pub(crate) struct Summary {
    pub outcome: JournalOutcome,
    pub sale: Option<TxnId>,
    pub detail: Option<String>,
    pub order_id: Option<String>,
    pub subscription_id: Option<String>,
}

impl Summary {
    pub fn of(applied: &Applied, fact: &Fact) -> Summary {
        let (outcome, sale, detail) = match applied {
            Applied::Changed { sale, from, to } => (
                JournalOutcome::Changed,
                Some(sale.clone()),
                Some(format!("{from} → {to}")),
            ),
            Applied::Recorded { sale } => (JournalOutcome::Recorded, Some(sale.clone()), None),
            Applied::NoOp { sale, reason } => (JournalOutcome::NoOp, Some(sale.clone()), Some(reason.clone())),
            Applied::Unmatched => (JournalOutcome::Unmatched, None, Some(unmatched_detail(fact))),
            Applied::Ignored => (JournalOutcome::Ignored, None, None),
        };
        let (order_id, subscription_id) = subjects(fact);
        Summary {
            outcome,
            sale,
            detail,
            order_id,
            subscription_id,
        }
    }
}

/// The order and subscription a fact names (how the sale is found when no checkout key is).
fn subjects(fact: &Fact) -> (Option<String>, Option<String>) {
    let ids = |order: Option<&OrderId>, subscription: Option<&SubscriptionId>| {
        (order.map(ToString::to_string), subscription.map(ToString::to_string))
    };
    match fact {
        Fact::Paid(p) => ids(p.order_id.as_ref(), p.subscription_id.as_ref()),
        Fact::Refund(r) => ids(r.order_id.as_ref(), r.subscription_id.as_ref()),
        Fact::Subscription(u) => ids(
            u.invoice.as_ref().and_then(|i| i.order_id.as_ref()),
            u.subscription_id.as_ref(),
        ),
        Fact::RenewalFailed(f) => ids(f.order_id.as_ref(), f.subscription_id.as_ref()),
        Fact::EInvoice(e) => ids(e.order_id.as_ref(), e.subscription_id.as_ref()),
        _ => (None, None),
    }
}

/// What a person needs to find the money by hand: the kind of fact and the ids it named.
fn unmatched_detail(fact: &Fact) -> String {
    let describe = |what: &str, key: &MatchKey| {
        let checkout = key.checkout_id.as_ref().map_or("-".to_owned(), ToString::to_string);
        let txn = key.txn_id.as_ref().map_or("-".to_owned(), ToString::to_string);
        format!("{what}: no sale for checkout {checkout}, transaction {txn}")
    };
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    match fact {
        Fact::Paid(p) => {
            let amount = p.amount.map_or("unknown amount".to_owned(), |a| a.to_string());
            format!("{} ({amount})", describe("payment", &p.key))
        }
        Fact::Refund(r) => format!(
            "refund {}: no sale for order {}",
            r.refund_id,
            or_dash(
                r.order_id
                    .as_ref()
                    .map(ToString::to_string)
                    .or_else(|| r.charge_id.clone())
            )
        ),
        Fact::Subscription(u) => format!(
            "{}: no sale for subscription {}",
            u.event_type,
            or_dash(u.subscription_id.as_ref().map(ToString::to_string))
        ),
        Fact::RenewalFailed(f) => format!(
            "invoice.payment_failed: no sale for subscription {}",
            or_dash(f.subscription_id.as_ref().map(ToString::to_string))
        ),
        Fact::EInvoice(e) => format!(
            "{}: no sale for order {}",
            e.kind.as_str(),
            or_dash(e.order_id.as_ref().map(ToString::to_string))
        ),
        Fact::Unplaceable { event_type, missing } => {
            format!("{event_type}: it has no {missing}, so it cannot be placed")
        }
        Fact::PageOpened { key, .. } => describe("page opened", key),
        Fact::PaymentFailed { key, .. } => describe("payment failed", key),
        Fact::CheckoutUnconfirmed { key, .. } => describe("checkout completed, unpaid", key),
        Fact::Expired { key } => describe("expired", key),
        Fact::CatalogChanged | Fact::Ignored => "nothing to match".to_owned(),
    }
}
