//! What Recur sends after a payment, on a sale's details (a renewal, a refund, the e-invoice
//! and its allowance), in both languages; and phone-test mode, whose QR a phone on the shop's
//! Wi-Fi can use (tested on a loopback address standing for the LAN).

use serde_json::{json, Value};

use super::app::{App, Checkout, PAY_CARD};
use super::qr;

/// A control route of the embedded sandbox.
fn control(checkout: &Checkout, method: &str, path: &str, body: Value) -> Value {
    let client = reqwest::blocking::Client::new();
    let url = format!("{}{path}", checkout.origin());
    let request = match method {
        "GET" => client.get(url),
        _ => client.post(url).json(&body),
    };
    let answer = request.send().expect("the sandbox answers");
    assert!(answer.status().is_success(), "{path}: {}", answer.status());
    answer.json().unwrap_or(Value::Null)
}

#[test]
fn a_renewal_a_refund_and_an_e_invoice_show_on_the_sale() {
    let app = App::launch("billing");
    let checkout = app.charge("prod_coffee_monthly", false, Some("member@example.tw"));
    assert_eq!(checkout.pay(PAY_CARD), 200);
    app.wait_pay_state("PAID");
    app.click("#paid-stay");

    let subscriptions = control(&checkout, "GET", "/_sandbox/subscriptions", Value::Null);
    let subscription = subscriptions[0]["id"].as_str().expect("the subscription").to_owned();
    control(
        &checkout,
        "POST",
        &format!("/_sandbox/subscriptions/{subscription}/renew"),
        json!({}),
    );
    let orders = control(&checkout, "GET", "/_sandbox/orders", Value::Null);
    let first = orders
        .as_array()
        .and_then(|all| all.iter().find(|o| o["checkout_id"] == json!(checkout.session_id())))
        .expect("the first payment's order");
    let order = first["id"].as_str().unwrap().to_owned();
    control(
        &checkout,
        "POST",
        "/_sandbox/refunds",
        json!({ "order_id": order, "amount": 100 }),
    );

    app.wait_today(&checkout.sale_id, "PARTIALLY_REFUNDED");
    app.click(&format!(
        "#today-rows tr[data-sale-id=\"{}\"] td.product",
        checkout.sale_id
    ));
    app.wait_js(
        "the sale's details with its renewal, refund and e-invoices",
        "const b = document.getElementById('sale-dialog-body'); return !document.getElementById('sale-overlay').hidden \
         && !!b.querySelector('.subscription li[data-status=\"PAID\"]') && !!b.querySelector('.einvoices li[data-kind=\"allowance_created\"]') \
         && !!b.querySelector('.sale-events button.link');",
    );
    let body = app.text("#sale-dialog-body");
    for words in [
        "續訂已付款",
        "NT$299",
        "電子發票已開立",
        "已開立折讓單",
        "部分退款",
        "相關事件",
    ] {
        assert!(body.contains(words), "{words} on the sale's details: {body}");
    }
    let number = app.text("#sale-dialog-body .einvoices li[data-kind=\"issued\"] .einvoice-number");
    assert!(number.len() >= 10, "the e-invoice number is shown: {number:?}");
    app.shot("sale-detail-zh");
    app.js("document.querySelector('#sale-dialog-body .einvoices').scrollIntoView(); return true;");
    app.shot("sale-detail-zh-billing");
    // The dialog covers the top bar: switch the language as the button would.
    app.js("document.getElementById('lang-switch').click(); return true;");
    app.wait_js(
        "English",
        "return document.getElementById('sale-dialog-body').textContent.includes('Renewal paid')",
    );
    let body = app.text("#sale-dialog-body");
    for words in [
        "E-invoice issued",
        "Allowance issued",
        "Partly refunded",
        "Webhook events",
    ] {
        assert!(body.contains(words), "{words} in English: {body}");
    }
    app.js("document.querySelector('#sale-dialog-body .einvoices').scrollIntoView(); return true;");
    app.shot("sale-detail-en-billing");

    // A sale's event opens the Events tab on that delivery.
    app.click("#sale-dialog-body .sale-events button.link");
    app.wait_js(
        "the Events tab with the delivery opened",
        "return !document.getElementById('view-events').hidden && document.getElementById('sale-overlay').hidden",
    );
}

#[test]
fn phone_test_mode_puts_the_lan_address_in_the_qr_and_a_phone_pays_there() {
    // 127.0.0.2 stands for the PC's address on the shop's Wi-Fi.
    let app = App::launch_with("phone-test", &[("RECUR_POS_LAN_ADDRESS", "127.0.0.2")]);
    assert_eq!(
        app.js("return document.getElementById('env-stripe').dataset.lan"),
        "off",
        "off by default"
    );
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "the phone-test switch",
        "return !document.getElementById('phone-test').hidden",
    );
    app.click("#in-phone-test");
    app.wait_js(
        "the counter re-opened in phone-test mode",
        "return document.getElementById('env-stripe').dataset.lan === 'on' && !document.getElementById('view-settings').hidden",
    );
    assert!(
        app.text("#env-stripe").contains("127.0.0.2"),
        "{}",
        app.text("#env-stripe")
    );
    app.shot("settings-phone-test");

    app.click(".tab[data-view=\"sell\"]");
    app.wait_js(
        "the catalogue",
        "return document.querySelectorAll('#tiles .tile').length > 0",
    );
    let checkout = app.charge("prod_latte", false, None);
    let png = app.shot("pay-phone-test");
    let codes = qr::decode_png(&png);
    let url = codes.first().expect("the QR on screen decodes");
    assert!(
        url.starts_with("http://127.0.0.2:"),
        "the QR carries the LAN address: {url}"
    );
    assert_eq!(url, &checkout.url);

    // The phone opens that page and pays with a test card, through the page's own form.
    let pay = format!("{}/pay", url.trim_end_matches('/'));
    let answer = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(pay)
        .form(&[
            ("email", "phone@example.tw"),
            ("card_number", PAY_CARD),
            ("exp", "12/30"),
            ("cvc", "123"),
        ])
        .send()
        .expect("the page on the LAN address answers");
    assert_eq!(answer.status().as_u16(), 303, "paid, sent to the return page");
    let back = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with("http://127.0.0.2:"),
        "a phone returns to a page it can reach: {back}"
    );
    app.wait_pay_state("PAID");
}
