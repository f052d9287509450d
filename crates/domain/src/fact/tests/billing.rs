//! Subscription, renewal and e-invoice facts: keyed by subscription, order and invoice ids,
//! never by a checkout.

use super::{fact, of};
use crate::fact::*;
use crate::ids::{OrderId, ProductId, SubscriptionId};
use crate::money::{Currency, Money};
use crate::time::Timestamp;

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

#[test]
fn an_invoice_is_a_renewal_unless_it_is_the_first_order() {
    // (billing_reason, renewal?, needs review?)
    let cases = [
        (Some("subscription_create"), false, false),
        (Some("SUBSCRIPTION_CREATE"), false, false),
        (Some("subscription_cycle"), true, false),
        (Some("Subscription_Cycle"), true, false),
        (Some("renewal"), true, false),
        (Some("subscription_update"), true, false),
        // Unknown or missing: still a renewal candidate, recorded and flagged, never dropped.
        (Some("manual"), true, true),
        (Some(""), true, true),
        (None, true, true),
    ];
    for (reason, renewal, review) in cases {
        let invoice = InvoicePayment {
            billing_reason: reason.map(str::to_owned),
            order_id: Some(OrderId::new("ord_2")),
            ..InvoicePayment::default()
        };
        assert_eq!(
            (invoice.is_renewal(), invoice.needs_review()),
            (renewal, review),
            "{reason:?}"
        );
        assert_eq!(
            invoice.is_renewal_of(Some(&OrderId::new("ord_1"))),
            renewal,
            "{reason:?}"
        );
        assert!(
            !invoice.is_renewal_of(Some(&OrderId::new("ord_2"))),
            "{reason:?}: the sale's own order is never a renewal"
        );
        assert_eq!(invoice.is_renewal_of(None), renewal, "{reason:?}");
    }
    let body = r#"{"id":"in_9","subscription_id":"sub_1","order_id":"ord_9","status":"paid","amount":299,
        "currency":"TWD","billing_reason":"gift_cycle"}"#;
    let Fact::Subscription(u) = of("invoice.paid", body) else {
        panic!("an invoice")
    };
    let invoice = u.invoice.expect("invoice.paid carries its payment");
    assert!(invoice.is_renewal() && invoice.needs_review());
    assert_eq!(invoice.billing_reason.as_deref(), Some("gift_cycle"));
}

