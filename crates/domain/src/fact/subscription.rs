//! Subscription facts: the lifecycle (`subscription.*`), a renewal's payment (`invoice.paid`)
//! and a renewal that failed (`invoice.payment_failed`), as recur-api.md §6 describes them.
//!
//! Recur bills renewals itself: there is no renewal `order.paid`, and renewal and
//! `subscription.*` events carry no checkout id and no checkout metadata, only the
//! subscription id. An invoice counts as a renewal unless it is the sale's own first order;
//! a billing reason nobody has seen is still a renewal candidate, marked so a person looks.
//! Not here: linking a subscription to its sale, or deciding what needs attention (the ledger).

use crate::event::{Event, EventClass};
use crate::fact::key::MatchKey;
use crate::ids::{OrderId, ProductId, SubscriptionId};
use crate::money::{Currency, Money};
use crate::time::Timestamp;

/// A `subscription.*` event, or an `invoice.created`/`invoice.paid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionUpdate {
    /// The event type, lower case (`subscription.activated`, `invoice.paid`, …).
    pub event_type: String,
    /// What happened, typed.
    pub change: SubscriptionChange,
    pub subscription_id: Option<SubscriptionId>,
    /// The subscription's status, upper case (`PENDING`, `ACTIVE`, `PAST_DUE`, `CANCELLED`…;
    /// Recur's `canceled` is spelled `CANCELLED` like the sale state). Without a `status`
    /// field it is implied by the type where the type says it (`subscription.revoked` →
    /// `REVOKED`); an invoice's own status is never taken for the subscription's.
    pub status: Option<String>,
    pub current_period_end: Option<Timestamp>,
    pub product_id: Option<ProductId>,
    pub key: MatchKey,
    /// Only for `invoice.paid`: the payment an invoice recorded.
    pub invoice: Option<InvoicePayment>,
    /// When Recur says this happened (the envelope's timestamp), so a late, older status
    /// update does not overwrite a newer one.
    pub at: Option<Timestamp>,
}

/// The subscription event types Recur documents. Others (`subscription.paused`,
/// `subscription.schedule_*`) are not facts: they are journaled as unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubscriptionChange {
    /// The customer submitted the form; the subscription is pending until the first payment.
    Created,
    Activated,
    /// Informational: a renewal's money is in the `invoice.paid` that comes with it.
    Renewed,
    Upgraded,
    Downgraded,
    TrialEnding,
    /// A renewal charge failed and the product has a grace period.
    PastDue,
    /// No usable card, in the grace period: the customer must give a new card.
    PaymentMethodRequired,
    Cancelled,
    /// Ended at once (no usable card and no grace, or a refund with cancellation).
    Revoked,
    /// The grace period ran out.
    Expired,
    InvoiceCreated,
    InvoicePaid,
}

impl SubscriptionChange {
    /// Every variant, for tests and for code that maps each to a sentence.
    pub const ALL: [SubscriptionChange; 13] = [
        Self::Created,
        Self::Activated,
        Self::Renewed,
        Self::Upgraded,
        Self::Downgraded,
        Self::TrialEnding,
        Self::PastDue,
        Self::PaymentMethodRequired,
        Self::Cancelled,
        Self::Revoked,
        Self::Expired,
        Self::InvoiceCreated,
        Self::InvoicePaid,
    ];

    /// The event type, lower case (`subscription.cancelled`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "subscription.created",
            Self::Activated => "subscription.activated",
            Self::Renewed => "subscription.renewed",
            Self::Upgraded => "subscription.upgraded",
            Self::Downgraded => "subscription.downgraded",
            Self::TrialEnding => "subscription.trial_ending",
            Self::PastDue => "subscription.past_due",
            Self::PaymentMethodRequired => "subscription.payment_method_required",
            Self::Cancelled => "subscription.cancelled",
            Self::Revoked => "subscription.revoked",
            Self::Expired => "subscription.expired",
            Self::InvoiceCreated => "invoice.created",
            Self::InvoicePaid => "invoice.paid",
        }
    }

    /// By event type, case-insensitively; `subscription.canceled` is `Cancelled` too.
    pub fn parse(event_type: &str) -> Option<Self> {
        let lower = event_type.trim().to_ascii_lowercase();
        if lower == "subscription.canceled" {
            return Some(Self::Cancelled);
        }
        Self::ALL.into_iter().find(|c| c.as_str() == lower)
    }

    /// The status the type alone implies, when the event has no `status` field.
    fn implied_status(self) -> Option<&'static str> {
        match self {
            Self::Created => Some("PENDING"),
            Self::Activated | Self::Renewed => Some("ACTIVE"),
            Self::PastDue => Some("PAST_DUE"),
            Self::Cancelled => Some("CANCELLED"),
            Self::Revoked => Some("REVOKED"),
            Self::Expired => Some("EXPIRED"),
            _ => None,
        }
    }
}

