//! Our own side of a sale: create, attach checkouts, creation failures, cancelling, new QR codes.

use recur_domain::{
    Attention, CauseKind, CheckoutId, ErrorCode, Failure, FailureCode, Money, OrderId, SaleState, TxnId,
};
use recur_ledger::{Applied, LedgerError, SaleFilter, WebhookOutcome};

use super::support::*;

#[test]
fn create_attach_paid_with_history_causes() {
    let ledger = ledger();
    let draft = ledger.create_sale(new_sale("儲值 100 點", 100), at(0)).unwrap();
    assert_eq!((draft.state, draft.id.as_str().len()), (SaleState::Draft, 26));
    assert_eq!(draft.checkout_id, None);
    let open = ledger.attach_checkout(&draft.id, checkout("cs_1"), at(1)).unwrap();
    assert_eq!(open.checkout_id, Some(CheckoutId::new("cs_1")));
    assert_eq!(open.url.as_deref(), Some("https://checkout.recur.tw/cs_1"));
    assert_eq!(ledger.open_sales().unwrap().len(), 1);

    let outcome = deliver(&ledger, order_paid("evt_paid", "ord_1", "cs_1", Some(&draft.id), 100));
    let expected = Applied::Changed {
        sale: draft.id.clone(),
        from: SaleState::Open,
        to: SaleState::Paid,
    };
    assert_eq!(outcome, WebhookOutcome::Applied(expected));

    let detail = ledger.sale(&draft.id).unwrap().unwrap();
    let sale = &detail.sale;
    assert_eq!(sale.state, SaleState::Paid);
    assert_eq!(sale.order_id, Some(OrderId::new("ord_1")));
    assert_eq!(sale.paid_amount, Some(Money::new(100)));
    assert_eq!(sale.paid_at, Some(at(90)));
    assert_eq!(sale.customer_name.as_deref(), Some("王小明"), "the customer as paid");
    let steps: Vec<_> = detail
        .history
        .iter()
        .map(|t| (t.from, t.to, t.cause, t.reference.as_deref()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (None, SaleState::Draft, CauseKind::Create, None),
            (Some(SaleState::Draft), SaleState::Open, CauseKind::Create, Some("cs_1")),
            (
                Some(SaleState::Open),
                SaleState::Paid,
                CauseKind::Event,
                Some("evt_paid")
            ),
        ]
    );
    assert_eq!(detail.checkouts.len(), 1);
    assert_eq!(
        ledger.sale_by_checkout(&"cs_1".into()).unwrap().map(|s| s.id),
        Some(draft.id.clone())
    );
    assert!(ledger.open_sales().unwrap().is_empty());
}

