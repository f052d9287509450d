//! What Recur's billing engine does to a subscription after its first payment: renewals,
//! failed renewals, the grace period running out, cancellation (recur-api.md §6).
//!
//! - paid: `invoice.paid` (`billing_reason` `subscription_cycle`, `subscription_update` for a
//!   plan switch, or whatever the caller names) + the informational `subscription.renewed`,
//!   then the e-invoice. No renewal `order.paid`.
//! - declined: `invoice.payment_failed`, plus `subscription.past_due` only when the product
//!   has a grace period;
//! - no usable card: `subscription.payment_method_required` (grace) or `subscription.revoked`
//!   (no grace), and no invoice event;
//! - after the grace period: `subscription.expired`.
//!
//! None of these carries a checkout id or checkout metadata. Routes are in
//! [`crate::control_billing`]; refunds (which may cancel) in [`crate::refund`].

use std::sync::Arc;

use recur_domain::Timestamp;
use serde_json::{json, Value};

use crate::einvoice;
use crate::events::{self, Draft, StoredEvent};
use crate::http::{not_found, Resp};
use crate::ids;
use crate::order::Order;
use crate::state::State;
use crate::subscription::{SubStatus, Subscription};

/// How the next billing attempt goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    Paid,
    /// The card was charged and declined.
    Declined,
    /// There is no usable card to charge.
    NoCard,
}

/// What a billing change did.
#[derive(Clone, Debug)]
pub struct Billed {
    pub subscription: Subscription,
    pub order_id: Option<String>,
    pub invoice_id: Option<String>,
    pub events: Vec<Arc<StoredEvent>>,
}

/// How a subscription ends early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The grace period ran out: `subscription.expired`.
    Expire,
    /// Cancelled at once: `subscription.cancelled` with status already `canceled`.
    Cancel,
}

impl State {
    /// The next billing cycle of subscription `id`. `reason` is the invoice's billing reason.
    pub fn renew(&mut self, id: &str, attempt: Attempt, reason: &str, now: Timestamp) -> Result<Billed, Resp> {
        self.billable(id)?;
        let sub = self.subscriptions.get(id).cloned().expect("checked");
        let invoice_id = ids::cuid(now.unix_ms());
        let (drafts, order_id) = match attempt {
            Attempt::Paid => self.renewal_paid(sub, &invoice_id, reason, now),
            Attempt::Declined => (self.renewal_declined(sub, &invoice_id, reason, now), None),
            Attempt::NoCard => (self.no_usable_card(sub, now), None),
        };
        let events = self.record_drafts(drafts, false, now);
        Ok(Billed {
            subscription: self.subscriptions[id].clone(),
            invoice_id: (attempt != Attempt::NoCard).then_some(invoice_id),
            order_id,
            events,
        })
    }

    /// Ends subscription `id` now (any state but pending or already ended).
    pub fn end(&mut self, id: &str, ending: Ending, now: Timestamp) -> Result<Billed, Resp> {
        self.billable(id)?;
        let draft = self.end_now(id, ending, now);
        let events = self.record_drafts(draft.into_iter().collect(), false, now);
        Ok(Billed {
            subscription: self.subscriptions[id].clone(),
            order_id: None,
            invoice_id: None,
            events,
        })
    }

    /// Sets the ending status and answers its event (None for an unknown subscription).
    pub fn end_now(&mut self, id: &str, ending: Ending, now: Timestamp) -> Option<Draft> {
        let sub = self.subscriptions.get_mut(id)?;
        sub.ended_at = Some(now);
        sub.grace_period_end = None;
        let kind = match ending {
            Ending::Expire => {
                sub.status = SubStatus::Expired;
                "subscription.expired"
            }
            Ending::Cancel => {
                sub.status = SubStatus::Canceled;
                "subscription.cancelled"
            }
        };
        let mut data = sub.to_event_json();
        if ending == Ending::Cancel {
            data["canceled_at"] = json!(now.to_rfc3339());
        }
        Some((kind, data))
    }

