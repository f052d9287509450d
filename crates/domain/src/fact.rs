//! Facts: what a webhook event or a session read tells the ledger, in one shape.
//!
//! Both sources of truth about a payment (Recur's webhooks and our own reads of a checkout
//! session) are turned into a [`Fact`], so one state machine in the ledger handles both. A fact
//! carries a [`MatchKey`] — the checkout id and our own transaction id, and deliberately nothing
//! else: a customer's email, customer id or product never identifies a sale (recur-api.md §7).
//! Renewals, refunds and e-invoices carry no checkout key at Recur; their facts carry the
//! subscription, order and invoice ids the ledger links them by.
//!
//! Not here: matching a fact to a sale, or any decision about money. That is the ledger's job;
//! this module only reads events tolerantly. No I/O, no clock. Subscription facts are
//! [`SubscriptionUpdate`] and [`RenewalFailure`], e-invoice facts [`EInvoice`].

mod einvoice;
mod key;
mod subscription;

pub use einvoice::{EInvoice, EInvoiceKind};
pub use key::MatchKey;
pub use subscription::{BillingReason, InvoicePayment, RenewalFailure, SubscriptionChange, SubscriptionUpdate};

use crate::event::{Event, EventClass};
use crate::ids::{OrderId, SubscriptionId};
use crate::money::{Currency, Money};
use crate::time::Timestamp;

