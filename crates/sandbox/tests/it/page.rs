//! The hosted checkout page, driven by plain form posts as a browser would.

use serde_json::json;

use crate::api::id_of;
use crate::support::start;

const CARD: &str = "4147 6310 0000 0001";

#[test]
fn the_page_shows_the_sale_in_zh_tw_and_in_english() {
    let env = start();
    let s = env.create("prod_gift_box", json!({"customerEmail": "amy@example.tw"}));
    let id = id_of(&s);
    let zh = env.get(&format!("/checkout/{id}"));
    assert_eq!(zh.status, 200);
    assert!(zh.header("Content-Type").unwrap().starts_with("text/html"));
    for needle in [
        "lang=\"zh-TW\"",
        "禮盒",
        "NT$1,290",
        "value=\"amy@example.tw\"",
        ">付款<",
        ">取消<",
        "4147 6310 0000 0001",
        "3560 5110 0000 0001",
        "4000 0000 0000 0002",
        "4000 0000 0000 9995",
        "4000 0000 0000 0069",
        "?lang=en",
        "English",
        "name=\"card_number\"",
        "name=\"exp\"",
        "name=\"cvc\"",
        "name=\"email\"",
    ] {
        assert!(zh.text.contains(needle), "zh page lacks {needle}");
    }
    assert!(
        !zh.text.contains("<script") && !zh.text.contains("http://") && !zh.text.contains("https://"),
        "no external resources"
    );
    let en = env.get(&format!("/checkout/{id}?lang=en"));
    for needle in ["lang=\"en\"", "NT$1,290", ">Pay<", ">Cancel<", "中文", "?lang=zh-TW"] {
        assert!(en.text.contains(needle), "en page lacks {needle}");
    }
    let setup = env.create("prod_latte", json!({"mode": "SETUP"}));
    let page = env.get(&format!("/checkout/{}", id_of(&setup))).text;
    assert!(
        page.contains("僅儲存卡片，不會扣款") && page.contains(">儲存卡片<") && page.contains("NT$0"),
        "{page}"
    );
    assert_eq!(env.get("/checkout/cnope").status, 404);
}

