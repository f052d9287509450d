//! Creating sessions (recur-api.md §2): both input casings and the integrators' fields
//! (`productSlug`, `externalCustomerId`, `promotionCode`); the answer snake_case without a
//! wrapper by default and camelCase behind the quirk; HTTPS return URLs; every refusal.

use recur_domain::event::camel_case;
use recur_domain::Timestamp;
use recur_sandbox::{Quirks, SandboxConfig};
use serde_json::{json, Value};

use crate::support::{start, start_with, start_with_receiver, Receiver, LONG};

const OK: &str = "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}";
const NO: &str = "https://shop.example/cancel";

/// Every key a session answers, in snake_case.
const KEYS: [&str; 23] = [
    "id",
    "object",
    "url",
    "status",
    "mode",
    "product_id",
    "amount",
    "currency",
    "customer_email",
    "customer_name",
    "external_customer_id",
    "promotion_code",
    "metadata",
    "success_url",
    "cancel_url",
    "created_at",
    "expires_at",
    "completed_at",
    "cancelled_at",
    "order_id",
    "subscription_id",
    "payment_intent_id",
    "setup_intent_id",
];

fn config(camel: bool) -> SandboxConfig {
    SandboxConfig {
        quirks: Quirks {
            camel_case: camel,
            ..Quirks::default()
        },
        ..SandboxConfig::for_tests()
    }
}

#[test]
fn sessions_answer_snake_case_by_default_and_camel_case_behind_the_quirk() {
    let inputs = [
        json!({"productId": "prod_gift_box", "successUrl": OK, "cancelUrl": NO, "customerEmail": "amy@example.tw",
               "customerName": "林小美", "metadata": {"transaction_id": "txn_1"}}),
        json!({"product_id": "prod_gift_box", "success_url": OK, "cancel_url": NO, "customer_email": "amy@example.tw",
               "customer_name": "林小美", "metadata": {"transaction_id": "txn_1"}}),
    ];
    for camel in [false, true] {
        let env = start_with(config(camel));
        let key = |name: &str| if camel { camel_case(name) } else { name.to_owned() };
        for body in &inputs {
            let a = env.api("POST", "/v1/checkout/sessions", Some(&body.to_string()));
            assert_eq!(a.status, 201, "{}", a.text);
            let s = a.json.as_object().expect("the session itself, no wrapper");
            let mut keys: Vec<String> = s.keys().cloned().collect();
            let mut expected: Vec<String> = KEYS.iter().map(|k| key(k)).collect();
            keys.sort();
            expected.sort();
            assert_eq!(keys, expected, "camel {camel}");
            let id = s["id"].as_str().unwrap();
            assert!(id.len() == 25 && id.starts_with('c'), "{id}");
            assert_eq!(s["url"], format!("{}/checkout/{id}", env.sandbox.base_url()));
            // REST keeps Recur's upper-case enum values.
            assert_eq!(
                (s["status"].as_str(), s["mode"].as_str()),
                (Some("OPEN"), Some("PAYMENT"))
            );
            assert_eq!(
                (s["amount"].as_i64(), s["currency"].as_str()),
                (Some(1290), Some("TWD"))
            );
            assert_eq!(s[&key("product_id")], "prod_gift_box");
            assert_eq!(s[&key("customer_email")], "amy@example.tw");
            assert_eq!(s[&key("customer_name")], "林小美");
            assert_eq!(
                s["metadata"],
                json!({"transaction_id": "txn_1"}),
                "metadata keys stay as sent"
            );
            assert_eq!(
                (s[&key("success_url")].as_str(), s[&key("cancel_url")].as_str()),
                (Some(OK), Some(NO))
            );
            let created = Timestamp::parse_rfc3339(s[&key("created_at")].as_str().unwrap()).unwrap();
            let expires = Timestamp::parse_rfc3339(s[&key("expires_at")].as_str().unwrap()).unwrap();
            assert_eq!(expires.unix_ms() - created.unix_ms(), 30 * 60 * 1000);
            let read = env.api("GET", &format!("/v1/checkout/sessions/{id}"), None).json;
            let control = env.get(&format!("/_sandbox/sessions/{id}")).json;
            assert_eq!((&read, &control), (&a.json, &a.json), "every route answers one shape");
            assert_eq!(env.sandbox.session_json(id).unwrap(), a.json);
        }
    }
}

