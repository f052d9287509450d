//! Table-driven tests of reading events into facts: the captured shapes, the newer lower-case
//! shapes the sandbox sends, and the rules of recur-api.md §6.

use super::*;
use crate::ids::{CheckoutId, TxnId};

mod billing;

fn fact(body: &str) -> Fact {
    fact_from_event(&Event::parse(body.as_bytes(), None, None).expect("valid event"))
}

/// A one-event body around `data`.
fn of(kind: &str, data: &str) -> Fact {
    fact(&format!(
        r#"{{"id":"e","type":"{kind}","timestamp":"2026-12-29T00:00:01.000Z","data":{data}}}"#
    ))
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
                subscription_id: None,
            },
        ),
        (
            r#"{"id":"e","type":"ORDER.PAYMENT_FAILED","data":{"checkoutId":"cs_2","error":{"code":"insufficient_funds","message":"no"}}}"#,
            Fact::PaymentFailed {
                key: key(Some("cs_2"), None),
                code: Some("insufficient_funds".into()),
                message: Some("no".into()),
                subscription_id: None,
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
        (
            r#"{"id":"e","type":"subscription.paused","data":{"id":"sub_1","status":"paused"}}"#,
            Fact::Ignored,
        ),
        (
            r#"{"id":"e","type":"subscription.schedule_created","data":{"subscription_id":"sub_1"}}"#,
            Fact::Ignored,
        ),
        (
            r#"{"id":"e","type":"invoice.voided","data":{"id":"in_1"}}"#,
            Fact::Ignored,
        ),
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
        Fact::Unplaceable {
            event_type: "refund.created".into(),
            missing: "refund id"
        },
        "a refund without an id is listed for a person, never dropped"
    );
}

#[test]
fn checkout_completed_proves_a_payment_only_with_a_completed_status_or_an_order_id() {
    // (data, paid?)
    let cases = [
        (r#"{"id":"cs_1","status":"complete"}"#, true),
        (r#"{"id":"cs_1","status":"COMPLETED"}"#, true),
        (r#"{"id":"cs_1","status":"Paid"}"#, true),
        (r#"{"id":"cs_1","status":"open","order_id":"ord_1"}"#, true),
        (r#"{"id":"cs_1","orderId":"ord_1"}"#, true),
        // Recur's first-subscription diagram: completed after a failed payment.
        (r#"{"id":"cs_1","status":"open","subscription_id":"sub_1"}"#, false),
        (r#"{"id":"cs_1","status":"failed"}"#, false),
        (r#"{"id":"cs_1"}"#, false),
    ];
    for (data, paid) in cases {
        match of("checkout.completed", data) {
            Fact::Paid(p) => assert!(paid, "{data} is not proof: {p:?}"),
            Fact::CheckoutUnconfirmed { key: k, status } => {
                assert!(!paid, "{data} is proof");
                assert_eq!(k, key(Some("cs_1"), None), "{data}");
                let sent = serde_json::from_str::<serde_json::Value>(data).unwrap()["status"].clone();
                assert_eq!(status, sent.as_str().map(str::to_ascii_uppercase), "{data}");
            }
            other => panic!("{data}: {other:?}"),
        }
    }
    // order.paid is proof whatever its status says.
    assert!(matches!(of("order.paid", r#"{"id":"ord_1"}"#), Fact::Paid(_)));
}

#[test]
fn the_sandboxs_lower_case_order_paid_without_metadata() {
    let data = r#"{"id":"ord_1","order_id":"ord_1","checkout_id":"cs_1","status":"paid","amount":299,
        "currency":"TWD","paid_at":"2026-12-29T00:00:00.000Z","product_id":"prod_1","subscription_id":"sub_1",
        "billing_reason":"subscription_create","payment_method":"card","discount":null,
        "customer":{"id":"cus_1","name":null,"email":"a@x.tw","external_id":null}}"#;
    let Fact::Paid(p) = of("order.paid", data) else {
        panic!("a payment")
    };
    let expected = Payment {
        key: key(Some("cs_1"), None),
        order_id: Some(OrderId::new("ord_1")),
        amount: Some(Money::new(299)),
        currency: Some(Currency::twd()),
        customer_email: Some("a@x.tw".into()),
        customer_name: None,
        paid_at: Timestamp::parse_rfc3339("2026-12-29T00:00:00Z"),
        subscription_id: Some(SubscriptionId::new("sub_1")),
        setup_intent_id: None,
        payment_method: Some("card".into()),
        billing_reason: Some("subscription_create".into()),
    };
    assert_eq!(p, expected);
}

#[test]
fn refunds_carry_charge_and_subscription_ids() {
    let data = r#"{"id":"re_1","refund_number":"RF-1","charge_id":"ch_1","order_id":null,"subscription_id":"sub_1",
        "customer_id":"cus_1","amount":299,"currency":"TWD","status":"failed","reason":"requested_by_customer",
        "reason_detail":null,"original_amount":299,"refunded_amount":0,"failure_code":"refund_declined",
        "failure_message":"The bank declined the refund"}"#;
    let Fact::Refund(r) = of("refund.failed", data) else {
        panic!("a refund")
    };
    assert_eq!((r.order_id, r.charge_id.as_deref()), (None, Some("ch_1")));
    assert_eq!(r.subscription_id, Some(SubscriptionId::new("sub_1")));
    assert_eq!((r.status.as_str(), r.refunded_amount), ("FAILED", Some(Money::new(0))));
    assert_eq!(r.reason.as_deref(), Some("requested_by_customer"));
    assert_eq!(
        (r.failure_code.as_deref(), r.failure_message.as_deref()),
        (Some("refund_declined"), Some("The bank declined the refund"))
    );
}