#[test]
fn paying_redirects_to_the_success_url_once() {
    let env = start();
    let id = id_of(&env.create("prod_latte", json!({})));
    let a = env.post_form(
        &format!("/checkout/{id}/pay"),
        &[
            ("email", "amy@example.tw"),
            ("card_number", CARD),
            ("exp", "12/39"),
            ("cvc", "123"),
            ("lang", "zh-TW"),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.text);
    assert_eq!(
        a.header("Location").unwrap(),
        format!("https://shop.example/ok?session_id={id}")
    );
    let session = env.sandbox.session_json(&id).unwrap();
    assert_eq!(
        (session["status"].as_str(), session["customer_email"].as_str()),
        (Some("COMPLETE"), Some("amy@example.tw"))
    );
    let events = env.sandbox.events().len();
    let again = env.post_form(
        &format!("/checkout/{id}/pay"),
        &[("email", "amy@example.tw"), ("card_number", CARD)],
    );
    assert_eq!(again.status, 409);
    assert!(again.text.contains("已付款"));
    assert_eq!(env.sandbox.events().len(), events, "no second charge, no events");
    assert_eq!(env.sandbox.session_json(&id).unwrap()["order_id"], session["order_id"]);
    // Viewing a paid session shows that it is paid.
    assert!(env.get(&format!("/checkout/{id}")).text.contains("已付款"));
}

#[test]
fn declined_cards_show_the_page_again_with_the_reason() {
    let env = start();
    let id = id_of(&env.create("prod_latte", json!({})));
    let cases = [
        ("4000 0000 0000 0002", "12/39", "zh-TW", "卡片被拒絕"),
        ("4000-0000-0000-9995", "12/39", "zh-TW", "餘額不足"),
        ("4000000000000069", "12/39", "zh-TW", "卡片已過期"),
        (CARD, "01/20", "zh-TW", "卡片已過期"),
        ("4242 4242 4242 4242", "12/39", "zh-TW", "測試卡號"),
        ("4000 0000 0000 0002", "12/39", "en", "declined"),
        ("4000 0000 0000 9995", "12/39", "en", "Insufficient funds"),
        ("4242 4242 4242 4242", "12/39", "en", "test cards"),
    ];
    for (card, exp, lang, message) in cases {
        let form = [
            ("email", "amy@example.tw"),
            ("card_number", card),
            ("exp", exp),
            ("cvc", "123"),
            ("lang", lang),
        ];
        let a = env.post_form(&format!("/checkout/{id}/pay"), &form);
        assert_eq!(a.status, 402, "{card} {exp}");
        assert!(a.text.contains(message), "{card} {lang}: no {message}");
        assert!(a.text.contains("value=\"amy@example.tw\""), "the email is kept");
        assert_eq!(env.sandbox.session_json(&id).unwrap()["status"], "OPEN");
    }
}

#[test]
fn missing_fields_are_400_and_change_nothing() {
    let env = start();
    let id = id_of(&env.create("prod_latte", json!({})));
    let cases: [&[(&str, &str)]; 4] = [
        &[("card_number", CARD)],
        &[("email", ""), ("card_number", CARD)],
        &[("email", "amy@example.tw")],
        &[("email", "amy@example.tw"), ("card_number", CARD), ("exp", "someday")],
    ];
    for form in cases {
        let a = env.post_form(&format!("/checkout/{id}/pay"), form);
        assert_eq!(a.status, 400, "{form:?}");
        assert!(a.text.contains("class=\"error\""), "{form:?}");
    }
    assert_eq!(env.sandbox.session_json(&id).unwrap()["status"], "OPEN");
    assert!(env.sandbox.events().iter().all(|e| e["type"] == "checkout.created"));
}

#[test]
fn cancel_redirects_and_the_session_stays_open() {
    let env = start();
    let id = id_of(&env.create(
        "prod_latte",
        json!({"cancelUrl": "https://shop.example/back?c={CHECKOUT_SESSION_ID}"}),
    ));
    let a = env.post_form(&format!("/checkout/{id}/cancel"), &[("lang", "zh-TW")]);
    assert_eq!(a.status, 303);
    assert_eq!(
        a.header("Location").unwrap(),
        format!("https://shop.example/back?c={id}")
    );
    let s = env.sandbox.session_json(&id).unwrap();
    assert_eq!(s["status"], "OPEN");
    assert!(s["cancelled_at"].is_string());
}

#[test]
fn an_expired_session_cannot_be_paid() {
    let env = start();
    let id = id_of(&env.create("prod_latte", json!({})));
    assert_eq!(
        env.post_json(&format!("/_sandbox/sessions/{id}/expire"), &json!({}))
            .status,
        200
    );
    let a = env.post_form(
        &format!("/checkout/{id}/pay"),
        &[("email", "amy@example.tw"), ("card_number", CARD)],
    );
    assert_eq!(a.status, 410);
    assert!(a.text.contains("已過期"));
    let view = env.get(&format!("/checkout/{id}?lang=en"));
    assert_eq!(view.status, 410);
    assert!(view.text.contains("expired"));
}

#[test]
fn the_return_pages_exist() {
    let env = start();
    let cases = [
        ("/_sandbox/return/success?session_id=c123", "付款完成"),
        ("/_sandbox/return/cancel", "已取消"),
        ("/_sandbox/return/success?lang=en", "Payment complete"),
    ];
    for (path, needle) in cases {
        let a = env.get(path);
        assert_eq!(a.status, 200, "{path}");
        assert!(a.text.contains(needle), "{path}");
    }
    // Usable as real success/cancel URLs: loopback http is allowed.
    let ok = format!(
        "{}/_sandbox/return/success?session_id={{CHECKOUT_SESSION_ID}}",
        env.sandbox.base_url()
    );
    let s = env.create("prod_latte", json!({"successUrl": ok}));
    let a = env.post_form(
        &format!("/checkout/{}/pay", id_of(&s)),
        &[("email", "a@b.tw"), ("card_number", CARD)],
    );
    let landing = env
        .http
        .get(a.header("Location").unwrap())
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(landing.contains("付款完成") && landing.contains(&id_of(&s)));
}
