use super::*;
use serde_json::json;

fn ts(text: &str) -> Option<Timestamp> {
    Some(Timestamp::parse_rfc3339(text).expect("valid time"))
}

#[test]
fn create_body_is_the_briefs_camel_case() {
    let mut req = CreateCheckout::new(ProductId::new("prod_latte"), "https://shop.tw/ok", "https://shop.tw/no");
    assert_eq!(
        req.to_json(),
        json!({"productId": "prod_latte", "successUrl": "https://shop.tw/ok", "cancelUrl": "https://shop.tw/no"})
    );
    req.mode = Some(Mode::Subscription);
    req.customer_email = Some("a@b.c".into());
    req.customer_name = Some("王小明".into());
    req.metadata.insert("transaction_id".into(), "01J0TXN".into());
    assert_eq!(
        req.to_json(),
        json!({"productId": "prod_latte", "mode": "SUBSCRIPTION", "successUrl": "https://shop.tw/ok",
               "cancelUrl": "https://shop.tw/no", "customerEmail": "a@b.c", "customerName": "王小明",
               "metadata": {"transaction_id": "01J0TXN"}})
    );
}

#[test]
fn reads_a_camel_case_session() {
    let body = br#"{"id":"cuabc123","object":"checkout.session","url":"https://checkout.recur.tw/cuabc123",
        "status":"COMPLETE","mode":"SUBSCRIPTION","productId":"prod_monthly","amount":299,"currency":"TWD",
        "customerEmail":"a@b.c","customerName":"Amy","metadata":{"transaction_id":"t1"},
        "createdAt":"2026-11-29T09:00:00.000Z","expiresAt":"2026-11-29T09:30:00.000Z",
        "completedAt":"2026-11-29T09:10:00.000Z","orderId":"ord1","subscriptionId":"sub1",
        "paymentIntentId":"pi1","setupIntentId":null}"#;
    let s = decode_session(body).unwrap();
    let expected = CheckoutSession {
        id: CheckoutId::new("cuabc123"),
        url: "https://checkout.recur.tw/cuabc123".into(),
        status: SessionStatus::Complete,
        status_raw: "COMPLETE".into(),
        mode: Some(Mode::Subscription),
        product_id: Some(ProductId::new("prod_monthly")),
        amount: Some(Money::new(299)),
        currency: Some(Currency::twd()),
        expires_at: ts("2026-11-29T09:30:00Z"),
        completed_at: ts("2026-11-29T09:10:00Z"),
        order_id: Some(OrderId::new("ord1")),
        subscription_id: Some(SubscriptionId::new("sub1")),
        payment_intent_id: Some("pi1".into()),
        setup_intent_id: None,
        customer_email: Some("a@b.c".into()),
        customer_name: Some("Amy".into()),
        metadata: [("transaction_id".to_owned(), "t1".to_owned())].into(),
    };
    assert_eq!(s, expected);
}

#[test]
fn reads_a_snake_case_session_with_string_amount() {
    let body = br#"{"id":"cs_1","url":"https://checkout.recur.tw/cs_1","status":"completed","mode":"payment",
        "product_id":"p1","amount":"1290","currency":"twd","expires_at":"2026-11-29T17:30:00+08:00",
        "order_id":"o1","payment_intent_id":"pi","customer":{"email":"c@d.e","name":"Chen"},
        "metadata":{"transaction_id":"t2"}}"#;
    let s = decode_session(body).unwrap();
    assert_eq!(s.status, SessionStatus::Complete);
    assert_eq!(s.status_raw, "completed");
    assert_eq!(s.mode, Some(Mode::Payment));
    assert_eq!(s.amount, Some(Money::new(1290)));
    assert_eq!(s.currency, Some(Currency::twd()));
    assert_eq!(s.expires_at, ts("2026-11-29T09:30:00Z"));
    assert_eq!(s.order_id, Some(OrderId::new("o1")));
    assert_eq!(s.customer_email.as_deref(), Some("c@d.e"));
    assert_eq!(s.customer_name.as_deref(), Some("Chen"));
    assert_eq!(s.metadata.get("transaction_id").map(String::as_str), Some("t2"));
}