#[test]
fn a_failed_creation_stays_visible_and_can_get_a_new_qr() {
    let ledger = ledger();
    let sale = ledger.create_sale(new_sale("咖啡", 120), at(0)).unwrap();
    let network = Failure::CreateFailed {
        error: ErrorCode::RecurNetwork,
    };
    let failed = ledger.mark_create_failed(&sale.id, &network, at(1)).unwrap();
    assert_eq!(failed.state, SaleState::Failed);
    assert_eq!(failed.failure.as_ref(), Some(&network));
    let listed = ledger
        .sales(&SaleFilter {
            state: Some(SaleState::Failed),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(listed.iter().map(|s| &s.id).collect::<Vec<_>>(), vec![&sale.id]);
    let history = ledger.sale(&sale.id).unwrap().unwrap().history;
    assert_eq!(
        history.last().unwrap().note,
        Some(recur_domain::StepNote::Failed(FailureCode::CreateFailed))
    );

    let reopened = ledger.attach_checkout(&sale.id, checkout("cs_retry"), at(2)).unwrap();
    assert_eq!((reopened.state, reopened.failure), (SaleState::Open, None));
    let err = ledger.mark_create_failed(&sale.id, &network, at(3)).unwrap_err();
    assert_eq!(
        err.code(),
        "invalid_transition",
        "an OPEN sale did not fail to be created"
    );
}

#[test]
fn cancel_rules() {
    let ledger = ledger();
    let draft = ledger.create_sale(new_sale("a", 100), at(0)).unwrap();
    let open = open_sale(&ledger, "b", 100, "cs_b");
    let failed = ledger.create_sale(new_sale("c", 100), at(0)).unwrap();
    ledger
        .mark_create_failed(&failed.id, &Failure::Interrupted, at(1))
        .unwrap();
    let paid = open_sale(&ledger, "d", 100, "cs_d");
    deliver(&ledger, completed("evt_d", "cs_d", None, 100));
    let cases: [(&TxnId, Result<SaleState, &str>); 4] = [
        (&draft.id, Ok(SaleState::Cancelled)),
        (&open.id, Ok(SaleState::Cancelled)),
        (&failed.id, Ok(SaleState::Cancelled)),
        (&paid.id, Err("invalid_transition")),
    ];
    for (id, expected) in cases {
        let got = ledger.cancel_sale(id, at(10)).map(|s| s.state).map_err(|e| e.code());
        assert_eq!(got, expected, "cancel {id}");
    }
    // Cancelling twice is a no-op, not a second history row.
    let before = ledger.sale(&open.id).unwrap().unwrap().history.len();
    assert_eq!(
        ledger.cancel_sale(&open.id, at(11)).unwrap().state,
        SaleState::Cancelled
    );
    assert_eq!(ledger.sale(&open.id).unwrap().unwrap().history.len(), before);
    assert_eq!(state_of(&ledger, &paid.id), SaleState::Paid);
    let missing = ledger.cancel_sale(&TxnId::new("nope"), at(12)).unwrap_err();
    assert!(matches!(missing, LedgerError::SaleNotFound(_)));
}

#[test]
fn a_checkout_belongs_to_one_sale_forever() {
    let ledger = ledger();
    let a = open_sale(&ledger, "a", 100, "cs_shared");
    let b = ledger.create_sale(new_sale("b", 100), at(0)).unwrap();
    let err = ledger.attach_checkout(&b.id, checkout("cs_shared"), at(2)).unwrap_err();
    assert_eq!(err.code(), "checkout_conflict");
    assert_eq!(state_of(&ledger, &b.id), SaleState::Draft);
    // Attaching the same checkout to its own sale again (a retry) is harmless.
    assert_eq!(
        ledger
            .attach_checkout(&a.id, checkout("cs_shared"), at(3))
            .unwrap()
            .state,
        SaleState::Open
    );
}

#[test]
fn a_late_payment_on_an_old_checkout_credits_its_own_sale() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "儲值 500 點", 500, "cs_old");
    let other = open_sale(&ledger, "other", 500, "cs_other");
    let failed = body(
        "evt_f",
        "order.payment_failed",
        50,
        serde_json::json!({"checkout_id": "cs_old", "failure_code": "card_declined"}),
    );
    deliver(&ledger, failed);
    assert_eq!(
        sale_of(&ledger, &sale.id).failure.map(|f| f.code()),
        Some(FailureCode::CardDeclined)
    );
    ledger.attach_checkout(&sale.id, checkout("cs_new"), at(60)).unwrap();
    // A late failure of the old checkout must not end the re-opened sale.
    let late = body(
        "evt_f2",
        "order.payment_failed",
        51,
        serde_json::json!({"checkout_id": "cs_old"}),
    );
    assert!(matches!(
        deliver(&ledger, late),
        WebhookOutcome::Applied(Applied::NoOp { .. })
    ));
    assert_eq!(state_of(&ledger, &sale.id), SaleState::Open);

    deliver(&ledger, completed("evt_old_paid", "cs_old", None, 500));
    let paid = sale_of(&ledger, &sale.id);
    assert_eq!(
        (paid.state, paid.paid_amount, paid.attention),
        (SaleState::Paid, Some(Money::new(500)), vec![])
    );
    assert_eq!(state_of(&ledger, &other.id), SaleState::Open);
    assert_eq!(ledger.sale(&sale.id).unwrap().unwrap().checkouts.len(), 2);

    // The customer also paid the new QR: real money twice, flagged, never hidden.
    deliver(&ledger, completed("evt_new_paid", "cs_new", None, 500));
    let twice = sale_of(&ledger, &sale.id);
    assert_eq!(twice.state, SaleState::Paid);
    assert_eq!(twice.attention, [Attention::double_payment("cs_new", "cs_old")]);
}

#[test]
fn a_payment_faster_than_attach_still_lands() {
    let ledger = ledger();
    let sale = ledger.create_sale(new_sale("fast", 300), at(0)).unwrap();
    deliver(&ledger, completed("evt_fast", "cs_fast", Some(&sale.id), 300));
    assert_eq!(state_of(&ledger, &sale.id), SaleState::Paid);
    let attached = ledger
        .attach_checkout(&sale.id, checkout("cs_fast"), at(7))
        .expect("attach after payment");
    assert_eq!(
        (attached.state, attached.checkout_id),
        (SaleState::Paid, Some(CheckoutId::new("cs_fast")))
    );
}

#[test]
fn a_checkout_created_after_cancel_is_still_mapped() {
    let ledger = ledger();
    let sale = ledger.create_sale(new_sale("cancelled", 200), at(0)).unwrap();
    ledger.cancel_sale(&sale.id, at(1)).unwrap();
    let err = ledger
        .attach_checkout(&sale.id, checkout("cs_late"), at(2))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
    assert_eq!(
        ledger.sale_by_checkout(&"cs_late".into()).unwrap().map(|s| s.id),
        Some(sale.id.clone())
    );
    deliver(&ledger, completed("evt_late", "cs_late", None, 200));
    let paid = sale_of(&ledger, &sale.id);
    assert_eq!(paid.state, SaleState::Paid);
    assert_eq!(paid.attention, [Attention::PaidAfterCancel]);
}
