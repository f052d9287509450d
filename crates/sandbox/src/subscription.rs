//! A subscription the sandbox bills, and the `data` its `subscription.*` events carry.
//!
//! As at Recur, those events carry the subscription's own id, its product and customer, and
//! **no** `checkout_id` and no checkout `metadata` (recur-api.md §6): a receiver links them to
//! a sale by the subscription id it learnt from the first payment. Enum values are lower case.
//! The rules that change a subscription are in [`crate::payment`] and [`crate::billing`].

use recur_domain::Timestamp;
use serde_json::{json, Value};

use crate::catalog::{BillingPeriod, Product};
use crate::session::Customer;

/// Where a subscription is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubStatus {
    /// The form was submitted; the first payment has not succeeded (yet).
    Pending,
    Active,
    /// A renewal failed; the product's grace period is running.
    PastDue,
    Canceled,
    Revoked,
    Expired,
}

impl SubStatus {
    /// Lower case, as inside webhook bodies (`canceled` with one l, as Recur spells it).
    pub fn as_str(self) -> &'static str {
        match self {
            SubStatus::Pending => "pending",
            SubStatus::Active => "active",
            SubStatus::PastDue => "past_due",
            SubStatus::Canceled => "canceled",
            SubStatus::Revoked => "revoked",
            SubStatus::Expired => "expired",
        }
    }

    /// Billing has stopped for good.
    pub fn has_ended(self) -> bool {
        matches!(self, SubStatus::Canceled | SubStatus::Revoked | SubStatus::Expired)
    }

    /// Counts as "already subscribed" for the 409 on a new checkout.
    pub fn is_live(self) -> bool {
        matches!(self, SubStatus::Active | SubStatus::PastDue)
    }
}

#[derive(Clone, Debug)]
pub struct Subscription {
    pub id: String,
    /// The checkout that created it: kept for the sandbox's own bookkeeping, never sent.
    pub session_id: String,
    pub product: Product,
    pub customer: Customer,
    pub status: SubStatus,
    pub amount: i64,
    pub currency: String,
    pub created_at: Timestamp,
    pub current_period_start: Option<Timestamp>,
    pub current_period_end: Option<Timestamp>,
    /// Set while a grace period runs (past due, or waiting for a new card).
    pub grace_period_end: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
}

impl Subscription {
    pub fn period(&self) -> BillingPeriod {
        self.product.billing_period.unwrap_or(BillingPeriod::Monthly)
    }

    /// The `data` of every `subscription.*` event.
    pub fn to_event_json(&self) -> Value {
        let iso = |t: Option<Timestamp>| t.map(Timestamp::to_rfc3339);
        let mut data = json!({
            "id": self.id, "subscription_id": self.id, "status": self.status.as_str(),
            "product_id": self.product.id, "customer": self.customer.to_json(),
            "customer_email": self.customer.email, "billing_period": self.period().as_lower(),
            "amount": self.amount, "currency": self.currency,
            "current_period_start": iso(self.current_period_start),
            "current_period_end": iso(self.current_period_end),
            "created_at": self.created_at.to_rfc3339(),
        });
        if let Some(days) = self.product.trial_days.filter(|d| *d > 0) {
            let trial_end = self.created_at.plus_ms(i64::from(days) * 86_400_000);
            data["trial_end"] = json!(trial_end.to_rfc3339());
        }
        if let Some(end) = self.grace_period_end {
            data["grace_period_end"] = json!(end.to_rfc3339());
        }
        if let Some(ended) = self.ended_at {
            data["ended_at"] = json!(ended.to_rfc3339());
        }
        data
    }
}
