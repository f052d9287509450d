//! Reading Recur webhook events tolerantly (recur-api.md §6).
//!
//! The envelope is `{"id", "type", "timestamp", "data"}`; inside `data` keys are snake_case in
//! captured traffic but camelCase has been seen, and status values come in either case. Every
//! accessor here looks under both spellings. Parsing happens only after the signature over the
//! raw bytes was verified (see [`crate::signature`]).

use serde_json::Value;

use crate::ids::{CheckoutId, EventId, OrderId, SubscriptionId, TxnId};
use crate::money::{Currency, Money};
use crate::time::Timestamp;

/// A decoded webhook event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: EventId,
    /// `checkout.completed`, `order.paid`, … kept as sent (unknown types are legal).
    pub kind: String,
    pub timestamp: Option<Timestamp>,
    pub data: Value,
}

/// Why a body is not an event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the body is not valid JSON: {0}")]
    NotJson(String),
    #[error("the event has no {0}")]
    Missing(&'static str),
}

/// What an event means for a counter, by its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventClass {
    /// `checkout.created`: the customer opened the payment page.
    CheckoutOpened,
    /// `order.paid`, `checkout.completed`: money received (or, for SETUP, the card saved).
    Paid,
    /// `order.payment_failed`.
    PaymentFailed,
    /// `refund.*`.
    Refund,
    /// `subscription.*`.
    Subscription,
    /// `invoice.*`.
    Invoice,
    /// `einvoice.*`: Taiwan's electronic receipt (統一發票) that Recur issues for a payment.
    EInvoice,
    /// `product.*`.
    Product,
    /// Anything else: journaled and acknowledged, no effect.
    Other,
}