#[test]
fn the_casing_can_be_switched_at_run_time() {
    let env = start();
    let id = env.create("prod_latte", json!({}))["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/checkout/sessions/{id}");
    assert!(env.api("GET", &path, None).json["product_id"].is_string());
    let set = env.post_json("/_sandbox/quirks", &json!({"camel_case": true}));
    assert_eq!(
        (set.status, set.json["einvoice"].as_str()),
        (200, Some("on")),
        "missing fields: defaults"
    );
    assert!(env.sandbox.quirks().camel_case);
    let read = env.api("GET", &path, None).json;
    assert!(
        read["productId"].is_string() && read.get("product_id").is_none(),
        "{read}"
    );
    assert_eq!(env.get("/_sandbox/quirks").json["camel_case"], true);
    assert_eq!(
        env.post_json("/_sandbox/quirks", &json!({"einvoice": "maybe"})).status,
        400
    );
}

#[test]
fn integrators_fields_product_slug_external_customer_id_and_promotion_code() {
    let receiver = Receiver::ok();
    let env = start_with_receiver(&receiver, SandboxConfig::for_tests());
    // (body, expected product)
    let cases = [
        (json!({"productSlug": "gift-box"}), "prod_gift_box"),
        (json!({"product_slug": "coffee-monthly"}), "prod_coffee_monthly"),
        (
            json!({"productId": "prod_latte", "productSlug": "gift-box"}),
            "prod_latte",
        ),
    ];
    for (product, expected) in cases {
        let mut body = json!({"successUrl": OK, "cancelUrl": NO, "externalCustomerId": "member-0042",
            "promotionCode": "WELCOME10"});
        for (k, v) in product.as_object().unwrap() {
            body[k] = v.clone();
        }
        let a = env.api("POST", "/v1/checkout/sessions", Some(&body.to_string()));
        assert_eq!(a.status, 201, "{body}: {}", a.text);
        assert_eq!(a.json["product_id"], expected, "{body}");
        assert_eq!(a.json["external_customer_id"], "member-0042");
        assert_eq!(a.json["promotion_code"], "WELCOME10");
    }
    let snake = json!({"product_slug": "latte", "success_url": OK, "cancel_url": NO,
        "external_customer_id": "m-1", "promotion_code": "P"});
    let a = env.api("POST", "/v1/checkout/sessions", Some(&snake.to_string()));
    assert_eq!(
        (
            a.json["external_customer_id"].as_str(),
            a.json["promotion_code"].as_str()
        ),
        (Some("m-1"), Some("P"))
    );
    let id = a.json["id"].as_str().unwrap().to_owned();
    assert_eq!(env.pay(&id, "m1@example.tw").status, 200);
    assert!(env.sandbox.wait_idle(LONG));
    let paid: Vec<Value> = receiver
        .received()
        .iter()
        .map(|r| r.json())
        .filter(|b| b["type"] == "order.paid" && b["data"]["checkout_id"] == id.as_str())
        .collect();
    assert_eq!(
        paid[0]["data"]["customer"]["external_id"], "m-1",
        "the shop's customer id travels"
    );
    let unknown = json!({"productSlug": "no-such-thing", "successUrl": OK, "cancelUrl": NO});
    let a = env.api("POST", "/v1/checkout/sessions", Some(&unknown.to_string()));
    assert_eq!((a.status, a.code()), (404, "resource_not_found"));
}