/// One thing learnt from Recur.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    /// `checkout.created`: the customer opened the payment page. `at` is the event's own time
    /// when it has one (the ledger falls back to its clock rather than inventing a time here).
    PageOpened { key: MatchKey, at: Option<Timestamp> },
    /// `order.paid`, a `checkout.completed` with a completed status or an order id, or a
    /// session read that says COMPLETE.
    Paid(Payment),
    /// A `checkout.completed` with neither a completed status nor an order id. Recur sends one
    /// after a failed first subscription payment too, so it proves nothing: wait for
    /// `order.paid` (or a session read).
    CheckoutUnconfirmed { key: MatchKey, status: Option<String> },
    /// `order.payment_failed`. A first subscription payment that failed names the (still
    /// pending) subscription, which then belongs to the sale.
    PaymentFailed {
        key: MatchKey,
        code: Option<String>,
        message: Option<String>,
        subscription_id: Option<SubscriptionId>,
    },
    /// A session read that says EXPIRED, or our own expiry sweep.
    Expired { key: MatchKey },
    /// `refund.*` with the refund's own id.
    Refund(Refund),
    /// `subscription.*` (the documented types) and `invoice.created`/`invoice.paid`.
    Subscription(SubscriptionUpdate),
    /// `invoice.payment_failed`: a renewal could not be charged.
    RenewalFailed(RenewalFailure),
    /// `einvoice.issued|issue_failed|voided|allowance_created`.
    EInvoice(EInvoice),
    /// A known event type that lacks what is needed to record it (a refund without an id):
    /// to be listed for a person, never dropped silently.
    Unplaceable { event_type: String, missing: &'static str },
    /// `product.*`: the catalog should be refreshed.
    CatalogChanged,
    /// Anything else (`subscription.paused`, `subscription.schedule_*`, `customer.*`, …).
    /// Still journaled and acknowledged, shown as unknown.
    Ignored,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Payment {
    pub key: MatchKey,
    pub order_id: Option<OrderId>,
    pub amount: Option<Money>,
    pub currency: Option<Currency>,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub paid_at: Option<Timestamp>,
    pub subscription_id: Option<SubscriptionId>,
    pub setup_intent_id: Option<String>,
    /// Lower case; the capture sends the string `card`.
    pub payment_method: Option<String>,
    /// Lower case: `purchase` or `subscription_create` on `order.paid`.
    pub billing_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refund {
    pub refund_id: String,
    /// Read first: how the refund finds its sale.
    pub order_id: Option<OrderId>,
    /// Read second, when the order id is missing (integrators are unsure which arrives).
    pub charge_id: Option<String>,
    pub subscription_id: Option<SubscriptionId>,
    pub key: MatchKey,
    /// Upper case (`SUCCEEDED`, `PENDING`, …); empty when the event named none.
    pub status: String,
    pub amount: Option<Money>,
    /// Recur's running total for the order: never add these up.
    pub refunded_amount: Option<Money>,
    pub original_amount: Option<Money>,
    pub currency: Option<Currency>,
    pub reason: Option<String>,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
}

/// The `checkout.completed` statuses that prove a payment (compared upper case).
const COMPLETED: [&str; 3] = ["COMPLETE", "COMPLETED", "PAID"];

/// Reads an event into a fact. Never fails: what cannot be understood becomes
/// [`Fact::Ignored`] or [`Fact::Unplaceable`] (the raw event stays in the journal).
pub fn fact_from_event(event: &Event) -> Fact {
    let key = MatchKey::of_event(event);
    match event.class() {
        EventClass::CheckoutOpened => Fact::PageOpened {
            key,
            at: event.time_field(&["created_at", "opened_at"]).or(event.timestamp),
        },
        EventClass::Paid => paid_or_unconfirmed(event, key),
        EventClass::PaymentFailed => Fact::PaymentFailed {
            key,
            code: event.failure_code(),
            message: event.failure_message(),
            subscription_id: event.subscription_id(),
        },
        EventClass::Refund => refund(event, key),
        EventClass::Invoice if event.kind.eq_ignore_ascii_case("invoice.payment_failed") => {
            Fact::RenewalFailed(subscription::renewal_failure(event, key))
        }
        EventClass::Subscription | EventClass::Invoice => {
            subscription::subscription_update(event, key).map_or(Fact::Ignored, Fact::Subscription)
        }
        EventClass::EInvoice => einvoice::einvoice(event, key).map_or(Fact::Ignored, Fact::EInvoice),
        EventClass::Product => Fact::CatalogChanged,
        EventClass::Other if event.kind.eq_ignore_ascii_case("checkout.expired") => Fact::Expired { key },
        EventClass::Other => Fact::Ignored,
    }
}

/// `order.paid` always proves a payment; `checkout.completed` only with a completed status or
/// an order id (recur-api.md §6).
fn paid_or_unconfirmed(event: &Event, key: MatchKey) -> Fact {
    let status = event.status();
    let is_checkout = event.kind.eq_ignore_ascii_case("checkout.completed");
    let completed = status.as_deref().is_some_and(|s| COMPLETED.contains(&s));
    if is_checkout && !completed && event.order_id().is_none() {
        return Fact::CheckoutUnconfirmed { key, status };
    }
    Fact::Paid(Payment {
        key,
        order_id: event.order_id(),
        amount: event.amount(),
        currency: event.currency(),
        customer_email: event.customer_email(),
        customer_name: event.customer_name(),
        paid_at: event.time_field(&["paid_at", "completed_at"]).or(event.timestamp),
        subscription_id: event.subscription_id(),
        setup_intent_id: event.str_field(&["setup_intent_id"]).map(str::to_owned),
        payment_method: event.payment_method(),
        billing_reason: event.billing_reason(),
    })
}

fn refund(event: &Event, key: MatchKey) -> Fact {
    // Without its own id a refund cannot be deduplicated, and counting it could count it twice.
    let Some(refund_id) = event.str_field(&["id", "refund_id"]) else {
        return Fact::Unplaceable {
            event_type: event.kind.to_ascii_lowercase(),
            missing: "refund id",
        };
    };
    let status = event.status().unwrap_or_else(|| implied_refund_status(&event.kind));
    Fact::Refund(Refund {
        refund_id: refund_id.to_owned(),
        order_id: event.order_id(),
        charge_id: event.str_field(&["charge_id"]).map(str::to_owned),
        subscription_id: event.str_field(&["subscription_id"]).map(SubscriptionId::new),
        key,
        status,
        amount: event.money_field(&["amount"]),
        refunded_amount: event.money_field(&["refunded_amount"]),
        original_amount: event.money_field(&["original_amount"]),
        currency: event.currency(),
        reason: event.str_field(&["reason"]).map(str::to_owned),
        failure_code: event.failure_code(),
        failure_message: event.failure_message(),
    })
}

fn implied_refund_status(kind: &str) -> String {
    match kind.to_ascii_lowercase().as_str() {
        "refund.succeeded" => "SUCCEEDED".to_owned(),
        "refund.failed" => "FAILED".to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests;