#[test]
fn status_values_in_any_spelling() {
    let cases = [
        ("OPEN", SessionStatus::Open),
        ("open", SessionStatus::Open),
        ("pending", SessionStatus::Open),
        ("COMPLETE", SessionStatus::Complete),
        ("COMPLETED", SessionStatus::Complete),
        ("complete", SessionStatus::Complete),
        ("Expired", SessionStatus::Expired),
        // Unknown: keep waiting, never invent a payment.
        ("processing", SessionStatus::Open),
        ("", SessionStatus::Open),
    ];
    for (raw, expected) in cases {
        let body = json!({"id": "s", "url": "u", "status": raw}).to_string();
        let s = decode_session(body.as_bytes()).unwrap();
        assert_eq!((s.status, s.status_raw.as_str()), (expected, raw), "{raw:?}");
    }
}

#[test]
fn minimal_and_wrapped_sessions() {
    let s = decode_session(br#"{"id":"s1","url":"https://x/s1"}"#).unwrap();
    assert_eq!(
        (s.id.as_str(), s.status, s.mode, s.amount),
        ("s1", SessionStatus::Open, None, None)
    );
    assert!(s.metadata.is_empty());
    let s = decode_session(br#"{"data":{"id":"s2","url":"https://x/s2","status":"EXPIRED"}}"#).unwrap();
    assert_eq!((s.id.as_str(), s.status), ("s2", SessionStatus::Expired));
}

#[test]
fn undecodable_sessions() {
    let cases: [&[u8]; 7] = [
        b"<html>oops</html>",
        b"",
        b"[]",
        br#"{"url":"https://x"}"#,
        br#"{"id":"s","amount":"lots"}"#,
        br#"{"id":"s","mode":"BARTER"}"#,
        br#"{"id":"s","expiresAt":"soon"}"#,
    ];
    for body in cases {
        let err = decode_session(body).unwrap_err();
        assert_eq!(err.code(), "undecodable", "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn reads_product_pages_in_every_shape() {
    let camel = r#"{"products":[{"id":"prod_latte","name":"拿鐵咖啡","description":null,"type":"ONE_TIME",
        "price":120,"currency":"TWD","billingPeriod":null,"trialDays":null,"active":true}],"hasMore":true}"#
        .as_bytes();
    let snake = r#"{"data":[{"id":"prod_monthly","name":"咖啡月卡","type":"subscription","price":"299",
        "billing_period":"monthly","trial_days":7}],"has_more":false}"#
        .as_bytes();
    let bare = br#"[{"id":"p3","name":"x","price":30,"active":false}]"#;
    let page = decode_product_page(camel).unwrap();
    assert!(page.has_more);
    assert_eq!(
        page.products,
        [Product {
            id: ProductId::new("prod_latte"),
            name: "拿鐵咖啡".into(),
            description: None,
            product_type: "ONE_TIME".into(),
            price: Money::new(120),
            currency: Currency::twd(),
            billing_period: None,
            trial_days: None,
            active: true,
        }]
    );
    let page = decode_product_page(snake).unwrap();
    let p = &page.products[0];
    assert!(!page.has_more);
    let got = (
        p.product_type.as_str(),
        p.price,
        p.billing_period.as_deref(),
        p.trial_days,
        p.active,
    );
    assert_eq!(got, ("SUBSCRIPTION", Money::new(299), Some("MONTHLY"), Some(7), true));
    let page = decode_product_page(bare).unwrap();
    assert_eq!(
        (page.products[0].active, page.products[0].product_type.as_str()),
        (false, "ONE_TIME")
    );
}

#[test]
fn inactive_by_status_and_undecodable_products() {
    let page = decode_product_page(br#"{"products":[{"id":"p","price":30,"status":"ARCHIVED"}]}"#).unwrap();
    assert!(!page.products[0].active);
    let cases: [&[u8]; 5] = [
        br#"{"items_missing":true}"#,
        br#"{"products":[{"id":"p"}]}"#,
        br#"{"products":[{"price":30}]}"#,
        br#"{"products":[{"id":"p","price":30,"trial_days":-1}]}"#,
        b"garbage",
    ];
    for body in cases {
        assert_eq!(
            decode_product_page(body).unwrap_err().code(),
            "undecodable",
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}