/// (key, body, expected status, expected code, expected details field)
type Case = (Option<&'static str>, Value, u16, &'static str, Option<&'static str>);

#[test]
fn create_errors() {
    let env = start();
    let base = || json!({"productId": "prod_latte", "successUrl": OK, "cancelUrl": NO});
    let with = |k: &str, v: Value| {
        let mut b = base();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = base();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    let without_product_but = |k: &str, v: Value| {
        let mut b = without("productId");
        b[k] = v;
        b
    };
    let sk = Some("sk_test_sandbox");
    let cases: Vec<Case> = vec![
        (None, base(), 401, "unauthorized", None),
        (Some("sk_test_other"), base(), 401, "unauthorized", None),
        (Some("sk_live_sandbox"), base(), 401, "unauthorized", None),
        (
            Some("pk_test_abc"),
            with("metadata", json!({"transaction_id": "t"})),
            403,
            "forbidden",
            None,
        ),
        (sk, without("productId"), 400, "invalid_request", Some("productId")),
        (sk, without("successUrl"), 400, "invalid_request", Some("successUrl")),
        (sk, without("cancelUrl"), 400, "invalid_request", Some("cancelUrl")),
        (
            sk,
            with("productId", json!("")),
            400,
            "invalid_request",
            Some("productId"),
        ),
        (
            sk,
            with("successUrl", json!("http://shop.example/ok")),
            400,
            "invalid_request",
            Some("successUrl"),
        ),
        (
            sk,
            with("successUrl", json!("ftp://shop.example/ok")),
            400,
            "invalid_request",
            Some("successUrl"),
        ),
        (
            sk,
            with("successUrl", json!("not a url")),
            400,
            "invalid_request",
            Some("successUrl"),
        ),
        (
            sk,
            with("cancelUrl", json!("http://192.168.1.5/cancel")),
            400,
            "invalid_request",
            Some("cancelUrl"),
        ),
        // Not the sandbox's LAN address (phone-test mode is off): https only.
        (
            sk,
            with("successUrl", json!("http://127.0.0.2:8080/ok")),
            400,
            "invalid_request",
            Some("successUrl"),
        ),
        (
            sk,
            without_product_but("productSlug", json!("")),
            400,
            "invalid_request",
            Some("productId"),
        ),
        (
            sk,
            with("metadata", json!({"transaction_id": 5})),
            400,
            "invalid_request",
            Some("metadata"),
        ),
        (
            sk,
            with("metadata", json!({"nested": {"a": "b"}})),
            400,
            "invalid_request",
            Some("metadata"),
        ),
        (
            sk,
            with("metadata", json!(["a"])),
            400,
            "invalid_request",
            Some("metadata"),
        ),
        (sk, with("mode", json!("DONATE")), 400, "invalid_request", Some("mode")),
        (
            sk,
            with("customerEmail", json!("not-an-email")),
            400,
            "invalid_request",
            Some("customerEmail"),
        ),
        (
            sk,
            with("productId", json!("prod_nope")),
            404,
            "resource_not_found",
            None,
        ),
        (
            sk,
            with("productId", json!("prod_mooncake_2024")),
            404,
            "resource_not_found",
            None,
        ),
        (
            sk,
            with("mode", json!("SUBSCRIPTION")),
            400,
            "invalid_request",
            Some("mode"),
        ),
        // Allowed: loopback http (sandbox allowance) and a publishable key without metadata.
        (sk, with("successUrl", json!("http://127.0.0.1:8080/ok")), 201, "", None),
        (sk, with("successUrl", json!("http://localhost/ok")), 201, "", None),
        (sk, with("cancelUrl", json!("http://[::1]:9/c")), 201, "", None),
        (Some("pk_test_abc"), base(), 201, "", None),
    ];
    for (key, body, status, code, field) in cases {
        let a = env.api_with_key("POST", "/v1/checkout/sessions", Some(&body.to_string()), key);
        assert_eq!(a.status, status, "{key:?} {body}: {}", a.text);
        assert_eq!(a.code(), code, "{body}");
        if status >= 400 {
            assert!(
                a.json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{}",
                a.text
            );
        }
        if let Some(field) = field {
            assert_eq!(a.json["error"]["details"][0]["field"], field, "{body}");
            assert!(
                a.json["error"]["message"].as_str().unwrap().contains(field),
                "{}",
                a.text
            );
        }
    }
}
