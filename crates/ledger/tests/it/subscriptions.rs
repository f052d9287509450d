//! Subscriptions, renewals and the day's totals.

use recur_domain::{Mode, Money, SaleState, SubscriptionId};
use recur_ledger::{Applied, Ledger, StateTotal, WebhookOutcome};
use serde_json::json;

use super::support::*;

fn subscription_sale(ledger: &Ledger) -> recur_ledger::Sale {
    let mut new = new_sale("月費方案", 299);
    new.mode = Mode::Subscription;
    let sale = ledger.create_sale(new, at(0)).unwrap();
    ledger.attach_checkout(&sale.id, checkout("cs_sub"), at(1)).unwrap()
}

fn first_payment() -> Vec<u8> {
    body(
        "evt_o",
        "order.paid",
        100,
        json!({
            "id": "ord_1", "checkout_id": "cs_sub", "status": "PAID", "amount": 299, "currency": "TWD",
            "subscription_id": "sub_1", "billing_reason": "subscription_create"
        }),
    )
}

fn invoice_paid(event: &str, invoice: &str, reason: &str, offset: i64) -> Vec<u8> {
    body(
        event,
        "invoice.paid",
        offset,
        json!({
            "id": invoice, "subscription_id": "sub_1", "status": "PAID", "amount": 299, "currency": "TWD", "billing_reason": reason
        }),
    )
}

#[test]
fn a_subscription_is_linked_and_follows_the_newest_status() {
    let ledger = ledger();
    let sale = subscription_sale(&ledger);
    // Delivered out of order: the cancellation (newer) first, the activation (older) last.
    let cancelled = body(
        "evt_x",
        "subscription.cancelled",
        600,
        json!({"id": "sub_1", "status": "CANCELLED"}),
    );
    assert_eq!(
        deliver(&ledger, cancelled),
        WebhookOutcome::Applied(Applied::Unmatched),
        "no sale knows sub_1 yet"
    );
    deliver(&ledger, first_payment());
    let activated = body(
        "evt_a",
        "subscription.activated",
        300,
        json!({
            "subscriptionId": "sub_1", "productId": "prod_299", "currentPeriodEnd": "2026-12-29T09:40:08Z"
        }),
    );
    assert_eq!(
        deliver(&ledger, activated),
        WebhookOutcome::Applied(Applied::Recorded { sale: sale.id.clone() })
    );

    let subs = ledger.subscriptions().unwrap();
    assert_eq!(subs.len(), 1);
    let sub = &subs[0];
    assert_eq!(sub.subscription_id, SubscriptionId::new("sub_1"));
    assert_eq!(sub.status.as_deref(), Some("CANCELLED"), "the newest event wins");
    assert_eq!(sub.sale_id.as_ref(), Some(&sale.id));
    assert_eq!(sub.product_id.as_ref().map(|p| p.as_str()), Some("prod_299"));
    assert!(sub.current_period_end.is_some());
    assert_eq!(
        sale_of(&ledger, &sale.id).subscription_id,
        Some(SubscriptionId::new("sub_1"))
    );
}

#[test]
fn each_renewal_is_its_own_entry_once() {
    let ledger = ledger();
    let sale = subscription_sale(&ledger);
    deliver(&ledger, first_payment());
    let cases = [
        (invoice_paid("evt_i0", "in_0", "subscription_create", 100), 0),
        (invoice_paid("evt_i1", "in_1", "subscription_cycle", 1_000), 1),
        // The same invoice again under another event id: no second renewal.
        (invoice_paid("evt_i1b", "in_1", "subscription_cycle", 1_000), 1),
        (invoice_paid("evt_i2", "in_2", "renewal", 2_000), 2),
    ];
    for (event, renewals) in cases {
        deliver(&ledger, event);
        let subs = ledger.subscriptions().unwrap();
        assert_eq!(subs[0].renewals.len(), renewals);
    }
    let ids: Vec<String> = ledger.subscriptions().unwrap()[0]
        .renewals
        .iter()
        .map(|r| r.renewal_id.clone())
        .collect();
    assert_eq!(ids, vec!["in_1", "in_2"]);
    assert_eq!(
        state_of(&ledger, &sale.id),
        SaleState::Paid,
        "renewals are not the sale's payment"
    );
    assert_eq!(sale_of(&ledger, &sale.id).paid_amount, Some(Money::new(299)));
}

#[test]
fn day_summary_counts_and_sums_by_state() {
    let ledger = ledger();
    let paid = open_sale(&ledger, "a", 1000, "cs_1");
    deliver(&ledger, order_paid("evt_1", "ord_1", "cs_1", None, 1000));
    deliver(
        &ledger,
        refund("evt_r", "refund.succeeded", "re_1", "ord_1", "SUCCEEDED", 400),
    );
    let other = open_sale(&ledger, "b", 500, "cs_2");
    deliver(&ledger, order_paid("evt_2", "ord_2", "cs_2", None, 500));
    open_sale(&ledger, "c", 200, "cs_3");
    let failed = ledger.create_sale(new_sale("d", 50), at(0)).unwrap();
    ledger
        .mark_create_failed(&failed.id, &recur_domain::Failure::Interrupted, at(1))
        .unwrap();
    subscription_sale(&ledger);
    deliver(&ledger, first_payment());
    deliver(&ledger, invoice_paid("evt_i1", "in_1", "subscription_cycle", 1_000));
    // Outside the window: tomorrow's sale.
    ledger.create_sale(new_sale("tomorrow", 7), at(86_400_000)).unwrap();

    let day = ledger.day_summary(recur_domain::Day::containing(at(0))).unwrap();
    let total = |state: SaleState, count: u64, amount: i64| StateTotal {
        state,
        count,
        amount: Money::new(amount),
    };
    assert_eq!(
        day.by_state,
        vec![
            total(SaleState::Open, 1, 200),
            total(SaleState::Paid, 2, 799),
            total(SaleState::Failed, 1, 50),
            total(SaleState::PartiallyRefunded, 1, 1000),
        ]
    );
    assert_eq!((day.collected, day.refunded), (Money::new(1799), Money::new(400)));
    assert_eq!((day.renewals, day.renewals_total), (1, Money::new(299)));
    assert_eq!(day.net, Money::new(1799 - 400 + 299));
    assert_eq!(day.attention, 0);
    assert_eq!(state_of(&ledger, &paid.id), SaleState::PartiallyRefunded);
    assert_eq!(state_of(&ledger, &other.id), SaleState::Paid);
}
