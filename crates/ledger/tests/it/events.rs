//! Facts from Recur applied to sales: each event type, duplicates, out-of-order deliveries,
//! refunds, mismatches, unmatched payments, the journal and "apply again".

use recur_domain::fact::{Fact, MatchKey, Payment};
use recur_domain::{Attention, Currency, EventId, Failure, Money, SaleState};
use recur_ledger::{Applied, Cause, JournalOutcome, WebhookOutcome};
use serde_json::json;

use super::support::*;

fn failed(event: &str) -> Vec<u8> {
    body(
        event,
        "order.payment_failed",
        80,
        json!({
            "id": "ord_1", "checkout_id": "cs_1", "status": "FAILED", "failure_code": "card_declined", "failure_message": "Declined"
        }),
    )
}

struct Case {
    name: &'static str,
    events: Vec<Vec<u8>>,
    state: SaleState,
    refunded: i64,
    failure: Option<Failure>,
    attention: Vec<Attention>,
}

fn case(name: &'static str, events: Vec<Vec<u8>>, state: SaleState, refunded: i64) -> Case {
    Case {
        name,
        events,
        state,
        refunded,
        failure: None,
        attention: Vec::new(),
    }
}

fn check(c: Case) {
    let ledger = ledger();
    let sale = open_sale(&ledger, "儲值 1000 點", 1000, "cs_1");
    for event in c.events {
        ledger.receive_webhook(&receipt(event), at(6_000)).expect(c.name);
    }
    let got = sale_of(&ledger, &sale.id);
    assert_eq!(got.state, c.state, "{}: state", c.name);
    assert_eq!(got.refunded_amount, Money::new(c.refunded), "{}: refunded", c.name);
    assert_eq!(got.failure, c.failure, "{}: failure", c.name);
    assert_eq!(got.attention, c.attention, "{}: attention", c.name);
}

