//! What the owner reviews: the webhook journal (with "apply again" and unmatched deliveries),
//! refunds and sales that need a look, live in Today.

use serde_json::json;

use super::app::{App, PAY_CARD};

/// `[data-…]` attribute selector text for a value taken from the page.
fn quoted(value: &str) -> String {
    serde_json::to_string(value).expect("a string")
}

#[test]
fn the_journal_shows_a_paid_sales_events_and_applying_again_changes_nothing() {
    let app = App::launch("events");
    let checkout = app.charge("prod_latte", false, None);
    checkout.open_page();
    app.wait_pay_state("OPENED");
    assert_eq!(checkout.pay(PAY_CARD), 200);
    app.wait_pay_state("PAID");
    app.click("#paid-stay");

    app.click(".tab[data-view=\"events\"]");
    let sale = quoted(&checkout.sale_id);
    app.wait_js(
        "checkout.created, order.paid and checkout.completed, verified and matched to the sale",
        &format!(
            "const rows = [...document.querySelectorAll('#journal-table tbody.entry')]; \
             return ['checkout.created', 'order.paid', 'checkout.completed'].every((type) => rows.some((r) => \
               r.dataset.type === type && r.dataset.verified === 'true' && r.dataset.saleId === {sale} \
               && r.querySelector('.sale-link') && r.querySelector('.sale-link').textContent.includes('拿鐵咖啡')));"
        ),
    );
    let seqs =
        app.js("return [...document.querySelectorAll('#journal-table tbody.entry')].map((r) => Number(r.dataset.seq))");
    let seqs: Vec<i64> = seqs
        .as_array()
        .expect("seqs")
        .iter()
        .filter_map(|v| v.as_i64())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first: {seqs:?}");
    assert!(
        app.js("return document.getElementById('events-badge').hidden")
            .as_bool()
            .unwrap(),
        "no unmatched badge yet"
    );

    // Expand order.paid: its raw body (pretty JSON), headers, and "apply again".
    let paid = "#journal-table tbody.entry[data-type=\"order.paid\"]";
    app.click(&format!("{paid} button.expand"));
    app.wait_js("the raw body", &format!("const pre = document.querySelector('{paid} pre.raw-body'); return !!pre && pre.textContent.includes('\"type\": \"order.paid\"');"));
    let headers = app.text(&format!("{paid} table.headers")).to_ascii_lowercase();
    assert!(
        headers.contains("x-recur-signature"),
        "the headers are shown: {headers}"
    );
    app.shot("journal");

    for attempt in 1..=2 {
        app.click(&format!("{paid} button.reapply"));
        app.wait_js(
            &format!("apply again #{attempt} to report no change"),
            &format!("const r = document.querySelector('{paid} .reapply-result'); return !!r && r.dataset.outcome === 'noop' && !document.querySelector('{paid} button.reapply').disabled;"),
        );
    }
    assert!(app.text(&format!("{paid} .reapply-result")).contains("沒有任何變化"));

    // The matched sale opens its details: still paid, paid once.
    app.click(&format!("{paid} .sale-link"));
    app.wait_js("the sale's details", &format!("const b = document.getElementById('sale-dialog-body'); return !document.getElementById('sale-overlay').hidden && b.dataset.saleId === {sale};"));
    assert_eq!(
        app.js("return document.getElementById('sale-dialog-body').dataset.state"),
        "PAID",
        "applying again changed nothing"
    );
    let paid_steps = app.js("return [...document.querySelectorAll('#sale-dialog-body .history li')].filter((li) => li.textContent.includes('→ 已付款')).length");
    assert_eq!(paid_steps, 1, "paid exactly once");
    app.shot("sale-detail");
    app.click("#sale-dialog-close");

    // A payment for a checkout nobody knows: kept, shown, counted on the tab.
    checkout.post_event(&json!({"type": "order.paid", "data": {"id": "or_stray", "checkout_id": "cs_nobody_knows", "amount": 500, "currency": "TWD", "status": "PAID"}}));
    app.wait_js(
        "the unmatched badge",
        "const b = document.getElementById('events-badge'); return !b.hidden && b.textContent === '1';",
    );
    app.click("#view-events .seg[data-filter=\"unmatched\"]");
    app.wait_js(
        "only the unmatched delivery",
        "const rows = [...document.querySelectorAll('#journal-table tbody.entry')]; return rows.length === 1 && rows[0].dataset.outcome === 'unmatched';",
    );
    app.shot("unmatched");

    // A subscription sale: its subscription is listed, linked to the sale.
    app.click(".tab[data-view=\"sell\"]");
    let monthly = app.charge("prod_coffee_monthly", false, Some("sub@example.tw"));
    assert_eq!(monthly.pay(PAY_CARD), 200);
    app.wait_pay_state("PAID");
    app.click("#paid-stay");
    app.click(".tab[data-view=\"events\"]");
    app.click("#view-events .seg[data-filter=\"subscriptions\"]");
    app.wait_js(
        "the subscription, linked to its sale",
        &format!(
            "const r = document.querySelector('#subs-rows tr'); return !!r && !!r.querySelector('.sale-link') \
             && r.querySelector('.sale-link').dataset.saleId === {} && r.textContent.includes('咖啡');",
            quoted(&monthly.sale_id)
        ),
    );
    app.shot("subscriptions");
}

