//! The brief's T1–T4 race, through the listener: one customer, two top-ups, the cheap one's
//! webhook arrives late. Only the checkout id / our transaction id may match it.

use serde_json::json;

use crate::support::{event, Env};

const EMAIL: &str = "wang@example.tw";

#[test]
fn a_late_webhook_credits_only_its_own_sale() {
    let env = Env::start();
    // T1: 儲值 100 點, checkout A. T2: 儲值 1000 點, checkout B, still open.
    let a = env.open_sale("prod_points_100", 100, "cs_race_a", Some(EMAIL));
    let b = env.open_sale("prod_points_1000", 1000, "cs_race_b", Some(EMAIL));
    // T3/T4: A was paid; its webhooks arrive only now, after B was opened.
    let mut client = env.client();
    let completed = event(
        "evt_race_1",
        "checkout.completed",
        json!({"id": "cs_race_a", "status": "COMPLETED", "amount": 100, "currency": "TWD", "product_id": "prod_points_100",
               "customer_email": EMAIL, "customer": {"email": EMAIL}, "metadata": {"transaction_id": a.id.as_str()}}),
    );
    let paid = event(
        "evt_race_2",
        "order.paid",
        json!({"id": "ord_race_a", "order_id": "ord_race_a", "checkout_id": "cs_race_a", "status": "PAID", "amount": 100,
               "currency": "TWD", "customer_email": EMAIL, "metadata": {"transaction_id": a.id.as_str()}}),
    );
    for body in [&completed, &paid] {
        let response = client.post_signed(body);
        assert_eq!(response.status, 200, "{}", response.text());
    }
    let sale_a = env.ledger.sale(&a.id).unwrap().unwrap().sale;
    let sale_b = env.ledger.sale(&b.id).unwrap().unwrap().sale;
    assert_eq!(
        (sale_a.state.as_str(), sale_a.paid_amount.map(|m| m.get())),
        ("PAID", Some(100))
    );
    assert_eq!(sale_a.order_id.as_ref().map(|o| o.as_str()), Some("ord_race_a"));
    assert_eq!(
        (sale_b.state.as_str(), sale_b.paid_amount),
        ("OPEN", None),
        "B must not be credited"
    );
    assert!(sale_a.attention.is_empty());

    // The variant: a payment that names only the email and the product matches nothing.
    let before = env.sales();
    let vague = event(
        "evt_race_3",
        "order.paid",
        json!({"id": "ord_vague", "status": "PAID", "amount": 100, "currency": "TWD", "product_id": "prod_points_1000",
               "customer_email": EMAIL, "customer": {"email": EMAIL}}),
    );
    let response = client.post_signed(&vague);
    assert_eq!(
        (response.status, response.json()["outcome"].as_str()),
        (200, Some("unmatched")),
        "kept and acknowledged"
    );
    assert_eq!(env.sales(), before, "nothing credited");
    let unmatched = env.ledger.unmatched(10).unwrap();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0].event_id.as_ref().map(|e| e.as_str()), Some("evt_race_3"));
}