#[test]
fn event_application_table() {
    use SaleState::*;
    let paid = || completed("evt_c", "cs_1", None, 1000);
    let order = || order_paid("evt_o", "ord_1", "cs_1", None, 1000);
    let re = |e: &str, kind: &str, id: &str, status: &str, amount: i64| refund(e, kind, id, "ord_1", status, amount);
    let cases = vec![
        case("checkout.completed", vec![paid()], Paid, 0),
        case("order.paid", vec![order()], Paid, 0),
        case("completed then order.paid", vec![paid(), order()], Paid, 0),
        case("order.paid then completed", vec![order(), paid()], Paid, 0),
        Case {
            failure: Some(Failure::Declined {
                code: Some("card_declined".into()),
                message: Some("Declined".into()),
            }),
            ..case("payment failed", vec![failed("evt_f")], Failed, 0)
        },
        case(
            "payment_failed after paid changes nothing",
            vec![order(), failed("evt_f")],
            Paid,
            0,
        ),
        case("paid after failed wins", vec![failed("evt_f"), paid()], Paid, 0),
        case(
            "page opened",
            vec![body("evt_p", "checkout.created", 10, json!({"id": "cs_1"}))],
            Open,
            0,
        ),
        case(
            "partial refund",
            vec![order(), re("evt_r1", "refund.succeeded", "re_1", "SUCCEEDED", 300)],
            PartiallyRefunded,
            300,
        ),
        case(
            "partial then full",
            vec![
                order(),
                re("evt_r1", "refund.succeeded", "re_1", "succeeded", 300),
                re("evt_r2", "refund.succeeded", "re_2", "succeeded", 700),
            ],
            Refunded,
            1000,
        ),
        case(
            "one refund, two events",
            vec![
                order(),
                re("evt_r1", "refund.created", "re_1", "pending", 300),
                re("evt_r2", "refund.succeeded", "re_1", "SUCCEEDED", 300),
            ],
            PartiallyRefunded,
            300,
        ),
        case(
            "succeeded then a late pending",
            vec![
                order(),
                re("evt_r2", "refund.succeeded", "re_1", "SUCCEEDED", 300),
                re("evt_r1", "refund.created", "re_1", "PENDING", 300),
            ],
            PartiallyRefunded,
            300,
        ),
        case(
            "pending refund moves nothing",
            vec![order(), re("evt_r1", "refund.created", "re_1", "PENDING", 300)],
            Paid,
            0,
        ),
        case(
            "failed refund moves nothing",
            vec![order(), re("evt_r1", "refund.failed", "re_1", "FAILED", 300)],
            Paid,
            0,
        ),
        case(
            "refund before its payment",
            vec![re("evt_r1", "refund.succeeded", "re_1", "SUCCEEDED", 1000), order()],
            Refunded,
            1000,
        ),
        Case {
            attention: vec![Attention::AmountMismatch {
                expected: Money::new(1000),
                received: Money::new(100),
            }],
            ..case("amount mismatch", vec![completed("evt_c", "cs_1", None, 100)], Paid, 0)
        },
        Case {
            attention: vec![Attention::CurrencyMismatch {
                expected: Currency::twd(),
                received: Currency::new("USD"),
            }],
            ..case(
                "currency mismatch",
                vec![body(
                    "evt_u",
                    "checkout.completed",
                    1,
                    json!({"id": "cs_1", "status": "complete", "amount": 1000, "currency": "usd"}),
                )],
                Paid,
                0,
            )
        },
        case(
            "lower-case currency is the same",
            vec![body(
                "evt_l",
                "checkout.completed",
                1,
                json!({"id": "cs_1", "status": "complete", "amount": 1000, "currency": "twd"}),
            )],
            Paid,
            0,
        ),
        // Recur sends checkout.completed after a failed first subscription payment too: with
        // neither a completed status nor an order id it proves nothing (recur-api.md §6).
        case(
            "checkout.completed alone is not a payment",
            vec![body(
                "evt_x",
                "checkout.completed",
                1,
                json!({"id": "cs_1", "status": "open", "amount": 1000, "currency": "TWD"}),
            )],
            Open,
            0,
        ),
        case(
            "checkout.completed with an order id is",
            vec![body(
                "evt_y",
                "checkout.completed",
                1,
                json!({"id": "cs_1", "order_id": "ord_9", "amount": 1000, "currency": "TWD"}),
            )],
            Paid,
            0,
        ),
        case(
            "catalog, customers and unknown types are ignored",
            vec![
                body("evt_1", "product.updated", 1, json!({"id": "prod_1000", "price": 1})),
                body(
                    "evt_2",
                    "customer.created",
                    1,
                    json!({"id": "c", "email": "same@example.com"}),
                ),
                body("evt_3", "something.new", 1, json!({"id": "cs_1", "amount": 1000})),
            ],
            Open,
            0,
        ),
    ];
    for c in cases {
        check(c);
    }
}

#[test]
fn a_duplicate_delivery_is_acknowledged_and_changes_nothing() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "a", 1000, "cs_1");
    let event = order_paid("evt_dup", "ord_1", "cs_1", None, 1000);
    assert!(matches!(
        deliver(&ledger, event.clone()),
        WebhookOutcome::Applied(Applied::Changed { .. })
    ));
    assert_eq!(deliver(&ledger, event.clone()), WebhookOutcome::Duplicate);
    assert_eq!(deliver(&ledger, event), WebhookOutcome::Duplicate);
    let entry = ledger.journal_entry(&EventId::new("evt_dup")).unwrap().unwrap();
    assert_eq!((entry.attempts, entry.outcome), (3, JournalOutcome::Changed));
    assert_eq!(ledger.journal(10).unwrap().len(), 1);
    let paid_steps = ledger
        .sale(&sale.id)
        .unwrap()
        .unwrap()
        .history
        .iter()
        .filter(|t| t.to == SaleState::Paid)
        .count();
    assert_eq!(paid_steps, 1);
}