#[test]
fn refunds_and_sales_needing_a_look_show_in_today_live() {
    let app = App::launch("refunds");
    let full = app.charge("prod_latte", false, None);
    assert_eq!(full.pay(PAY_CARD), 200);
    app.wait_pay_state("PAID");
    let full_order = app.text("#paid-ref");
    assert!(!full_order.is_empty(), "an order id on the paid panel");
    app.click("#paid-next");
    let part = app.charge("prod_americano", false, None);
    assert_eq!(part.pay(PAY_CARD), 200);
    app.wait_pay_state("PAID");
    let part_order = app.text("#paid-ref");
    app.click("#paid-next");
    // Recur says it received NT$1 for a NT$85 sale: paid (money is never hidden) and flagged.
    let short = app.charge("prod_cinnamon_roll", false, None);
    let checkout_id = app
        .js("return document.getElementById('pay-qr').dataset.checkoutId")
        .as_str()
        .expect("checkout id")
        .to_owned();
    short.post_event(&json!({"type": "order.paid", "data": {"id": "or_short", "checkout_id": checkout_id, "amount": 1, "currency": "TWD", "status": "PAID"}}));
    app.wait_pay_state("PAID");
    app.click("#paid-next");

    app.wait_today(&part.sale_id, "PAID");
    // Refunds arrive while Today is on screen: the rows change in place.
    let refund = |id: &str, order: &str, amount: i64, refunded: i64, original: i64| json!({"type": "refund.succeeded", "data": {"id": id, "order_id": order, "amount": amount, "refunded_amount": refunded, "original_amount": original, "status": "succeeded", "currency": "TWD"}});
    full.post_event(&refund("re_1", &full_order, 120, 120, 120));
    part.post_event(&refund("re_2", &part_order, 30, 30, 90));
    let row = |sale: &str| format!("#today-rows tr[data-sale-id=\"{sale}\"]");
    app.wait_js(
        "已退款 live",
        &format!(
            "const r = document.querySelector('{}'); return r.dataset.state === 'REFUNDED';",
            row(&full.sale_id)
        ),
    );
    app.wait_js(
        "部分退款 live",
        &format!(
            "const r = document.querySelector('{}'); return r.dataset.state === 'PARTIALLY_REFUNDED';",
            row(&part.sale_id)
        ),
    );
    assert_eq!(
        app.text(&format!("{} .state-cell .badge", row(&full.sale_id))),
        "已退款"
    );
    assert_eq!(app.text(&format!("{} .refund-amount", row(&full.sale_id))), "退 NT$120");
    assert_eq!(app.text(&format!("{} .refund-amount", row(&part.sale_id))), "退 NT$30");
    let purple = app.js(&format!(
        "return getComputedStyle(document.querySelector('{} .state-cell .badge')).color",
        row(&part.sale_id)
    ));
    assert_eq!(purple, "rgb(107, 33, 168)", "refunds are purple");

    let flagged = format!("{} .badge-attention", row(&short.sale_id));
    app.wait_js(
        "the attention badge",
        &format!("return !!document.querySelector('{flagged}');"),
    );
    assert_eq!(app.text(&flagged), "需注意");
    let why = app
        .js(&format!("return document.querySelector('{flagged}').title"))
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(why.contains("金額不符"), "the reason is on hover: {why}");
    // Collected 120 + 90 + 1, refunded 150.
    app.wait_js("the day's refunded and net totals", "return document.getElementById('tot-refunded').textContent === 'NT$150' && document.getElementById('tot-net').textContent === 'NT$61';");
    assert!(app.text("#tot-extra").contains("需注意 1 筆"));
    app.shot("today");

    app.click(&format!("{} td.product", row(&short.sale_id)));
    app.wait_js("the flagged sale's details", "return !document.getElementById('sale-overlay').hidden && !!document.querySelector('#sale-dialog-body .attention-box');");
    let note = app.text("#sale-dialog-body .attention-box");
    assert!(
        note.contains("金額不符：應收 NT$85，實收 NT$1"),
        "the note in words, with its figures: {note}"
    );
    app.shot("attention-detail");
}
