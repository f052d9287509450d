//! Webhook events: the envelope, its exact bytes, and the payloads of each event type
//! (recur-api.md §6: snake_case `data` carrying `metadata` and `checkout_id`).
//!
//! An event's body is serialized once; every delivery and redelivery sends those same bytes,
//! so signatures and dedupe-by-id behave as at Recur. Sending is in [`crate::webhook`].

use std::sync::Arc;

use recur_domain::{Mode, Timestamp};
use serde_json::{json, Value};

use crate::cards::{Decline, Lang};
use crate::catalog::BillingPeriod;
use crate::ids;
use crate::session::Session;

/// An emitted event, kept for redelivery and for `GET /_sandbox/events`.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub id: String,
    pub event_type: String,
    /// The exact bytes every delivery sends and signs.
    pub body: Arc<[u8]>,
}

impl StoredEvent {
    /// Wraps `data` in the envelope `{"id","type","timestamp","data"}`; `id` None = a fresh one.
    pub fn new(id: Option<String>, event_type: &str, now: Timestamp, data: Value) -> StoredEvent {
        let id = id.unwrap_or_else(|| ids::event_id(now.unix_ms()));
        let envelope = json!({"id": id, "type": event_type, "timestamp": now.to_rfc3339(), "data": data});
        let body: Vec<u8> = serde_json::to_vec(&envelope).unwrap_or_default();
        StoredEvent {
            id,
            event_type: event_type.to_owned(),
            body: body.into(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// `checkout.created`: the customer opened the hosted page.
pub fn checkout_created(s: &Session, now: Timestamp) -> StoredEvent {
    let data = json!({
        "id": s.id, "checkout_id": s.id, "status": "OPEN", "mode": s.mode.as_str(),
        "amount": s.amount, "currency": s.currency, "product_id": s.product.id,
        "customer_email": s.customer_email, "metadata": s.metadata,
        "created_at": s.created_at.to_rfc3339(), "expires_at": s.expires_at.to_rfc3339(),
    });
    StoredEvent::new(None, "checkout.created", now, data)
}

/// The events of a successful payment, in Recur's usual order.
pub fn payment_succeeded(s: &Session, now: Timestamp) -> Vec<StoredEvent> {
    let mut out = Vec::new();
    if s.mode != Mode::Setup {
        out.push(StoredEvent::new(None, "order.paid", now, order_paid(s, now)));
    }
    out.push(StoredEvent::new(
        None,
        "checkout.completed",
        now,
        checkout_completed(s, now),
    ));
    if s.mode == Mode::Subscription {
        let sub = subscription(s, now);
        out.push(StoredEvent::new(None, "subscription.created", now, sub.clone()));
        out.push(StoredEvent::new(None, "subscription.activated", now, sub));
    }
    out
}

/// `order.payment_failed` for a declined card.
pub fn payment_failed(s: &Session, decline: Decline, now: Timestamp) -> StoredEvent {
    let data = json!({
        "id": ids::cuid(now.unix_ms()), "checkout_id": s.id, "status": "FAILED",
        "amount": s.amount, "currency": s.currency, "product_id": s.product.id,
        "failure_code": decline.code(), "failure_message": decline.message(Lang::En),
        "customer_email": s.customer_email, "metadata": s.metadata,
        "failed_at": now.to_rfc3339(),
    });
    StoredEvent::new(None, "order.payment_failed", now, data)
}

fn order_paid(s: &Session, now: Timestamp) -> Value {
    let reason = if s.mode == Mode::Subscription {
        "subscription_create"
    } else {
        "purchase"
    };
    let method = s
        .payment_method
        .as_ref()
        .map(|m| json!({"type": "card", "brand": m.brand, "last4": m.last4}));
    json!({
        "id": s.order_id, "order_id": s.order_id, "checkout_id": s.id, "status": "PAID",
        "amount": s.amount, "currency": s.currency, "paid_at": now.to_rfc3339(),
        "product_id": s.product.id, "subscription_id": s.subscription_id,
        "payment_intent_id": s.payment_intent_id, "billing_reason": reason,
        "payment_method": method, "metadata": s.metadata,
        "customer": s.customer_json(), "customer_email": s.customer_email,
    })
}

fn checkout_completed(s: &Session, now: Timestamp) -> Value {
    let mut data = json!({
        "id": s.id, "checkout_id": s.id, "status": "COMPLETED",
        "amount": s.amount, "subtotal": s.amount, "discount": 0, "currency": s.currency,
        "product_id": s.product.id, "mode": s.mode.as_str(), "order_id": s.order_id,
        "subscription_id": s.subscription_id, "customer": s.customer_json(),
        "customer_email": s.customer_email, "metadata": s.metadata,
        "created_at": s.created_at.to_rfc3339(), "completed_at": now.to_rfc3339(),
    });
    if s.mode == Mode::Setup {
        data["setup_intent_id"] = json!(s.setup_intent_id);
    }
    data
}

fn subscription(s: &Session, now: Timestamp) -> Value {
    let period = s.product.billing_period.unwrap_or(BillingPeriod::Monthly);
    let mut data = json!({
        "id": s.subscription_id, "subscription_id": s.subscription_id, "status": "ACTIVE",
        "product_id": s.product.id, "customer": s.customer_json(),
        "customer_email": s.customer_email, "billing_period": period,
        "amount": s.product.price, "currency": s.currency,
        "current_period_start": now.to_rfc3339(),
        "current_period_end": add_period(now, period).to_rfc3339(),
        "checkout_id": s.id, "metadata": s.metadata,
    });
    if let Some(days) = s.product.trial_days.filter(|d| *d > 0) {
        data["trial_end"] = json!(now.plus_ms(i64::from(days) * 86_400_000).to_rfc3339());
    }
    data
}

/// A renewal of the subscription `s` started, as Recur sends it: `invoice.paid` and
/// `subscription.renewed`, or when the card fails `invoice.payment_failed` and
/// `subscription.past_due`. The invoice carries the subscription, never the first checkout.
pub fn renewal(s: &Session, paid: bool, now: Timestamp) -> Vec<StoredEvent> {
    let period = s.product.billing_period.unwrap_or(BillingPeriod::Monthly);
    let invoice_id = ids::cuid(now.unix_ms());
    let order_id = paid.then(|| ids::cuid(now.unix_ms()));
    let invoice = json!({
        "id": invoice_id, "invoice_id": invoice_id, "subscription_id": s.subscription_id,
        "order_id": order_id, "status": if paid { "PAID" } else { "FAILED" },
        "amount": s.product.price, "currency": s.currency, "product_id": s.product.id,
        "billing_reason": "subscription_cycle", "paid_at": paid.then(|| now.to_rfc3339()),
        "customer": s.customer_json(), "customer_email": s.customer_email,
    });
    let mut sub = subscription(s, now);
    sub["status"] = json!(if paid { "ACTIVE" } else { "PAST_DUE" });
    sub["current_period_end"] = json!(add_period(now, period).to_rfc3339());
    let (invoice_type, sub_type) = if paid {
        ("invoice.paid", "subscription.renewed")
    } else {
        ("invoice.payment_failed", "subscription.past_due")
    };
    vec![
        StoredEvent::new(None, invoice_type, now, invoice),
        StoredEvent::new(None, sub_type, now, sub),
    ]
}

/// One billing period later, by the calendar (Jan 31 + 1 month = Feb 28/29).
pub fn add_period(start: Timestamp, period: BillingPeriod) -> Timestamp {
    const DAY: i64 = 86_400_000;
    let months = match period {
        BillingPeriod::Weekly => return start.plus_ms(7 * DAY),
        BillingPeriod::Monthly | BillingPeriod::Custom | BillingPeriod::OneTime => 1,
        BillingPeriod::Yearly => 12,
    };
    let nanos = i128::from(start.unix_ms()) * 1_000_000;
    let Ok(dt) = time::OffsetDateTime::from_unix_timestamp_nanos(nanos) else {
        return start.plus_ms(30 * DAY);
    };
    let total = dt.year() * 12 + i32::from(u8::from(dt.month())) - 1 + months;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let Ok(month) = time::Month::try_from((month0 + 1) as u8) else {
        return start.plus_ms(30 * DAY);
    };
    let day = dt.day().min(month.length(year));
    match dt
        .replace_day(1)
        .and_then(|d| d.replace_year(year))
        .and_then(|d| d.replace_month(month))
        .and_then(|d| d.replace_day(day))
    {
        Ok(later) => Timestamp::from_unix_ms((later.unix_timestamp_nanos() / 1_000_000) as i64),
        Err(_) => start.plus_ms(30 * DAY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_follow_the_calendar() {
        let t = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
        let cases = [
            (
                "2026-01-31T10:00:00.000Z",
                BillingPeriod::Monthly,
                "2026-02-28T10:00:00.000Z",
            ),
            (
                "2028-01-31T10:00:00.000Z",
                BillingPeriod::Monthly,
                "2028-02-29T10:00:00.000Z",
            ),
            (
                "2026-12-15T10:00:00.000Z",
                BillingPeriod::Monthly,
                "2027-01-15T10:00:00.000Z",
            ),
            (
                "2028-02-29T10:00:00.000Z",
                BillingPeriod::Yearly,
                "2029-02-28T10:00:00.000Z",
            ),
            (
                "2026-11-29T10:00:00.000Z",
                BillingPeriod::Weekly,
                "2026-12-06T10:00:00.000Z",
            ),
        ];
        for (start, period, expected) in cases {
            assert_eq!(
                add_period(t(start), period).to_rfc3339(),
                expected,
                "{start} {period:?}"
            );
        }
    }

    #[test]
    fn the_body_is_the_envelope() {
        let e = StoredEvent::new(
            Some("evt_1".into()),
            "ping",
            Timestamp::from_unix_ms(0),
            json!({"a": 1}),
        );
        let v = e.json();
        assert_eq!(v["id"], "evt_1");
        assert_eq!(v["type"], "ping");
        assert_eq!(v["timestamp"], "1970-01-01T00:00:00.000Z");
        assert_eq!(v["data"]["a"], 1);
    }
}
