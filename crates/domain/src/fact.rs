//! Facts: what a webhook event or a session read tells the ledger, in one shape.
//!
//! Both sources of truth about a payment (Recur's webhooks and our own reads of a checkout
//! session) are turned into a [`Fact`], so one state machine in the ledger handles both. A fact
//! carries a [`MatchKey`] — the checkout id and our own transaction id, and deliberately nothing
//! else: a customer's email, customer id or product never identifies a sale (recur-api.md §7).
//!
//! Not here: matching a fact to a sale, or any decision about money. That is the ledger's job;
//! this module only reads events tolerantly. No I/O, no clock.

use crate::event::{Event, EventClass};
use crate::ids::{CheckoutId, OrderId, ProductId, SubscriptionId, TxnId};
use crate::money::{Currency, Money};
use crate::time::Timestamp;

/// The only two things that may tie a fact to a sale.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatchKey {
    pub checkout_id: Option<CheckoutId>,
    pub txn_id: Option<TxnId>,
}

/// One thing learnt from Recur.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    /// `checkout.created`: the customer opened the payment page. `at` is the event's own time
    /// when it has one (the ledger falls back to its clock rather than inventing a time here).
    PageOpened { key: MatchKey, at: Option<Timestamp> },
    /// `order.paid`, `checkout.completed`, or a session read that says COMPLETE.
    Paid(Payment),
    /// `order.payment_failed`.
    PaymentFailed {
        key: MatchKey,
        code: Option<String>,
        message: Option<String>,
    },
    /// A session read that says EXPIRED, or our own expiry sweep.
    Expired { key: MatchKey },
    /// `refund.*`.
    Refund(Refund),
    /// `subscription.*` and `invoice.*`.
    Subscription(SubscriptionUpdate),
    /// `product.*`: the catalog should be refreshed.
    CatalogChanged,
    /// Anything else. Still journaled and acknowledged.
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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refund {
    pub refund_id: String,
    pub order_id: Option<OrderId>,
    pub key: MatchKey,
    /// Upper case (`SUCCEEDED`, `PENDING`, …); empty when the event named none.
    pub status: String,
    pub amount: Option<Money>,
    pub refunded_amount: Option<Money>,
    pub original_amount: Option<Money>,
    pub currency: Option<Currency>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionUpdate {
    /// The event type, lower case (`subscription.activated`, `invoice.paid`, …).
    pub event_type: String,
    pub subscription_id: Option<SubscriptionId>,
    /// The subscription's status, upper case; for `subscription.*` events without a `status`
    /// field it is implied by the type (`subscription.cancelled` → `CANCELLED`).
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

/// The money side of an `invoice.paid` event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvoicePayment {
    pub invoice_id: Option<String>,
    pub order_id: Option<OrderId>,
    pub amount: Option<Money>,
    pub currency: Option<Currency>,
    pub paid_at: Option<Timestamp>,
    /// Lower case (`subscription_cycle`, `renewal`, `subscription_create`, …).
    pub billing_reason: Option<String>,
}

impl MatchKey {
    pub fn new(checkout_id: Option<CheckoutId>, txn_id: Option<TxnId>) -> Self {
        Self { checkout_id, txn_id }
    }

    pub fn checkout(id: CheckoutId) -> Self {
        Self {
            checkout_id: Some(id),
            txn_id: None,
        }
    }

    pub fn txn(id: TxnId) -> Self {
        Self {
            checkout_id: None,
            txn_id: Some(id),
        }
    }

    /// The key an event carries: its checkout session and `metadata.transaction_id`.
    pub fn of_event(event: &Event) -> Self {
        Self {
            checkout_id: event.checkout_id(),
            txn_id: event.transaction_id(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.checkout_id.is_none() && self.txn_id.is_none()
    }
}

impl InvoicePayment {
    /// A renewal is a billing cycle after the first; the first payment of a subscription is
    /// already the sale's own payment and must not be counted twice.
    pub fn is_renewal(&self) -> bool {
        self.billing_reason
            .as_deref()
            .is_some_and(|r| r.contains("cycle") || r.contains("renew"))
    }
}

/// Reads an event into a fact. Never fails: what cannot be understood becomes
/// [`Fact::Ignored`] (the raw event stays in the journal).
pub fn fact_from_event(event: &Event) -> Fact {
    let key = MatchKey::of_event(event);
    match event.class() {
        EventClass::CheckoutOpened => Fact::PageOpened {
            key,
            at: event.time_field(&["created_at", "opened_at"]).or(event.timestamp),
        },
        EventClass::Paid => Fact::Paid(payment(event, key)),
        EventClass::PaymentFailed => Fact::PaymentFailed {
            key,
            code: failure_text(event, &["failure_code", "error_code", "decline_code", "code"], "code"),
            message: failure_text(
                event,
                &["failure_message", "error_message", "failure_reason", "message"],
                "message",
            ),
        },
        EventClass::Refund => refund(event, key).map_or(Fact::Ignored, Fact::Refund),
        EventClass::Subscription | EventClass::Invoice => Fact::Subscription(subscription(event, key)),
        EventClass::Product => Fact::CatalogChanged,
        EventClass::Other if event.kind.eq_ignore_ascii_case("checkout.expired") => Fact::Expired { key },
        EventClass::Other => Fact::Ignored,
    }
}

fn payment(event: &Event, key: MatchKey) -> Payment {
    Payment {
        key,
        order_id: event.order_id(),
        amount: event.amount(),
        currency: event.currency(),
        customer_email: event.customer_email(),
        customer_name: event.customer_name(),
        paid_at: event.time_field(&["paid_at", "completed_at"]).or(event.timestamp),
        subscription_id: event.subscription_id(),
        setup_intent_id: event.str_field(&["setup_intent_id"]).map(str::to_owned),
    }
}

/// A failure reason, either flat in `data` or inside a nested `error`/`failure` object.
fn failure_text(event: &Event, flat: &[&str], nested: &str) -> Option<String> {
    let direct = event.str_field(flat).map(str::to_owned);
    direct.or_else(|| {
        ["error", "failure", "last_payment_error"]
            .iter()
            .find_map(|object| event.data.get(*object)?.get(nested)?.as_str().map(str::to_owned))
    })
}

fn refund(event: &Event, key: MatchKey) -> Option<Refund> {
    // Without its own id a refund cannot be deduplicated, and counting it could count it twice.
    let refund_id = event.str_field(&["id", "refund_id"])?.to_owned();
    let status = event.status().unwrap_or_else(|| implied_refund_status(&event.kind));
    Some(Refund {
        refund_id,
        order_id: event.order_id(),
        key,
        status,
        amount: event.money_field(&["amount"]),
        refunded_amount: event.money_field(&["refunded_amount"]),
        original_amount: event.money_field(&["original_amount"]),
        currency: event.currency(),
    })
}

fn implied_refund_status(kind: &str) -> String {
    match kind.to_ascii_lowercase().as_str() {
        "refund.succeeded" => "SUCCEEDED".to_owned(),
        "refund.failed" => "FAILED".to_owned(),
        _ => String::new(),
    }
}

fn subscription(event: &Event, key: MatchKey) -> SubscriptionUpdate {
    let event_type = event.kind.to_ascii_lowercase();
    let is_invoice = event.class() == EventClass::Invoice;
    // An invoice's `status` is the invoice's, not the subscription's.
    let status = if is_invoice {
        event
            .str_field(&["subscription_status"])
            .map(|s| s.trim().to_ascii_uppercase())
    } else {
        event.status().or_else(|| implied_subscription_status(&event_type))
    };
    let product_id = event
        .str_field(&["product_id", "plan_id"])
        .or_else(|| event.data.get("product")?.get("id")?.as_str())
        .map(ProductId::new);
    SubscriptionUpdate {
        subscription_id: event.subscription_id(),
        status,
        current_period_end: event.time_field(&["current_period_end", "period_end", "current_period_ends_at"]),
        product_id,
        key,
        invoice: (event_type == "invoice.paid").then(|| invoice(event)),
        at: event.timestamp,
        event_type,
    }
}

fn implied_subscription_status(event_type: &str) -> Option<String> {
    let status = match event_type.strip_prefix("subscription.")? {
        "activated" | "renewed" => "ACTIVE",
        "cancelled" | "canceled" => "CANCELLED",
        "revoked" => "REVOKED",
        "expired" => "EXPIRED",
        "past_due" => "PAST_DUE",
        _ => return None,
    };
    Some(status.to_owned())
}

fn invoice(event: &Event) -> InvoicePayment {
    InvoicePayment {
        invoice_id: event.str_field(&["id", "invoice_id"]).map(str::to_owned),
        order_id: event.str_field(&["order_id"]).map(OrderId::new),
        amount: event.money_field(&["amount_paid", "amount", "total"]),
        currency: event.currency(),
        paid_at: event.time_field(&["paid_at"]).or(event.timestamp),
        billing_reason: event
            .str_field(&["billing_reason"])
            .map(|r| r.trim().to_ascii_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(body: &str) -> Fact {
        fact_from_event(&Event::parse(body.as_bytes(), None, None).expect("valid event"))
    }

    fn key(checkout: Option<&str>, txn: Option<&str>) -> MatchKey {
        MatchKey::new(checkout.map(CheckoutId::new), txn.map(TxnId::new))
    }

    #[test]
    fn paid_events_in_both_casings() {
        let completed = r#"{"id":"e1","type":"checkout.completed","timestamp":"2026-11-29T09:40:08.000Z",
            "data":{"id":"cs_1","status":"COMPLETED","amount":299,"currency":"twd","customer_email":"a@x.tw",
            "customer":{"name":"王小明","email":"a@x.tw"},"metadata":{"transaction_id":"T1"},
            "completed_at":"2026-11-29T09:40:07.000Z"}}"#;
        let paid = r#"{"id":"e2","type":"order.paid","data":{"id":"ord_1","checkoutId":"cs_1","status":"paid",
            "amount":"299","currency":"TWD","paidAt":"2026-11-29T09:40:07.000Z","subscriptionId":"sub_1",
            "customer":{"email":"a@x.tw"},"metadata":{"transactionId":"T1"}}}"#;
        let expected_at = Timestamp::parse_rfc3339("2026-11-29T09:40:07Z");
        let Fact::Paid(a) = fact(completed) else {
            panic!("checkout.completed is a payment")
        };
        assert_eq!(a.key, key(Some("cs_1"), Some("T1")));
        assert_eq!(
            (a.amount, a.currency.clone()),
            (Some(Money::new(299)), Some(Currency::twd()))
        );
        assert_eq!(a.customer_name.as_deref(), Some("王小明"));
        assert_eq!(a.paid_at, expected_at);
        assert_eq!(a.order_id, None);
        let Fact::Paid(b) = fact(paid) else {
            panic!("order.paid is a payment")
        };
        assert_eq!(b.key, key(Some("cs_1"), Some("T1")));
        assert_eq!(b.order_id, Some(OrderId::new("ord_1")));
        assert_eq!(b.subscription_id, Some(SubscriptionId::new("sub_1")));
        assert_eq!((b.amount, b.paid_at), (Some(Money::new(299)), expected_at));
        assert_eq!(b.customer_email.as_deref(), Some("a@x.tw"));
    }

    #[test]
    fn email_and_product_alone_are_no_key() {
        let f = fact(
            r#"{"id":"e","type":"order.paid","data":{"id":"o","amount":100,"customer_email":"a@x.tw","product_id":"p"}}"#,
        );
        let Fact::Paid(p) = f else { panic!("still a payment") };
        assert!(p.key.is_empty());
    }

    #[test]
    fn page_opened_failed_expired_catalog_and_others() {
        let cases = [
            (
                r#"{"id":"e","type":"checkout.created","data":{"id":"cs_1","created_at":"2026-11-29T09:00:00Z"}}"#,
                Fact::PageOpened {
                    key: key(Some("cs_1"), None),
                    at: Timestamp::parse_rfc3339("2026-11-29T09:00:00Z"),
                },
            ),
            (
                r#"{"id":"e","type":"order.payment_failed","data":{"id":"o","checkout_id":"cs_1","failure_code":"card_declined","failure_message":"Declined"}}"#,
                Fact::PaymentFailed {
                    key: key(Some("cs_1"), None),
                    code: Some("card_declined".into()),
                    message: Some("Declined".into()),
                },
            ),
            (
                r#"{"id":"e","type":"ORDER.PAYMENT_FAILED","data":{"checkoutId":"cs_2","error":{"code":"insufficient_funds","message":"no"}}}"#,
                Fact::PaymentFailed {
                    key: key(Some("cs_2"), None),
                    code: Some("insufficient_funds".into()),
                    message: Some("no".into()),
                },
            ),
            (
                r#"{"id":"e","type":"checkout.expired","data":{"id":"cs_3"}}"#,
                Fact::Expired {
                    key: key(Some("cs_3"), None),
                },
            ),
            (
                r#"{"id":"e","type":"product.updated","data":{"id":"p"}}"#,
                Fact::CatalogChanged,
            ),
            (
                r#"{"id":"e","type":"customer.created","data":{"id":"c","email":"a@x.tw"}}"#,
                Fact::Ignored,
            ),
            (r#"{"id":"e","type":"einvoice.issued","data":{}}"#, Fact::Ignored),
        ];
        for (body, expected) in cases {
            assert_eq!(fact(body), expected, "{body}");
        }
    }

    #[test]
    fn refunds_upper_case_their_status_or_imply_it() {
        let cases = [
            (
                r#"{"id":"e","type":"refund.succeeded","data":{"id":"re_1","order_id":"o1","status":"succeeded","amount":300,"refunded_amount":300,"original_amount":1000,"currency":"twd"}}"#,
                "SUCCEEDED",
            ),
            (
                r#"{"id":"e","type":"refund.created","data":{"id":"re_1","orderId":"o1","status":"PENDING","amount":300}}"#,
                "PENDING",
            ),
            (
                r#"{"id":"e","type":"refund.succeeded","data":{"id":"re_1","order_id":"o1","amount":300}}"#,
                "SUCCEEDED",
            ),
            (
                r#"{"id":"e","type":"refund.created","data":{"id":"re_1","order_id":"o1","refunded_amount":300}}"#,
                "",
            ),
        ];
        for (body, status) in cases {
            let Fact::Refund(r) = fact(body) else {
                panic!("{body} is a refund")
            };
            assert_eq!((r.refund_id.as_str(), r.status.as_str()), ("re_1", status), "{body}");
            assert_eq!(r.order_id, Some(OrderId::new("o1")), "{body}");
        }
        let Fact::Refund(full) = fact(cases[0].0) else {
            unreachable!()
        };
        assert_eq!(
            (full.amount, full.refunded_amount, full.original_amount),
            (Some(Money::new(300)), Some(Money::new(300)), Some(Money::new(1000)))
        );
        assert_eq!(full.currency, Some(Currency::twd()));
        assert_eq!(
            fact(r#"{"id":"e","type":"refund.created","data":{"order_id":"o1","amount":5}}"#),
            Fact::Ignored
        );
    }

    #[test]
    fn subscription_activated_in_its_shapes() {
        let shapes = [
            r#"{"id":"e","type":"subscription.activated","data":{"id":"sub_1","plan_id":"prod_1","billing_period":"MONTHLY","status":"active","current_period_end":"2026-12-29T00:00:00Z"}}"#,
            r#"{"id":"e","type":"subscription.activated","data":{"id":"sub_1","product_id":"prod_1","interval":"month","interval_count":1,"currentPeriodEnd":"2026-12-29T00:00:00Z"}}"#,
            r#"{"id":"e","type":"subscription.activated","data":{"subscriptionId":"sub_1","productId":"prod_1","status":"ACTIVE","currentPeriodEnd":"2026-12-29T00:00:00Z"}}"#,
            r#"{"id":"e","type":"subscription.activated","data":{"id":"sub_1","product":{"id":"prod_1"},"customer":{"id":"c","email":"a@x.tw"},"current_period_end":"2026-12-29T00:00:00Z"}}"#,
            r#"{"id":"e","type":"Subscription.Activated","data":{"subscription_id":"sub_1","product_id":"prod_1","period_end":"2026-12-29T00:00:00Z"}}"#,
        ];
        for shape in shapes {
            let Fact::Subscription(s) = fact(shape) else {
                panic!("{shape}")
            };
            assert_eq!(s.event_type, "subscription.activated", "{shape}");
            assert_eq!(s.subscription_id, Some(SubscriptionId::new("sub_1")), "{shape}");
            assert_eq!(s.status.as_deref(), Some("ACTIVE"), "{shape}");
            assert_eq!(s.product_id, Some(ProductId::new("prod_1")), "{shape}");
            assert_eq!(
                s.current_period_end,
                Timestamp::parse_rfc3339("2026-12-29T00:00:00Z"),
                "{shape}"
            );
            assert_eq!(s.invoice, None);
        }
        let Fact::Subscription(c) = fact(r#"{"id":"e","type":"subscription.cancelled","data":{"id":"sub_1"}}"#) else {
            panic!()
        };
        assert_eq!(c.status.as_deref(), Some("CANCELLED"));
    }

    #[test]
    fn invoice_paid_carries_the_renewal() {
        let body = r#"{"id":"e","type":"invoice.paid","timestamp":"2026-12-29T00:00:01Z","data":{"id":"in_1","subscription_id":"sub_1",
            "order_id":"ord_7","status":"PAID","amount":299,"currency":"TWD","billing_reason":"SUBSCRIPTION_CYCLE"}}"#;
        let Fact::Subscription(s) = fact(body) else {
            panic!("invoice events are subscription facts")
        };
        assert_eq!(s.subscription_id, Some(SubscriptionId::new("sub_1")));
        assert_eq!(s.status, None, "an invoice's status is not the subscription's");
        let invoice = s.invoice.expect("invoice.paid has a payment");
        assert_eq!(invoice.invoice_id.as_deref(), Some("in_1"));
        assert_eq!(invoice.order_id, Some(OrderId::new("ord_7")));
        assert_eq!(invoice.amount, Some(Money::new(299)));
        assert_eq!(invoice.paid_at, Timestamp::parse_rfc3339("2026-12-29T00:00:01Z"));
        assert!(invoice.is_renewal());
        let first = InvoicePayment {
            billing_reason: Some("subscription_create".into()),
            ..Default::default()
        };
        assert!(!first.is_renewal());
    }
}
