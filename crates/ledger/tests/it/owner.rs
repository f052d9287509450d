//! The owner's half on a real ledger file: cash sales, history (filters, text, sorts, keyset
//! pages at their boundaries, totals), the day's report and its close.

use std::collections::BTreeSet;

use recur_domain::{Currency, Day, Mode, Money, ProductId, SaleState, Tender, TxnId};
use recur_ledger::{HistoryFilter, Ledger, LedgerError, NewSale, Sale, Sort};

use super::support::*;

const DAY: i64 = 86_400_000;

fn sale_in(ledger: &Ledger, product: &str, amount: i64, email: &str, name: &str, offset: i64) -> Sale {
    let new = NewSale {
        product_id: ProductId::new(product),
        product_name: format!("品項 {product}"),
        mode: if product.contains("sub") {
            Mode::Subscription
        } else {
            Mode::Payment
        },
        amount: Money::new(amount),
        currency: Currency::twd(),
        customer_email: Some(email.to_owned()),
        customer_name: Some(name.to_owned()),
    };
    ledger.create_sale(new, at(offset)).unwrap()
}

fn cash(ledger: &Ledger, product: &str, amount: i64, tendered: i64, offset: i64) -> Sale {
    let new = NewSale {
        product_id: ProductId::new(product),
        product_name: format!("品項 {product}"),
        mode: Mode::Payment,
        amount: Money::new(amount),
        currency: Currency::twd(),
        customer_email: None,
        customer_name: None,
    };
    ledger.record_cash_sale(new, Money::new(tendered), at(offset)).unwrap()
}

/// A shop of three days: Recur sales in every state, cash sales, a refund, a flagged sale.
struct Shop {
    t: TestLedger,
    paid: Sale,
    open: Sale,
    cash_a: Sale,
    cash_b: Sale,
    flagged: Sale,
    yesterday: Sale,
}

fn shop() -> Shop {
    let t = ledger();
    let yesterday = sale_in(&t, "prod_tea", 60, "old@shop.tw", "林大華", -DAY);
    let paid = sale_in(&t, "prod_latte", 120, "mei.chen@example.com", "陳美玲", 1_000);
    t.attach_checkout(&paid.id, checkout("cs_paid_1"), at(1_001)).unwrap();
    // A new QR: the first checkout stays the sale's, and is found by its id too.
    t.mark_create_failed(
        &sale_in(&t, "x", 30, "n@n.tw", "n", 1).id,
        &recur_domain::Failure::Interrupted,
        at(2),
    )
    .unwrap();
    deliver(&t, order_paid("evt_p", "ord_paid", "cs_paid_1", Some(&paid.id), 120));
    let open = open_sale(&t, "拿鐵", 90, "cs_open");
    let cash_a = cash(&t, "prod_latte", 120, 200, 3_000);
    let cash_b = cash(&t, "prod_roll", 85, 100, 4_000);
    let flagged = sale_in(&t, "prod_box", 1290, "gift@example.com", "王小明", 5_000);
    t.attach_checkout(&flagged.id, checkout("cs_flag"), at(5_001)).unwrap();
    deliver(&t, order_paid("evt_f", "ord_flag", "cs_flag", None, 1000));
    deliver(
        &t,
        refund("evt_r", "refund.succeeded", "re_1", "ord_flag", "succeeded", 100),
    );
    Shop {
        paid: sale_of(&t, &paid.id),
        open,
        cash_a,
        cash_b,
        flagged: sale_of(&t, &flagged.id),
        yesterday,
        t,
    }
}

#[test]
fn a_cash_sale_is_paid_at_once_and_nothing_from_recur_can_touch_it() {
    let shop = shop();
    let sale = &shop.cash_a;
    assert_eq!((sale.state, sale.tender), (SaleState::Paid, Tender::Cash));
    assert_eq!(
        (sale.amount.get(), sale.cash_tendered.map(Money::get)),
        (120, Some(200))
    );
    assert_eq!(sale.checkout_id, None, "never sent to Recur");
    // A payment naming the cash sale's own id is not about it.
    let outcome = deliver(&shop.t, order_paid("evt_x", "ord_x", "cs_unknown", Some(&sale.id), 120));
    assert!(
        matches!(
            outcome,
            recur_ledger::WebhookOutcome::Applied(recur_ledger::Applied::Unmatched)
        ),
        "{outcome:?}"
    );
    assert_eq!(sale_of(&shop.t, &sale.id).order_id, None);
    let short = NewSale {
        product_id: ProductId::new("p"),
        product_name: "p".into(),
        mode: Mode::Payment,
        amount: Money::new(120),
        currency: Currency::twd(),
        customer_email: None,
        customer_name: None,
    };
    let err = shop.t.record_cash_sale(short, Money::new(100), at(9)).unwrap_err();
    assert!(matches!(err, LedgerError::CashShort { .. }), "{err}");
}

fn ids(sales: &[Sale]) -> BTreeSet<TxnId> {
    sales.iter().map(|s| s.id.clone()).collect()
}