    /// 404 for an unknown subscription, 409 for one that is pending or has ended.
    fn billable(&self, id: &str) -> Result<(), Resp> {
        let Some(sub) = self.subscriptions.get(id) else {
            return Err(not_found(&format!(
                "no subscription {id} was created by a checkout in this sandbox"
            )));
        };
        let problem = match sub.status {
            SubStatus::Pending => "is pending: its first payment has not succeeded",
            s if s.has_ended() => "has ended",
            _ => return Ok(()),
        };
        Err(Resp::error(409, "conflict", &format!("subscription {id} {problem}")))
    }

    fn renewal_paid(
        &mut self,
        sub: Subscription,
        invoice_id: &str,
        reason: &str,
        now: Timestamp,
    ) -> (Vec<Draft>, Option<String>) {
        let start = sub.current_period_end.unwrap_or(now);
        let end = events::add_period(start, sub.period());
        let order_id = ids::cuid(now.unix_ms());
        let mut invoice = invoice_data(&sub, invoice_id, reason, "paid");
        invoice["order_id"] = json!(order_id);
        invoice["paid_at"] = json!(now.to_rfc3339());
        invoice["period_start"] = json!(start.to_rfc3339());
        invoice["period_end"] = json!(end.to_rfc3339());
        invoice["payment_method"] = json!("card");
        let live = self.subscriptions.get_mut(&sub.id).expect("checked");
        (live.status, live.grace_period_end) = (SubStatus::Active, None);
        (live.current_period_start, live.current_period_end) = (Some(start), Some(end));
        let mut drafts = vec![
            ("invoice.paid", invoice),
            ("subscription.renewed", live.to_event_json()),
        ];
        let mode = self.quirks.einvoice;
        let order = self.record_order(Order::of_renewal(&sub, order_id.clone(), invoice_id, reason, now));
        drafts.extend(einvoice::after_payment(mode, order, now));
        (drafts, Some(order_id))
    }

    fn renewal_declined(&mut self, sub: Subscription, invoice_id: &str, reason: &str, now: Timestamp) -> Vec<Draft> {
        let mut invoice = invoice_data(&sub, invoice_id, reason, "failed");
        invoice["failure_code"] = json!("card_declined");
        invoice["failure_message"] = json!("The card was declined when the renewal was charged.");
        invoice["attempt_count"] = json!(1);
        invoice["failed_at"] = json!(now.to_rfc3339());
        let mut drafts = vec![("invoice.payment_failed", invoice)];
        if let Some(grace_end) = grace_end(&sub, now) {
            let live = self.subscriptions.get_mut(&sub.id).expect("checked");
            (live.status, live.grace_period_end) = (SubStatus::PastDue, Some(grace_end));
            drafts.push(("subscription.past_due", live.to_event_json()));
        }
        drafts
    }

    fn no_usable_card(&mut self, sub: Subscription, now: Timestamp) -> Vec<Draft> {
        let live = self.subscriptions.get_mut(&sub.id).expect("checked");
        match grace_end(&sub, now) {
            Some(end) => {
                (live.status, live.grace_period_end) = (SubStatus::PastDue, Some(end));
                vec![("subscription.payment_method_required", live.to_event_json())]
            }
            None => {
                (live.status, live.ended_at) = (SubStatus::Revoked, Some(now));
                vec![("subscription.revoked", live.to_event_json())]
            }
        }
    }
}

/// When the grace period of a failure at `now` ends; None when the product has none.
fn grace_end(sub: &Subscription, now: Timestamp) -> Option<Timestamp> {
    let days = sub.product.grace_period_days.filter(|d| *d > 0)?;
    Some(now.plus_ms(i64::from(days) * 86_400_000))
}

/// The `data` of `invoice.*`: keyed by the subscription, never by a checkout.
fn invoice_data(sub: &Subscription, invoice_id: &str, reason: &str, status: &str) -> Value {
    json!({
        "id": invoice_id, "invoice_id": invoice_id, "subscription_id": sub.id, "order_id": null,
        "status": status, "amount": sub.amount, "currency": sub.currency, "product_id": sub.product.id,
        "billing_reason": reason, "discount": null,
        "customer": sub.customer.to_json(), "customer_email": sub.customer.email,
    })
}