#[test]
fn the_second_report_of_a_payment_fills_but_never_changes_money() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "a", 1000, "cs_1");
    deliver(&ledger, completed("evt_c", "cs_1", None, 1000));
    assert_eq!(sale_of(&ledger, &sale.id).order_id, None);
    let outcome = deliver(&ledger, order_paid("evt_o", "ord_1", "cs_1", None, 999_999));
    let WebhookOutcome::Applied(Applied::NoOp { reason, .. }) = outcome else {
        panic!("a no-op: {outcome:?}")
    };
    assert!(reason.contains("order_id"), "{reason}");
    let after = sale_of(&ledger, &sale.id);
    assert_eq!(after.order_id.map(|o| o.into_string()).as_deref(), Some("ord_1"));
    assert_eq!(after.paid_amount, Some(Money::new(1000)), "money is never changed");
    assert_eq!(
        after.attention,
        [Attention::AmountMismatch {
            expected: Money::new(1000),
            received: Money::new(999_999)
        }],
        "a report that disagrees with the price is flagged"
    );
    // A third, identical report changes nothing at all, not even the update time.
    let event = order_paid("evt_o2", "ord_1", "cs_1", None, 999_999);
    ledger.receive_webhook(&receipt(event), at(50_000)).unwrap();
    assert_eq!(sale_of(&ledger, &sale.id).updated_at, at(6_000));
}

#[test]
fn an_undecodable_body_is_journaled() {
    let ledger = ledger();
    let outcome = deliver(&ledger, b"{not json".to_vec());
    assert!(matches!(outcome, WebhookOutcome::Undecodable(_)), "{outcome:?}");
    let journal = ledger.journal(10).unwrap();
    assert_eq!((journal.len(), journal[0].outcome), (1, JournalOutcome::Undecodable));
    assert_eq!(journal[0].body, b"{not json".to_vec());
}

#[test]
fn an_unmatched_payment_is_kept_and_credited_nowhere() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "a", 1000, "cs_1");
    let outcome = deliver(&ledger, completed("evt_x", "cs_unknown", None, 1000));
    assert_eq!(outcome, WebhookOutcome::Applied(Applied::Unmatched));
    assert_eq!(state_of(&ledger, &sale.id), SaleState::Open);
    let unmatched = ledger.unmatched(10).unwrap();
    assert_eq!(unmatched.len(), 1);
    let detail = unmatched[0].detail.as_deref().unwrap();
    assert!(detail.contains("cs_unknown") && detail.contains("NT$1,000"), "{detail}");
    let refund = deliver(
        &ledger,
        refund("evt_r", "refund.succeeded", "re_x", "ord_unknown", "SUCCEEDED", 5),
    );
    assert_eq!(refund, WebhookOutcome::Applied(Applied::Unmatched));
    assert_eq!(ledger.unmatched(10).unwrap().len(), 2);
}

#[test]
fn apply_again_is_idempotent_and_can_resolve_an_unmatched_event() {
    let ledger = ledger();
    let sale = ledger.create_sale(new_sale("a", 1000), at(0)).unwrap();
    // The payment arrives before the checkout id was stored and carries no metadata.
    let early = order_paid("evt_early", "ord_1", "cs_1", None, 1000);
    assert_eq!(deliver(&ledger, early), WebhookOutcome::Applied(Applied::Unmatched));
    ledger.attach_checkout(&sale.id, checkout("cs_1"), at(7_000)).unwrap();
    let again = ledger.reapply_event(&EventId::new("evt_early"), at(8_000)).unwrap();
    let changed = Applied::Changed {
        sale: sale.id.clone(),
        from: SaleState::Open,
        to: SaleState::Paid,
    };
    assert_eq!(again, WebhookOutcome::Applied(changed));
    let entry = ledger.journal_entry(&EventId::new("evt_early")).unwrap().unwrap();
    assert_eq!(
        (entry.outcome, entry.sale_id.as_ref()),
        (JournalOutcome::Changed, Some(&sale.id))
    );

    deliver(
        &ledger,
        refund("evt_r", "refund.succeeded", "re_1", "ord_1", "SUCCEEDED", 300),
    );
    let before = ledger.sale(&sale.id).unwrap().unwrap();
    assert_eq!(
        (before.sale.state, before.sale.refunded_amount),
        (SaleState::PartiallyRefunded, Money::new(300))
    );
    for event in ["evt_early", "evt_early", "evt_r"] {
        let outcome = ledger.reapply_event(&EventId::new(event), at(9_000)).unwrap();
        assert!(
            matches!(outcome, WebhookOutcome::Applied(Applied::NoOp { .. })),
            "{event}: {outcome:?}"
        );
    }
    let after = ledger.sale(&sale.id).unwrap().unwrap();
    assert_eq!(
        (after.history.len(), after.sale.refunded_amount),
        (before.history.len(), before.sale.refunded_amount)
    );
    assert_eq!(after.sale.paid_amount, before.sale.paid_amount);
    let missing = ledger.reapply_event(&EventId::new("evt_never"), at(9_000)).unwrap_err();
    assert_eq!(missing.code(), "event_not_found");
}