#[test]
fn subscription_lifecycle_events_keyed_by_subscription_id_alone() {
    use SubscriptionChange as C;
    // (type, status sent, change, status read)
    let cases = [
        ("subscription.created", Some("pending"), C::Created, Some("PENDING")),
        ("subscription.created", None, C::Created, Some("PENDING")),
        ("subscription.activated", Some("active"), C::Activated, Some("ACTIVE")),
        ("subscription.renewed", None, C::Renewed, Some("ACTIVE")),
        ("subscription.past_due", Some("past_due"), C::PastDue, Some("PAST_DUE")),
        (
            "subscription.payment_method_required",
            Some("past_due"),
            C::PaymentMethodRequired,
            Some("PAST_DUE"),
        ),
        (
            "subscription.payment_method_required",
            None,
            C::PaymentMethodRequired,
            None,
        ),
        ("subscription.revoked", None, C::Revoked, Some("REVOKED")),
        ("subscription.expired", Some("expired"), C::Expired, Some("EXPIRED")),
        (
            "subscription.cancelled",
            Some("canceled"),
            C::Cancelled,
            Some("CANCELLED"),
        ),
        ("subscription.canceled", None, C::Cancelled, Some("CANCELLED")),
        ("subscription.trial_ending", None, C::TrialEnding, None),
        ("subscription.upgraded", Some("active"), C::Upgraded, Some("ACTIVE")),
        ("subscription.downgraded", Some("active"), C::Downgraded, Some("ACTIVE")),
        // An invoice's status is the invoice's, not the subscription's.
        ("invoice.created", Some("open"), C::InvoiceCreated, None),
        ("invoice.paid", Some("paid"), C::InvoicePaid, None),
    ];
    for (kind, status, change, read) in cases {
        let status = status.map_or(String::new(), |s| format!(r#","status":"{s}""#));
        let id = if kind.starts_with("invoice.") {
            "subscription_id"
        } else {
            "id"
        };
        let Fact::Subscription(u) = of(kind, &format!(r#"{{"{id}":"sub_1"{status}}}"#)) else {
            panic!("{kind}")
        };
        assert_eq!((u.change, u.status.as_deref()), (change, read), "{kind} {status}");
        assert_eq!(u.subscription_id, Some(SubscriptionId::new("sub_1")), "{kind}");
        assert!(u.key.is_empty(), "{kind}: no checkout key");
        assert_eq!(u.at, Timestamp::parse_rfc3339("2026-12-29T00:00:01Z"));
    }
    for change in SubscriptionChange::ALL {
        assert_eq!(SubscriptionChange::parse(change.as_str()), Some(change));
    }
}

#[test]
fn a_failed_renewal_is_its_own_fact() {
    let data = r#"{"id":"in_3","subscription_id":"sub_1","status":"failed","amount":299,"currency":"TWD",
        "billing_reason":"subscription_cycle","failure_code":"card_declined","failure_message":"Declined",
        "failed_at":"2026-12-29T00:00:00.000Z"}"#;
    let expected = RenewalFailure {
        subscription_id: Some(SubscriptionId::new("sub_1")),
        invoice_id: Some("in_3".into()),
        order_id: None,
        amount: Some(Money::new(299)),
        currency: Some(Currency::twd()),
        billing_reason: Some("subscription_cycle".into()),
        code: Some("card_declined".into()),
        message: Some("Declined".into()),
        key: MatchKey::default(),
        at: Timestamp::parse_rfc3339("2026-12-29T00:00:00Z"),
    };
    assert_eq!(of("invoice.payment_failed", data), Fact::RenewalFailed(expected));
    let Fact::RenewalFailed(bare) = of("INVOICE.PAYMENT_FAILED", r#"{"subscriptionId":"sub_1"}"#) else {
        panic!("any spelling")
    };
    assert_eq!(
        bare.at,
        Timestamp::parse_rfc3339("2026-12-29T00:00:01Z"),
        "the envelope's time"
    );
}

#[test]
fn einvoices_are_keyed_by_order_and_invoice_id() {
    use EInvoiceKind as K;
    // (type, data, kind, order id, invoice id, number, amount)
    let cases = [
        (
            "einvoice.issued",
            r#"{"order_id":"ord_1","invoice_id":null,"invoice_number":"AB-12345678","status":"issued","amount":299}"#,
            K::Issued,
            Some("ord_1"),
            None,
            Some("AB-12345678"),
            Some(299),
        ),
        (
            "einvoice.issued",
            r#"{"orderId":"ord_2","invoiceId":"in_2","invoiceNumber":"CD-00000001","amount":"120"}"#,
            K::Issued,
            Some("ord_2"),
            Some("in_2"),
            Some("CD-00000001"),
            Some(120),
        ),
        (
            "einvoice.issue_failed",
            r#"{"order_id":"ord_1","status":"failed","failure_code":"einvoice_unavailable"}"#,
            K::IssueFailed,
            Some("ord_1"),
            None,
            None,
            None,
        ),
        (
            "einvoice.voided",
            r#"{"order_id":"ord_1","invoice_number":"AB-12345678","status":"voided"}"#,
            K::Voided,
            Some("ord_1"),
            None,
            Some("AB-12345678"),
            None,
        ),
        (
            "einvoice.allowance_created",
            r#"{"order_id":"ord_1","invoice_number":"AB-12345678","allowance_number":"AL-1","allowance_amount":100}"#,
            K::AllowanceCreated,
            Some("ord_1"),
            None,
            Some("AB-12345678"),
            Some(100),
        ),
        ("einvoice.issued", r#"{}"#, K::Issued, None, None, None, None),
    ];
    for (kind, data, expected, order, invoice, number, amount) in cases {
        let Fact::EInvoice(e) = of(kind, data) else {
            panic!("{kind} {data}")
        };
        let got = (
            e.kind,
            e.order_id.as_ref().map(OrderId::as_str),
            e.invoice_id.as_deref(),
            e.invoice_number.as_deref(),
            e.amount.map(Money::get),
        );
        assert_eq!(got, (expected, order, invoice, number, amount), "{kind} {data}");
        assert_eq!(
            e.data,
            serde_json::from_str::<serde_json::Value>(data).unwrap(),
            "kept as sent"
        );
    }
    let Fact::EInvoice(failed) = of("einvoice.issue_failed", r#"{"order_id":"o","failure_code":"x"}"#) else {
        panic!()
    };
    assert_eq!(failed.failure_code.as_deref(), Some("x"));
    assert_eq!(
        of("einvoice.reissued", r#"{"order_id":"o"}"#),
        Fact::Ignored,
        "undocumented"
    );
}