impl Event {
    /// Decodes an envelope. `header_id` and `header_type` (`X-Recur-Event-Id`/`-Type`) fill in
    /// for a body that lacks them.
    pub fn parse(body: &[u8], header_id: Option<&str>, header_type: Option<&str>) -> Result<Event, EventError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| EventError::NotJson(e.to_string()))?;
        if !value.is_object() {
            return Err(EventError::NotJson("the body is not a JSON object".into()));
        }
        let id = lookup_str(&value, &["id", "event_id", "eventId"])
            .or(header_id)
            .filter(|s| !s.trim().is_empty())
            .ok_or(EventError::Missing("id"))?;
        let kind = lookup_str(&value, &["type", "event_type", "eventType"])
            .or(header_type)
            .filter(|s| !s.trim().is_empty())
            .ok_or(EventError::Missing("type"))?;
        let timestamp =
            lookup_str(&value, &["timestamp", "created_at", "createdAt"]).and_then(Timestamp::parse_rfc3339);
        let data = value.get("data").cloned().unwrap_or(Value::Null);
        Ok(Event {
            id: EventId::new(id),
            kind: kind.to_owned(),
            timestamp,
            data,
        })
    }

    pub fn class(&self) -> EventClass {
        let kind = self.kind.to_ascii_lowercase();
        match kind.as_str() {
            "checkout.created" => EventClass::CheckoutOpened,
            "checkout.completed" | "order.paid" => EventClass::Paid,
            "order.payment_failed" => EventClass::PaymentFailed,
            k if k.starts_with("refund.") => EventClass::Refund,
            k if k.starts_with("subscription.") => EventClass::Subscription,
            k if k.starts_with("invoice.") => EventClass::Invoice,
            k if k.starts_with("einvoice.") => EventClass::EInvoice,
            k if k.starts_with("product.") => EventClass::Product,
            _ => EventClass::Other,
        }
    }

    /// The checkout session this event is about. For `checkout.*` events `data` is the session
    /// itself; other objects name it in `checkout_id`.
    pub fn checkout_id(&self) -> Option<CheckoutId> {
        let explicit = self.str_field(&["checkout_id", "checkoutId", "checkout_session_id", "checkoutSessionId"]);
        let own = if self.kind.to_ascii_lowercase().starts_with("checkout.") {
            self.str_field(&["id"])
        } else {
            None
        };
        explicit.or(own).map(CheckoutId::new)
    }

    /// Our own sale id, from `metadata.transaction_id`.
    pub fn transaction_id(&self) -> Option<TxnId> {
        let metadata = lookup(&self.data, &["metadata", "meta_data"])?;
        lookup_str(metadata, &["transaction_id", "transactionId"])
            .filter(|s| !s.is_empty())
            .map(TxnId::new)
    }

    /// The order: `data.id` of `order.*` events, else `order_id`.
    pub fn order_id(&self) -> Option<OrderId> {
        let explicit = self.str_field(&["order_id", "orderId"]);
        let own = if self.kind.to_ascii_lowercase().starts_with("order.") {
            self.str_field(&["id"])
        } else {
            None
        };
        explicit.or(own).map(OrderId::new)
    }

    /// `data.id` of `subscription.*` events, else `subscription_id`.
    pub fn subscription_id(&self) -> Option<SubscriptionId> {
        let explicit = self.str_field(&["subscription_id", "subscriptionId"]);
        let own = if self.class() == EventClass::Subscription {
            self.str_field(&["id"])
        } else {
            None
        };
        own.or(explicit).map(SubscriptionId::new)
    }

    pub fn amount(&self) -> Option<Money> {
        self.money_field(&["amount", "amount_total", "amountTotal"])
    }

    pub fn money_field(&self, names: &[&str]) -> Option<Money> {
        let value = lookup(&self.data, names)?;
        value
            .as_i64()
            .or_else(|| value.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
            .map(Money::new)
    }

    pub fn currency(&self) -> Option<Currency> {
        self.str_field(&["currency"]).map(Currency::new)
    }

    /// Upper-cased, so `paid` and `PAID` compare equal.
    pub fn status(&self) -> Option<String> {
        self.str_field(&["status"]).map(|s| s.trim().to_ascii_uppercase())
    }

    /// The customer's email: `customer_email`, else `customer.email`.
    pub fn customer_email(&self) -> Option<String> {
        self.str_field(&["customer_email", "customerEmail"])
            .or_else(|| lookup(&self.data, &["customer"]).and_then(|c| lookup_str(c, &["email"])))
            .map(str::to_owned)
    }

    pub fn customer_name(&self) -> Option<String> {
        self.str_field(&["customer_name", "customerName"])
            .or_else(|| lookup(&self.data, &["customer"]).and_then(|c| lookup_str(c, &["name"])))
            .map(str::to_owned)
    }

    /// How the customer paid, lower case. The capture sends the string `"card"`; an object
    /// (`{"type": "card", …}`) has also been seen and is read by its `type`.
    pub fn payment_method(&self) -> Option<String> {
        let value = lookup(&self.data, &["payment_method", "payment_method_type"])?;
        let text = match value {
            Value::String(s) => s.as_str(),
            Value::Object(_) => lookup_str(value, &["type", "method", "kind"])?,
            _ => return None,
        };
        Some(text.trim().to_ascii_lowercase()).filter(|s| !s.is_empty())
    }

    /// `billing_reason`, lower case (`purchase`, `subscription_create`, `subscription_cycle`, …).
    pub fn billing_reason(&self) -> Option<String> {
        self.str_field(&["billing_reason"])
            .map(|r| r.trim().to_ascii_lowercase())
            .filter(|r| !r.is_empty())
    }

    /// Why a charge failed: flat in `data` or inside a nested `error`/`failure` object.
    pub fn failure_code(&self) -> Option<String> {
        self.failure_text(&["failure_code", "error_code", "decline_code", "code"], "code")
    }

    /// The failure's human text, flat or nested like [`Event::failure_code`].
    pub fn failure_message(&self) -> Option<String> {
        let flat = ["failure_message", "error_message", "failure_reason", "message"];
        self.failure_text(&flat, "message")
    }

    fn failure_text(&self, flat: &[&str], nested: &str) -> Option<String> {
        let direct = self.str_field(flat).map(str::to_owned);
        direct.or_else(|| {
            ["error", "failure", "last_payment_error"]
                .iter()
                .find_map(|object| lookup_str(lookup(&self.data, &[object])?, &[nested]).map(str::to_owned))
        })
    }

    /// A time field of `data` (ISO-8601), under any of `names`.
    pub fn time_field(&self, names: &[&str]) -> Option<Timestamp> {
        self.str_field(names).and_then(Timestamp::parse_rfc3339)
    }

    /// The first string among `names` (each also tried in camelCase) inside `data`.
    pub fn str_field(&self, names: &[&str]) -> Option<&str> {
        lookup_str(&self.data, names)
    }
}

/// `names` are snake_case; each is also tried in camelCase.
fn lookup<'a>(value: &'a Value, names: &[&str]) -> Option<&'a Value> {
    let object = value.as_object()?;
    names.iter().find_map(|name| {
        object
            .get(*name)
            .or_else(|| object.get(&camel_case(name)))
            .filter(|v| !v.is_null())
    })
}

fn lookup_str<'a>(value: &'a Value, names: &[&str]) -> Option<&'a str> {
    lookup(value, names).and_then(Value::as_str)
}