#[test]
fn session_reads_and_cashier_causes() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "a", 1000, "cs_1");
    let key = MatchKey::checkout("cs_1".into());
    let read = Cause::session_read(&"cs_1".into());
    let expired = ledger
        .apply_fact(&Fact::Expired { key: key.clone() }, &read, at(10))
        .unwrap();
    assert_eq!(
        expired,
        Applied::Changed {
            sale: sale.id.clone(),
            from: SaleState::Open,
            to: SaleState::Expired
        }
    );
    let payment = Fact::Paid(Payment {
        key,
        amount: Some(Money::new(1000)),
        ..Default::default()
    });
    let err = ledger
        .apply_fact(&payment, &Cause::cashier(Some("Amy")), at(11))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_transition", "a cashier cannot declare a sale paid");
    let paid = ledger.apply_fact(&payment, &read, at(12)).unwrap();
    assert_eq!(
        paid,
        Applied::Changed {
            sale: sale.id.clone(),
            from: SaleState::Expired,
            to: SaleState::Paid
        }
    );
    assert_eq!(
        sale_of(&ledger, &sale.id).paid_at,
        Some(at(12)),
        "no paid_at reported: the ledger's clock"
    );
}

#[test]
fn checkout_and_metadata_naming_different_sales_are_flagged() {
    let ledger = ledger();
    let a = open_sale(&ledger, "a", 100, "cs_A");
    let b = open_sale(&ledger, "b", 1000, "cs_B");
    deliver(&ledger, completed("evt_conflict", "cs_A", Some(&b.id), 100));
    let got_a = sale_of(&ledger, &a.id);
    assert_eq!(got_a.state, SaleState::Paid, "the checkout's sale");
    assert_eq!(
        got_a.attention,
        [Attention::MatchConflict {
            checkout: "cs_A".into(),
            named: b.id.clone()
        }]
    );
    let got_b = sale_of(&ledger, &b.id);
    assert_eq!(
        (got_b.state, got_b.paid_amount, got_b.attention),
        (SaleState::Open, None, vec![])
    );
}

#[test]
fn concurrent_deliveries_of_one_event_apply_once() {
    let first = ledger();
    let sale = open_sale(&first, "a", 1000, "cs_1");
    // A second handle on the same ledger, as the CLI (or a second counter) would open.
    let second = first.reopen(recur_ledger::Origin::default());
    let event = order_paid("evt_race", "ord_1", "cs_1", None, 1000);
    let outcomes: Vec<WebhookOutcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let ledger: &recur_ledger::Ledger = if i % 2 == 0 { &first } else { &second };
                let event = event.clone();
                scope.spawn(move || ledger.receive_webhook(&receipt(event), at(6_000)).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let changed = outcomes
        .iter()
        .filter(|o| matches!(o, WebhookOutcome::Applied(Applied::Changed { .. })))
        .count();
    let duplicates = outcomes.iter().filter(|o| **o == WebhookOutcome::Duplicate).count();
    assert_eq!((changed, duplicates), (1, 5), "{outcomes:?}");
    assert_eq!(ledger_attempts(&second, "evt_race"), 6);
    assert_eq!(state_of(&second, &sale.id), SaleState::Paid);
}

fn ledger_attempts(ledger: &recur_ledger::Ledger, id: &str) -> u32 {
    ledger.journal_entry(&EventId::new(id)).unwrap().unwrap().attempts
}
