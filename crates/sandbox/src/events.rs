//! Webhook events: the envelope, its exact bytes, and the payloads of the checkout and order
//! events (recur-api.md §6: snake_case `data`, enum values lower case, `payment_method` the
//! string `"card"`, `discount` null). Subscription, invoice, refund and e-invoice payloads are
//! built beside their records ([`crate::subscription`], [`crate::billing`], [`crate::refund`],
//! [`crate::einvoice`]).
//!
//! An event's body is serialized once; every delivery and redelivery sends those same bytes
//! and the same `X-Recur-Timestamp` (the event's time), so signatures and dedupe-by-id behave
//! as at Recur. Sending is in [`crate::webhook`].

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
    /// When the event happened: its envelope `timestamp` and every attempt's `X-Recur-Timestamp`.
    pub at: Timestamp,
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
            at: now,
            body: body.into(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// An event decided but not yet recorded: its type and `data`.
pub type Draft = (&'static str, Value);

/// `mode` as webhook bodies carry it (lower case).
fn mode(s: &Session) -> String {
    s.mode.as_str().to_ascii_lowercase()
}

/// `checkout.created`: the customer opened the hosted page.
pub fn checkout_created(s: &Session) -> Draft {
    let data = json!({
        "id": s.id, "checkout_id": s.id, "status": "open", "mode": mode(s),
        "amount": s.amount, "currency": s.currency, "product_id": s.product.id,
        "customer_email": s.customer_email, "metadata": s.metadata,
        "created_at": s.created_at.to_rfc3339(), "expires_at": s.expires_at.to_rfc3339(),
    });
    ("checkout.created", data)
}

/// A checkout's own payment is a `purchase` or a `subscription_create`.
pub fn billing_reason(s: &Session) -> &'static str {
    if s.mode == Mode::Subscription {
        "subscription_create"
    } else {
        "purchase"
    }
}

/// `order.paid` of a checkout's own payment.
pub fn order_paid(s: &Session, now: Timestamp) -> Draft {
    let reason = billing_reason(s);
    let data = json!({
        "id": s.order_id, "order_id": s.order_id, "checkout_id": s.id, "status": "paid",
        "amount": s.amount, "currency": s.currency, "paid_at": now.to_rfc3339(),
        "product_id": s.product.id, "subscription_id": s.subscription_id,
        "payment_intent_id": s.payment_intent_id, "billing_reason": reason,
        "payment_method": "card", "discount": null, "metadata": s.metadata,
        "customer": s.customer().to_json(), "customer_email": s.customer_email,
    });
    ("order.paid", data)
}

/// `checkout.completed` of a paid session (or a SETUP one whose card was saved).
pub fn checkout_completed(s: &Session, now: Timestamp) -> Draft {
    let mut data = checkout_data(s);
    data["status"] = json!("complete");
    data["completed_at"] = json!(now.to_rfc3339());
    if s.mode == Mode::Setup {
        data["setup_intent_id"] = json!(s.setup_intent_id);
    }
    ("checkout.completed", data)
}

/// The `checkout.completed` Recur's first-subscription diagram sends after a *failed* payment:
/// neither a completed status nor an order id, so it proves nothing.
pub fn checkout_completed_unpaid(s: &Session) -> Draft {
    let mut data = checkout_data(s);
    data["status"] = json!("open");
    ("checkout.completed", data)
}

fn checkout_data(s: &Session) -> Value {
    json!({
        "id": s.id, "checkout_id": s.id, "status": null,
        "amount": s.amount, "subtotal": s.amount, "discount": null, "currency": s.currency,
        "product_id": s.product.id, "mode": mode(s), "order_id": s.order_id,
        "subscription_id": s.subscription_id, "customer": s.customer().to_json(),
        "customer_email": s.customer_email, "metadata": s.metadata,
        "created_at": s.created_at.to_rfc3339(), "completed_at": null,
    })
}

/// `order.payment_failed` for a declined card (`s` carries the email the customer typed).
pub fn payment_failed(s: &Session, decline: Decline, now: Timestamp) -> Draft {
    let data = json!({
        "id": ids::cuid(now.unix_ms()), "checkout_id": s.id, "status": "failed",
        "amount": s.amount, "currency": s.currency, "product_id": s.product.id,
        "subscription_id": s.subscription_id,
        "failure_code": decline.code(), "failure_message": decline.message(Lang::En),
        "customer_email": s.customer_email, "metadata": s.metadata,
        "failed_at": now.to_rfc3339(),
    });
    ("order.payment_failed", data)
}

/// The same `data` with no `metadata` key at all.
pub fn without_metadata((kind, mut data): Draft) -> Draft {
    if let Some(object) = data.as_object_mut() {
        object.remove("metadata");
    }
    (kind, data)
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
