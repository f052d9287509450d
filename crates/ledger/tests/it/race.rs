//! The brief's T1–T4 race (recur-api.md §7): one customer, two top-ups, a late webhook.
//!
//! T1 sale A (儲值 100 點, NT$100) gets checkout A; T2 the customer pays A, but the webhook is
//! slow; T3 sale B (儲值 1000 點, NT$1,000) gets checkout B, still open; T4 A's webhook arrives.
//! Matched by email it would credit B with 1000 points for NT$100.

use recur_domain::{Money, SaleState};
use recur_ledger::{Applied, JournalOutcome, WebhookOutcome};
use serde_json::json;

use super::support::*;

fn two_top_ups(ledger: &recur_ledger::Ledger) -> (recur_ledger::Sale, recur_ledger::Sale) {
    let a = open_sale(ledger, "儲值 100 點", 100, "cs_A");
    let b = open_sale(ledger, "儲值 1000 點", 1000, "cs_B");
    assert_eq!(a.customer_email, b.customer_email, "the same customer");
    (a, b)
}

#[test]
fn the_late_webhook_credits_a_and_never_b() {
    let ledger = ledger();
    let (a, b) = two_top_ups(&ledger);
    let outcome = deliver(&ledger, completed("evt_A_completed", "cs_A", Some(&a.id), 100));
    let expected = Applied::Changed {
        sale: a.id.clone(),
        from: SaleState::Open,
        to: SaleState::Paid,
    };
    assert_eq!(outcome, WebhookOutcome::Applied(expected));
    deliver(&ledger, order_paid("evt_A_paid", "ord_A", "cs_A", Some(&a.id), 100));

    let got_a = sale_of(&ledger, &a.id);
    assert_eq!(
        (got_a.state, got_a.paid_amount, got_a.attention),
        (SaleState::Paid, Some(Money::new(100)), vec![])
    );
    let got_b = sale_of(&ledger, &b.id);
    assert_eq!(
        (got_b.state, got_b.paid_amount, got_b.order_id),
        (SaleState::Open, None, None)
    );
    assert_eq!(
        ledger.open_sales().unwrap().iter().map(|s| &s.id).collect::<Vec<_>>(),
        vec![&b.id]
    );
}

#[test]
fn an_event_with_only_email_and_product_credits_nothing() {
    let ledger = ledger();
    let (a, b) = two_top_ups(&ledger);
    let shapes = [
        body(
            "evt_email_1",
            "checkout.completed",
            100,
            json!({
                "status": "COMPLETED", "amount": 100, "currency": "TWD", "product_id": "prod_100",
                "customer_email": "same@example.com", "customer": {"email": "same@example.com"}
            }),
        ),
        body(
            "evt_email_2",
            "order.paid",
            100,
            json!({
                "id": "ord_A", "status": "PAID", "amount": 100, "currency": "TWD", "product_id": "prod_1000",
                "customer": {"email": "same@example.com", "id": "cus_1"}
            }),
        ),
    ];
    for shape in shapes {
        assert_eq!(deliver(&ledger, shape), WebhookOutcome::Applied(Applied::Unmatched));
    }
    for id in [&a.id, &b.id] {
        let sale = sale_of(&ledger, id);
        assert_eq!(
            (sale.state, sale.paid_amount, sale.order_id),
            (SaleState::Open, None, None),
            "sale {id}"
        );
    }
    let unmatched = ledger.unmatched(10).unwrap();
    assert_eq!(unmatched.len(), 2, "kept for a person, never dropped");
    assert!(unmatched
        .iter()
        .all(|e| e.outcome == JournalOutcome::Unmatched && e.sale_id.is_none()));
}