/// `customer_email` → `customerEmail`: Recur's payloads come in either spelling.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(body: &str) -> Event {
        Event::parse(body.as_bytes(), None, None).expect("valid event")
    }

    #[test]
    fn reads_a_captured_checkout_completed() {
        let e = event(
            r#"{"id":"evt_1","type":"checkout.completed","timestamp":"2026-11-29T09:40:08.123Z",
            "data":{"id":"cs_1","status":"COMPLETED","amount":299,"currency":"twd",
            "customer":{"email":"a@example.com","name":"王小明"},"metadata":{"transaction_id":"01J"}}}"#,
        );
        assert_eq!(e.class(), EventClass::Paid);
        assert_eq!(e.checkout_id(), Some(CheckoutId::new("cs_1")));
        assert_eq!(e.transaction_id(), Some(TxnId::new("01J")));
        assert_eq!(e.amount(), Some(Money::new(299)));
        assert_eq!(e.currency(), Some(Currency::twd()));
        assert_eq!(e.status().as_deref(), Some("COMPLETED"));
        assert_eq!(e.customer_email().as_deref(), Some("a@example.com"));
        assert_eq!(e.customer_name().as_deref(), Some("王小明"));
        assert_eq!(e.order_id(), None);
        assert!(e.timestamp.is_some());
    }

    #[test]
    fn reads_order_paid_in_camel_case() {
        let e = event(
            r#"{"id":"evt_2","type":"order.paid","data":{"id":"ord_9","checkoutId":"cs_1",
            "status":"paid","amount":"299","customerEmail":"b@example.com","subscriptionId":"sub_1"}}"#,
        );
        assert_eq!(e.class(), EventClass::Paid);
        assert_eq!(e.checkout_id(), Some(CheckoutId::new("cs_1")));
        assert_eq!(e.order_id(), Some(OrderId::new("ord_9")));
        assert_eq!(e.amount(), Some(Money::new(299)));
        assert_eq!(e.status().as_deref(), Some("PAID"));
        assert_eq!(e.customer_email().as_deref(), Some("b@example.com"));
        assert_eq!(e.subscription_id(), Some(SubscriptionId::new("sub_1")));
    }

    #[test]
    fn subscription_events_key_on_their_own_id() {
        let shapes = [
            r#"{"id":"e","type":"subscription.activated","data":{"id":"sub_1","plan_id":"p","billing_period":"MONTHLY"}}"#,
            r#"{"id":"e","type":"subscription.activated","data":{"subscriptionId":"sub_1","interval":"month"}}"#,
            r#"{"id":"e","type":"subscription.activated","data":{"subscription_id":"sub_1","customer":{"id":"c"}}}"#,
        ];
        for shape in shapes {
            assert_eq!(
                event(shape).subscription_id(),
                Some(SubscriptionId::new("sub_1")),
                "{shape}"
            );
        }
    }

    #[test]
    fn header_ids_fill_in_and_bad_bodies_are_errors() {
        let e = Event::parse(br#"{"data":{}}"#, Some("evt_h"), Some("ping")).unwrap();
        assert_eq!(e.id.as_str(), "evt_h");
        assert_eq!(e.class(), EventClass::Other);
        let cases: [(&[u8], EventError); 4] = [
            (b"{", EventError::NotJson(String::new())),
            (b"[1,2]", EventError::NotJson(String::new())),
            (br#"{"type":"order.paid"}"#, EventError::Missing("id")),
            (br#"{"id":"e1"}"#, EventError::Missing("type")),
        ];
        for (body, expected) in cases {
            let err = Event::parse(body, None, None).unwrap_err();
            assert_eq!(
                std::mem::discriminant(&err),
                std::mem::discriminant(&expected),
                "{body:?}"
            );
        }
    }

    #[test]
    fn payment_method_reasons_and_failures_in_their_shapes() {
        let cases = [
            (r#"{"payment_method":"card"}"#, Some("card")),
            (r#"{"payment_method":" CARD "}"#, Some("card")),
            (
                r#"{"paymentMethod":{"type":"Card","brand":"VISA","last4":"0001"}}"#,
                Some("card"),
            ),
            (r#"{"payment_method":null}"#, None),
            (r#"{"payment_method":7}"#, None),
            (r#"{}"#, None),
        ];
        for (data, expected) in cases {
            let e = event(&format!(r#"{{"id":"e","type":"order.paid","data":{data}}}"#));
            assert_eq!(e.payment_method().as_deref(), expected, "{data}");
        }
        let e = event(
            r#"{"id":"e","type":"invoice.payment_failed","data":{"billingReason":"SUBSCRIPTION_CYCLE",
            "last_payment_error":{"code":"card_declined","message":"Declined"}}}"#,
        );
        assert_eq!(e.billing_reason().as_deref(), Some("subscription_cycle"));
        assert_eq!(
            (e.failure_code().as_deref(), e.failure_message().as_deref()),
            (Some("card_declined"), Some("Declined"))
        );
        assert_eq!(
            event(r#"{"id":"e","type":"einvoice.issued","data":{}}"#).class(),
            EventClass::EInvoice
        );
    }

    #[test]
    fn checkout_id_is_never_taken_from_an_unrelated_id() {
        let e = event(r#"{"id":"e","type":"refund.created","data":{"id":"re_1","order_id":"ord_1"}}"#);
        assert_eq!(e.checkout_id(), None);
        assert_eq!(e.order_id(), Some(OrderId::new("ord_1")));
        assert_eq!(e.class(), EventClass::Refund);
    }
}