fn every(ledger: &Ledger, filter: &HistoryFilter) -> Vec<Sale> {
    ledger.history(filter, Sort::Newest, None, 500).unwrap().sales
}

#[test]
fn filters_and_text_find_exactly_their_sales() {
    let shop = shop();
    let today = Day::containing(at(0));
    let all = every(&shop.t, &HistoryFilter::default());
    assert_eq!(all.len(), 7);
    let f = |edit: &dyn Fn(&mut HistoryFilter)| {
        let mut filter = HistoryFilter::default();
        edit(&mut filter);
        ids(&every(&shop.t, &filter))
    };
    let one = |s: &Sale| BTreeSet::from([s.id.clone()]);
    let cases: Vec<(&str, BTreeSet<TxnId>, BTreeSet<TxnId>)> = vec![
        (
            "yesterday",
            f(&|x| x.to = Some(today.plus_days(-1))),
            one(&shop.yesterday),
        ),
        ("open", f(&|x| x.states = vec![SaleState::Open]), one(&shop.open)),
        (
            "cash",
            f(&|x| x.tender = Some(Tender::Cash)),
            BTreeSet::from([shop.cash_a.id.clone(), shop.cash_b.id.clone()]),
        ),
        ("a look", f(&|x| x.attention = true), one(&shop.flagged)),
        (
            "product",
            f(&|x| x.product = Some(ProductId::new("prod_box"))),
            one(&shop.flagged),
        ),
        (
            "sale id",
            f(&|x| x.text = Some(shop.paid.id.to_string())),
            one(&shop.paid),
        ),
        ("checkout", f(&|x| x.text = Some("cs_paid_1".into())), one(&shop.paid)),
        ("order", f(&|x| x.text = Some("ord_flag".into())), one(&shop.flagged)),
        ("email part", f(&|x| x.text = Some("mei.chen".into())), one(&shop.paid)),
        (
            "a two-character name",
            f(&|x| x.text = Some("美玲".into())),
            one(&shop.paid),
        ),
        (
            // The flagged sale's prefilled name, and the name the paid sale's payer gave Recur.
            "a three-character name",
            f(&|x| x.text = Some("王小明".into())),
            BTreeSet::from([shop.flagged.id.clone(), shop.paid.id.clone()]),
        ),
        (
            "nothing",
            f(&|x| x.text = Some("nobody@nowhere".into())),
            BTreeSet::new(),
        ),
        (
            "text and a state together",
            f(&|x| {
                x.text = Some("example.com".into());
                x.states = vec![SaleState::PartiallyRefunded];
            }),
            one(&shop.flagged),
        ),
    ];
    for (name, got, want) in cases {
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn keyset_pages_cover_the_list_exactly_once_at_every_page_size_and_sort() {
    let shop = shop();
    let filter = HistoryFilter::default();
    for sort in Sort::ALL {
        let whole = shop.t.history(&filter, sort, None, 500).unwrap().sales;
        let keys: Vec<(i64, i64)> = whole.iter().map(|s| (s.created_at.unix_ms(), s.amount.get())).collect();
        let mut sorted = keys.clone();
        match sort {
            Sort::Newest => sorted.sort_by_key(|k| std::cmp::Reverse(k.0)),
            Sort::Oldest => sorted.sort_by_key(|k| k.0),
            Sort::AmountHigh => sorted.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0))),
            Sort::AmountLow => sorted.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0))),
        }
        assert_eq!(keys, sorted, "{sort:?} is in order");
        for size in [1, 2, 3, 6, 7, 8] {
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let page = shop.t.history(&filter, sort, after.as_ref(), size).unwrap();
                assert!(page.sales.len() <= size);
                seen.extend(page.sales.iter().map(|s| s.id.clone()));
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            let expected: Vec<TxnId> = whole.iter().map(|s| s.id.clone()).collect();
            assert_eq!(seen, expected, "{sort:?} in pages of {size}");
        }
    }
}

#[test]
fn totals_are_the_sums_of_exactly_the_filtered_sales() {
    let shop = shop();
    for filter in [
        HistoryFilter::default(),
        HistoryFilter {
            tender: Some(Tender::Cash),
            ..HistoryFilter::default()
        },
        HistoryFilter {
            text: Some("example.com".into()),
            ..HistoryFilter::default()
        },
    ] {
        let sales = every(&shop.t, &filter);
        let totals = shop.t.history_totals(&filter).unwrap();
        assert_eq!(totals.count, sales.len() as u64, "{filter:?}");
        assert_eq!(
            totals.amount.get(),
            sales.iter().map(|s| s.amount.get()).sum::<i64>(),
            "{filter:?}"
        );
        let net: i64 = sales
            .iter()
            .filter(|s| s.state.is_paid())
            .map(|s| s.paid_amount.unwrap_or(s.amount).get() - s.refunded_amount.get())
            .sum();
        assert_eq!(totals.net.get(), net, "{filter:?}");
        let mut exported = Vec::new();
        shop.t
            .each_sale(&filter, |s| {
                exported.push(s.id.clone());
                true
            })
            .unwrap();
        assert_eq!(exported.len(), sales.len(), "an export is exactly the filtered set");
    }
}

