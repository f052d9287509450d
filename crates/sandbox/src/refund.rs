//! Refunds, which Recur's shops make in its dashboard (no REST endpoint is documented): the
//! rule behind `POST /_sandbox/refunds` and the `refund.*` payload (recur-api.md §6).
//!
//! A refund emits `refund.created` (pending) then `refund.succeeded` or `refund.failed`;
//! `refunded_amount` is the order's running total. A refund with cancellation ends the
//! subscription at once (`subscription.cancelled`, status already `canceled`). After a
//! successful refund the e-invoice is voided or reduced ([`crate::einvoice`]). Over-refunds
//! are refused with a sentence saying how much is left.

use std::sync::Arc;

use recur_domain::Timestamp;
use serde_json::{json, Value};

use crate::billing::Ending;
use crate::einvoice;
use crate::events::{Draft, StoredEvent};
use crate::http::{invalid, not_found, Resp};
use crate::ids;
use crate::order::Order;
use crate::state::State;

/// The control route's body.
#[derive(Clone, Debug, Default)]
pub struct RefundInput {
    pub order_id: String,
    /// Whole TWD; `None` = all that is left.
    pub amount: Option<i64>,
    pub fail: bool,
    pub cancel_subscription: bool,
    pub reason: Option<String>,
    pub reason_detail: Option<String>,
}

/// A refund made.
#[derive(Clone, Debug)]
pub struct Refunded {
    pub refund_id: String,
    pub events: Vec<Arc<StoredEvent>>,
}

/// One refund's fields, before its status is known.
struct NewRefund<'a> {
    id: String,
    number: String,
    amount: i64,
    input: &'a RefundInput,
    now: Timestamp,
}

impl State {
    pub fn refund(&mut self, input: &RefundInput, now: Timestamp) -> Result<Refunded, Resp> {
        let amount = self.check_refund(input)?;
        let order = self.orders.get_mut(&input.order_id).expect("checked");
        order.refund_count += 1;
        let refund = NewRefund {
            id: ids::cuid(now.unix_ms()),
            number: ids::refund_number(&order.id, order.refund_count),
            amount,
            input,
            now,
        };
        let mut drafts = vec![("refund.created", refund.data(order, "pending"))];
        if input.fail {
            drafts.push(("refund.failed", refund.data(order, "failed")));
        } else {
            order.refunded += amount;
            drafts.push(("refund.succeeded", refund.data(order, "succeeded")));
            drafts.extend(self.after_refund(input, amount, now));
        }
        let events = self.record_drafts(drafts, false, now);
        Ok(Refunded {
            refund_id: refund.id,
            events,
        })
    }

    /// The amount to refund, or why not.
    fn check_refund(&self, input: &RefundInput) -> Result<i64, Resp> {
        if input.order_id.trim().is_empty() {
            return Err(invalid("order_id", "order_id is required"));
        }
        let Some(order) = self.orders.get(&input.order_id) else {
            return Err(not_found(&format!(
                "no order {} was paid in this sandbox",
                input.order_id
            )));
        };
        let left = order.left_to_refund();
        let amount = input.amount.unwrap_or(left);
        if left == 0 {
            let message = format!("order {} is already fully refunded (NT${})", order.id, order.amount);
            return Err(invalid("amount", &message));
        }
        if amount <= 0 {
            return Err(invalid("amount", "amount must be a whole number of TWD above 0"));
        }
        if amount > left {
            let message = format!(
                "amount {amount} is more than the NT${left} left to refund on order {} (NT${} paid, NT${} refunded)",
                order.id, order.amount, order.refunded
            );
            return Err(invalid("amount", &message));
        }
        if input.cancel_subscription && order.subscription_id.is_none() {
            let message = format!("order {} is not a subscription's payment: nothing to cancel", order.id);
            return Err(invalid("cancel_subscription", &message));
        }
        Ok(amount)
    }

    /// The cancellation and the e-invoice change that follow a successful refund.
    fn after_refund(&mut self, input: &RefundInput, amount: i64, now: Timestamp) -> Vec<Draft> {
        let mut drafts = Vec::new();
        let order = &self.orders[&input.order_id];
        if let Some(sub) = order.subscription_id.clone().filter(|_| input.cancel_subscription) {
            let live = self.subscriptions.get(&sub).is_some_and(|s| !s.status.has_ended());
            if live {
                drafts.extend(self.end_now(&sub, Ending::Cancel, now).map(|(kind, mut data)| {
                    data["cancel_reason"] = json!("refund");
                    (kind, data)
                }));
            }
        }
        let mode = self.quirks.einvoice;
        let order = self.orders.get_mut(&input.order_id).expect("checked");
        drafts.extend(einvoice::after_refund(mode, order, amount, now));
        drafts
    }
}

impl NewRefund<'_> {
    /// The `data` of a `refund.*` event, with the order's running total as it is now.
    fn data(&self, order: &Order, status: &str) -> Value {
        let failed = status == "failed";
        json!({
            "id": self.id, "refund_id": self.id, "refund_number": self.number,
            "charge_id": order.charge_id, "order_id": order.id,
            "subscription_id": order.subscription_id, "customer_id": order.customer.id,
            "amount": self.amount, "currency": order.currency, "status": status,
            "reason": self.input.reason.as_deref().unwrap_or("requested_by_customer"),
            "reason_detail": self.input.reason_detail,
            "original_amount": order.amount, "refunded_amount": order.refunded,
            "failure_code": failed.then_some("refund_failed"),
            "failure_message": failed.then_some("The card issuer did not accept the refund (sandbox)."),
            "created_at": self.now.to_rfc3339(),
        })
    }
}
