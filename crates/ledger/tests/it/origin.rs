//! Where a sale was made: the shop and counter a ledger handle writes, and History's filters.

use super::support::at;

#[test]
fn each_sale_carries_the_shop_and_counter_that_made_it_and_history_filters_by_them() {
    use recur_ledger::{HistoryFilter, Origin, Sort};
    let test = super::support::ledger();
    // Three counters on one ledger, as three processes would be.
    let front = test.reopen(Origin::new(" 台北店 ", "front").unwrap());
    let back = test.reopen(Origin::new("台北店", "back").unwrap());
    let other = test.reopen(Origin::new("台中店", "front").unwrap());
    let a = front.create_sale(super::support::new_sale("拿鐵", 120), at(0)).unwrap();
    let b = back.create_sale(super::support::new_sale("美式", 90), at(1)).unwrap();
    let c = other
        .record_cash_sale(
            super::support::new_sale("可頌", 65),
            recur_domain::Money::new(100),
            at(2),
        )
        .unwrap();
    assert_eq!(
        (a.shop.as_str(), a.counter.as_str()),
        ("台北店", "front"),
        "names are trimmed"
    );
    assert_eq!((c.shop.as_str(), c.counter.as_str()), ("台中店", "front"));

    let ids = |filter: HistoryFilter| -> Vec<String> {
        let page = front.history(&filter, Sort::Oldest, None, 100).unwrap();
        page.sales.iter().map(|s| s.id.to_string()).collect()
    };
    let shop = |s: &str| HistoryFilter {
        shop: Some(s.into()),
        ..HistoryFilter::default()
    };
    assert_eq!(ids(shop("台北店")), [a.id.to_string(), b.id.to_string()]);
    let front_anywhere = HistoryFilter {
        counter: Some("front".into()),
        ..HistoryFilter::default()
    };
    assert_eq!(ids(front_anywhere), [a.id.to_string(), c.id.to_string()]);
    let back_here = HistoryFilter {
        counter: Some("back".into()),
        ..shop("台北店")
    };
    assert_eq!(ids(back_here), [b.id.to_string()]);
    assert_eq!(ids(HistoryFilter::default()).len(), 3);
    let one_counter = test.reopen(Origin::default());
    let d = one_counter
        .create_sale(super::support::new_sale("茶", 50), at(3))
        .unwrap();
    assert_eq!(
        (d.shop.as_str(), d.counter.as_str()),
        ("", ""),
        "a one-counter ledger leaves both blank"
    );
}

#[test]
fn a_shop_or_counter_name_is_short_printable_text() {
    use recur_ledger::Origin;
    assert!(Origin::new("", "").is_ok());
    assert!(Origin::new(&"店".repeat(40), "1").is_ok());
    assert!(Origin::new(&"店".repeat(41), "1").is_err());
    assert!(Origin::new("shop", "front\nback").is_err());
}

#[test]
fn on_the_shared_ledger_each_shop_closes_its_own_day_and_a_file_is_one_shop() {
    use recur_domain::{Day, Money};
    use recur_ledger::{LedgerError, Origin};
    let test = super::support::ledger();
    let taipei = test.reopen(Origin::new("台北店", "1").unwrap());
    let taichung = test.reopen(Origin::new("台中店", "1").unwrap());
    taipei
        .record_cash_sale(super::support::new_sale("拿鐵", 120), Money::new(120), at(0))
        .unwrap();
    taichung
        .record_cash_sale(super::support::new_sale("美式", 90), Money::new(100), at(1))
        .unwrap();
    let today = Day::containing(at(0));
    let first = taipei.close_day(today, Some(Money::new(120)), Some("manager"), at(10)).unwrap();
    if test.is_shared() {
        assert_eq!(first.expected_cash, Money::new(120), "台北店 counts its own drawer only");
        let second = taichung.close_day(today, None, Some("manager"), at(11)).unwrap();
        assert_eq!(second.expected_cash, Money::new(90));
        assert_eq!((first.seq, second.seq), (1, 1), "each shop numbers its own closes");
        assert_eq!(taichung.day_report(today).unwrap().summary.net, Money::new(90));
        assert_eq!(taipei.closes(10).unwrap().len(), 1, "each shop lists its own closes");
        let again = taipei.close_day(today, None, None, at(12)).unwrap_err();
        assert!(matches!(again, LedgerError::DayClosed { .. }), "{again:?}");
    } else {
        assert_eq!(first.expected_cash, Money::new(210), "a file is one shop's, whatever its sales say");
        let refused = taichung.close_day(today, None, None, at(11)).unwrap_err();
        assert!(matches!(refused, LedgerError::DayClosed { .. }), "{refused:?}");
    }
}