#[test]
fn the_day_report_adds_up_and_a_close_happens_once_with_late_changes_carried_over() {
    let shop = shop();
    let today = Day::containing(at(0));
    let report = shop.t.day_report(today).unwrap();
    let tender = |t: Tender| {
        report
            .by_tender
            .iter()
            .find(|x| x.key == t)
            .map(|x| (x.total.count, x.total.amount.get()))
    };
    assert_eq!(tender(Tender::Cash), Some((2, 205)));
    assert_eq!(tender(Tender::Recur), Some((4, 120 + 30 + 90 + 1290)));
    assert_eq!(report.expected_cash.get(), 205);
    assert_eq!((report.open.count, report.open.amount.get()), (1, 90));
    assert_eq!((report.refunds.count, report.refunds.amount.get()), (1, 100));
    assert_eq!(report.first_sale, Some(at(0)));
    assert_eq!(
        report.by_hour.iter().map(|h| h.count).sum::<u64>(),
        4,
        "four paid sales"
    );
    assert!(report.close.is_none());

    let closed = shop
        .t
        .close_day(today, Some(Money::new(200)), Some("owner"), at(DAY / 2))
        .unwrap();
    assert_eq!(
        (closed.expected_cash.get(), closed.difference().map(Money::get)),
        (205, Some(-5))
    );
    let again = shop.t.close_day(today, None, None, at(DAY / 2 + 1)).unwrap_err();
    assert!(
        matches!(&again, LedgerError::DayClosed { seq, .. } if *seq == closed.seq),
        "{again}"
    );

    // A refund for a sale of the closed day arrives late: the closed day stays as it was; the
    // next close carries the change.
    deliver(
        &shop.t,
        refund("evt_late", "refund.succeeded", "re_late", "ord_paid", "succeeded", 120),
    );
    // A cash sale of the closed day written after its close (a counter whose clock was behind):
    // one line, what it took (its
    // creation moved no money and is not listed).
    let late_cash = cash(&shop.t, "可頌", 65, 100, 10);
    let tomorrow = today.plus_days(1);
    let next = shop.t.day_report(tomorrow).unwrap();
    let late: Vec<(TxnId, SaleState, i64)> = next
        .adjustments
        .iter()
        .map(|a| (a.sale_id.clone(), a.to, a.amount.get()))
        .collect();
    assert_eq!(
        late,
        [
            (shop.paid.id.clone(), SaleState::Refunded, -120),
            (late_cash.id.clone(), SaleState::Paid, 65)
        ]
    );
    let still = shop.t.closes(10).unwrap();
    assert_eq!(still.len(), 1);
    assert_eq!(still[0], closed, "a closed day's record is never rewritten");
    assert_eq!(closed.net, report.summary.net, "the net as it was closed");
    let now = shop.t.day_report(today).unwrap();
    assert_eq!(
        now.summary.net.get(),
        report.summary.net.get() - 120 + 65,
        "the live day moved: the late refund and the late cash sale"
    );
    assert_eq!(now.close.unwrap().net, closed.net, "the close did not");
    let second = shop
        .t
        .close_day(tomorrow, Some(Money::ZERO), None, at(DAY + DAY / 2))
        .unwrap();
    assert_eq!(second.seq, closed.seq + 1, "closes are numbered in order");
    assert!(
        shop.t.day_report(today.plus_days(2)).unwrap().adjustments.is_empty(),
        "carried once"
    );
}

#[test]
fn the_trend_is_each_days_net_by_tender_with_empty_days_present() {
    let shop = shop();
    let today = Day::containing(at(0));
    let trend = shop.t.trend(today, 3).unwrap();
    let days: Vec<Day> = trend.iter().map(|d| d.day).collect();
    assert_eq!(days, [today.plus_days(-2), today.plus_days(-1), today], "oldest first, every day");
    let net = |tender: Tender| -> i64 {
        every(&shop.t, &HistoryFilter::default())
            .iter()
            .filter(|s| s.tender == tender && Day::containing(s.created_at) == today)
            .filter(|s| {
                matches!(
                    s.state,
                    SaleState::Paid | SaleState::PartiallyRefunded | SaleState::Refunded
                )
            })
            .map(|s| s.paid_amount.unwrap_or(s.amount).get() - s.refunded_amount.get())
            .sum()
    };
    assert_eq!(trend[2].cash, Money::new(120 + 85), "{trend:?}");
    assert_eq!(trend[2].recur, Money::new(net(Tender::Recur)), "{trend:?}");
    assert!(trend[2].recur.get() > 0, "a Recur sale was paid today: {trend:?}");
    assert_eq!(trend[1].net(), Money::ZERO, "yesterday's sale was never paid: {trend:?}");
    assert_eq!(trend[0].net(), Money::ZERO);
}