/// The money side of an `invoice.paid` event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvoicePayment {
    pub invoice_id: Option<String>,
    pub order_id: Option<OrderId>,
    pub amount: Option<Money>,
    pub currency: Option<Currency>,
    pub paid_at: Option<Timestamp>,
    /// Lower case (`subscription_cycle`, `subscription_update`, `subscription_create`, …).
    pub billing_reason: Option<String>,
}

/// Why Recur billed an invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BillingReason {
    /// The subscription's first payment: the sale's own money, never a renewal.
    SubscriptionCreate,
    /// A billing cycle (`subscription_cycle`; older material says `renewal`).
    SubscriptionCycle,
    /// A plan switch.
    SubscriptionUpdate,
    /// Missing, or a value nobody has documented.
    Unrecognised,
}

impl BillingReason {
    pub fn parse(text: Option<&str>) -> Self {
        match text.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
            Some("subscription_create") => Self::SubscriptionCreate,
            Some("subscription_cycle" | "renewal" | "subscription_renewal") => Self::SubscriptionCycle,
            Some("subscription_update") => Self::SubscriptionUpdate,
            _ => Self::Unrecognised,
        }
    }
}

impl InvoicePayment {
    pub fn reason(&self) -> BillingReason {
        BillingReason::parse(self.billing_reason.as_deref())
    }

    /// By its reason alone: every invoice except a subscription's first is a renewal
    /// candidate, an unknown or missing reason included (issue 9 item 6).
    pub fn is_renewal(&self) -> bool {
        self.reason() != BillingReason::SubscriptionCreate
    }

    /// A renewal of the sale whose own (first) order is `first_order`: an invoice for that
    /// very order is the sale's payment, whatever its reason says.
    pub fn is_renewal_of(&self, first_order: Option<&OrderId>) -> bool {
        let same_order = first_order.is_some() && self.order_id.as_ref() == first_order;
        self.is_renewal() && !same_order
    }

    /// Recorded as a renewal but to be looked at by a person: the reason is missing or unknown.
    pub fn needs_review(&self) -> bool {
        self.reason() == BillingReason::Unrecognised
    }
}

/// `invoice.payment_failed`: Recur could not charge a renewal. No money moved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenewalFailure {
    pub subscription_id: Option<SubscriptionId>,
    pub invoice_id: Option<String>,
    pub order_id: Option<OrderId>,
    pub amount: Option<Money>,
    pub currency: Option<Currency>,
    /// Lower case, as on [`InvoicePayment::billing_reason`].
    pub billing_reason: Option<String>,
    pub code: Option<String>,
    pub message: Option<String>,
    pub key: MatchKey,
    pub at: Option<Timestamp>,
}

/// `subscription.*` and `invoice.*` (`invoice.payment_failed` is read by [`renewal_failure`]).
/// `None` for a type that is not documented: it is journaled as unknown.
pub(crate) fn subscription_update(event: &Event, key: MatchKey) -> Option<SubscriptionUpdate> {
    let change = SubscriptionChange::parse(&event.kind)?;
    let is_invoice = event.class() == EventClass::Invoice;
    let status = if is_invoice {
        event.str_field(&["subscription_status"]).map(normalise_status)
    } else {
        event
            .str_field(&["status"])
            .map(normalise_status)
            .or_else(|| change.implied_status().map(str::to_owned))
    };
    let product_id = event
        .str_field(&["product_id", "plan_id"])
        .or_else(|| event.data.get("product")?.get("id")?.as_str())
        .map(ProductId::new);
    Some(SubscriptionUpdate {
        event_type: event.kind.to_ascii_lowercase(),
        change,
        subscription_id: event.subscription_id(),
        status,
        current_period_end: event.time_field(&["current_period_end", "period_end", "current_period_ends_at"]),
        product_id,
        key,
        invoice: (change == SubscriptionChange::InvoicePaid).then(|| invoice(event)),
        at: event.timestamp,
    })
}

pub(crate) fn renewal_failure(event: &Event, key: MatchKey) -> RenewalFailure {
    RenewalFailure {
        subscription_id: event.subscription_id(),
        invoice_id: event.str_field(&["id", "invoice_id"]).map(str::to_owned),
        order_id: event.str_field(&["order_id"]).map(OrderId::new),
        amount: event.money_field(&["amount_due", "amount", "total"]),
        currency: event.currency(),
        billing_reason: event.billing_reason(),
        code: event.failure_code(),
        message: event.failure_message(),
        key,
        at: event.time_field(&["failed_at"]).or(event.timestamp),
    }
}

/// Upper case, and one spelling of cancelled.
fn normalise_status(status: &str) -> String {
    match status.trim().to_ascii_uppercase().as_str() {
        "CANCELED" => "CANCELLED".to_owned(),
        other => other.to_owned(),
    }
}

fn invoice(event: &Event) -> InvoicePayment {
    InvoicePayment {
        invoice_id: event.str_field(&["id", "invoice_id"]).map(str::to_owned),
        order_id: event.str_field(&["order_id"]).map(OrderId::new),
        amount: event.money_field(&["amount_paid", "amount", "total"]),
        currency: event.currency(),
        paid_at: event.time_field(&["paid_at"]).or(event.timestamp),
        billing_reason: event.billing_reason(),
    }
}
