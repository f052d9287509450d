//! Regressions from a review of the money rules: each test is a way money could have been
//! hidden or invented.

use recur_domain::fact::{Fact, MatchKey};
use recur_domain::{Money, SaleState};
use recur_ledger::Cause;
use serde_json::json;

use super::support::*;

fn refund_body(event: &str, kind: &str, data: serde_json::Value) -> Vec<u8> {
    body(event, kind, 200, data)
}

#[test]
fn a_refund_without_a_status_is_pending_and_its_failure_changes_nothing() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "儲值 1000 點", 1000, "cs_1");
    deliver(&ledger, order_paid("evt_o", "ord_1", "cs_1", None, 1000));
    let created =
        json!({"id": "re_1", "order_id": "ord_1", "amount": 1000, "refunded_amount": 1000, "currency": "TWD"});
    deliver(&ledger, refund_body("evt_r1", "refund.created", created));
    let got = sale_of(&ledger, &sale.id);
    assert_eq!(
        (got.state, got.refunded_amount),
        (SaleState::Paid, Money::ZERO),
        "nothing refunded yet"
    );

    let failed = json!({"id": "re_1", "order_id": "ord_1", "status": "failed", "currency": "TWD"});
    deliver(&ledger, refund_body("evt_r2", "refund.failed", failed));
    let got = sale_of(&ledger, &sale.id);
    assert_eq!((got.state, got.refunded_amount), (SaleState::Paid, Money::ZERO));
}

#[test]
fn running_refund_totals_are_never_added_up() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "儲值 1000 點", 1000, "cs_1");
    deliver(&ledger, order_paid("evt_o", "ord_1", "cs_1", None, 1000));
    // Recur reports the order's running total; the refunds' own amounts are missing.
    for (event, id, running) in [
        ("evt_r1", "re_1", 300),
        ("evt_r2", "re_2", 600),
        ("evt_r3", "re_3", 900),
    ] {
        let data = json!({"id": id, "order_id": "ord_1", "status": "succeeded", "refunded_amount": running, "currency": "TWD"});
        deliver(&ledger, refund_body(event, "refund.succeeded", data));
    }
    let got = sale_of(&ledger, &sale.id);
    assert_eq!(
        got.refunded_amount,
        Money::new(900),
        "the running total, not 300+600+900"
    );
    assert_eq!(got.state, SaleState::PartiallyRefunded, "NT$100 is still kept");
    assert!(
        notes(&got).contains(&"refund_amount_unknown"),
        "a refund without its own amount is flagged: {:?}",
        got.attention
    );
}

#[test]
fn a_failure_naming_no_checkout_does_not_end_a_sale_reopened_with_a_new_qr() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "儲值 1000 點", 1000, "cs_a");
    let declined = |event: &str| {
        body(
            event,
            "order.payment_failed",
            80,
            json!({"id": "ord_x", "status": "FAILED", "failure_code": "card_declined", "metadata": {"transaction_id": sale.id.as_str()}}),
        )
    };
    deliver(&ledger, declined("evt_f1"));
    assert_eq!(
        state_of(&ledger, &sale.id),
        SaleState::Failed,
        "one checkout: the failure is about it"
    );

    ledger
        .attach_checkout(&sale.id, checkout("cs_b"), at(2_000))
        .expect("new QR");
    deliver(&ledger, declined("evt_f2"));
    assert_eq!(state_of(&ledger, &sale.id), SaleState::Open, "cs_b can still be paid");
    deliver(&ledger, completed("evt_c", "cs_b", None, 1000));
    assert_eq!(state_of(&ledger, &sale.id), SaleState::Paid);
}

#[test]
fn the_sweep_still_reads_checkouts_that_can_be_paid() {
    let ledger = ledger();
    let declined = open_sale(&ledger, "拿鐵", 120, "cs_declined");
    deliver(
        &ledger,
        body(
            "evt_f",
            "order.payment_failed",
            80,
            json!({"checkout_id": "cs_declined", "status": "FAILED"}),
        ),
    );
    let reopened = open_sale(&ledger, "禮盒", 1290, "cs_old");
    let expired = Fact::Expired {
        key: MatchKey::checkout("cs_old".into()),
    };
    ledger
        .apply_fact(&expired, &Cause::session_read(&"cs_old".into()), at(2_000))
        .expect("expired");
    ledger
        .attach_checkout(&reopened.id, checkout("cs_new"), at(3_000))
        .expect("new QR");
    let paid = open_sale(&ledger, "美式", 90, "cs_paid");
    deliver(&ledger, completed("evt_p", "cs_paid", None, 90));

    let targets = ledger.sweep_targets(at(0)).expect("targets");
    let ids: Vec<&str> = targets.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        ids,
        ["cs_declined", "cs_old", "cs_new"],
        "declined and earlier checkouts too; never a paid sale's"
    );
    assert!(targets.iter().all(|(s, _)| *s != paid.id));
    assert_eq!(targets[0].0, declined.id);

    let later = ledger.sweep_targets(at(31 * 60 * 1000)).expect("targets");
    let ids: Vec<&str> = later.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        ids,
        ["cs_old", "cs_new"],
        "past expiry only the OPEN sale's checkouts are still read"
    );
}

#[test]
fn a_payment_that_names_no_amount_is_paid_and_flagged() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "禮盒", 1290, "cs_1");
    deliver(
        &ledger,
        body(
            "evt_c",
            "checkout.completed",
            100,
            json!({"id": "cs_1", "status": "COMPLETED"}),
        ),
    );
    let got = sale_of(&ledger, &sale.id);
    assert_eq!(got.state, SaleState::Paid, "money received is never hidden");
    assert!(notes(&got).contains(&"amount_missing"), "but a person must look");
}

#[test]
fn refunds_beyond_what_was_paid_are_flagged() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "拿鐵", 120, "cs_1");
    deliver(&ledger, order_paid("evt_o", "ord_1", "cs_1", None, 120));
    deliver(
        &ledger,
        refund("evt_r1", "refund.succeeded", "re_1", "ord_1", "succeeded", 100),
    );
    deliver(
        &ledger,
        refund("evt_r2", "refund.succeeded", "re_2", "ord_1", "succeeded", 100),
    );
    let got = sale_of(&ledger, &sale.id);
    assert_eq!((got.state, got.refunded_amount), (SaleState::Refunded, Money::new(200)));
    assert!(notes(&got).contains(&"over_refunded"), "more went back than came in");
}

#[test]
fn a_refund_in_another_currency_and_an_unreadable_signed_delivery_are_put_before_a_person() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "拿鐵", 120, "cs_1");
    deliver(&ledger, order_paid("evt_o", "ord_1", "cs_1", None, 120));
    let usd = json!({"id": "re_1", "order_id": "ord_1", "status": "succeeded", "amount": 120, "currency": "usd"});
    deliver(&ledger, refund_body("evt_r", "refund.succeeded", usd));
    assert!(notes(&sale_of(&ledger, &sale.id)).contains(&"refund_currency_mismatch"));

    let mut garbled = receipt(b"{not json".to_vec());
    garbled.event_id_header = Some("evt_garbled".into());
    ledger.receive_webhook(&garbled, at(7_000)).expect("journaled");
    let listed: Vec<_> = ledger
        .unmatched(10)
        .expect("unmatched")
        .into_iter()
        .filter_map(|e| e.event_id)
        .collect();
    assert_eq!(
        listed,
        [recur_domain::EventId::new("evt_garbled")],
        "signed but unreadable: a person must look"
    );
}
