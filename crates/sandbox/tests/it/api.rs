//! The REST API under /v1: creating and reading sessions, products, auth, errors, rate limit, TTL.

use std::time::Duration;

use recur_domain::Timestamp;
use recur_sandbox::{Catalog, SandboxConfig};
use serde_json::{json, Value};

use crate::support::{eventually, start, start_with};

const OK: &str = "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}";
const NO: &str = "https://shop.example/cancel";

#[test]
fn creates_sessions_from_camel_and_snake_case() {
    let env = start();
    let cases = [
        json!({"productId": "prod_gift_box", "successUrl": OK, "cancelUrl": NO, "customerEmail": "amy@example.tw",
               "customerName": "林小美", "metadata": {"transaction_id": "txn_1"}}),
        json!({"product_id": "prod_gift_box", "success_url": OK, "cancel_url": NO, "customer_email": "amy@example.tw",
               "customer_name": "林小美", "metadata": {"transaction_id": "txn_1"}}),
    ];
    for body in cases {
        let a = env.api("POST", "/v1/checkout/sessions", Some(&body.to_string()));
        assert_eq!(a.status, 201, "{}", a.text);
        let s = &a.json;
        let id = s["id"].as_str().unwrap();
        assert_eq!(id.len(), 25, "{id}");
        assert!(id.starts_with('c') && id.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
        assert_eq!(s["object"], "checkout.session");
        assert_eq!(s["url"], format!("{}/checkout/{id}", env.sandbox.base_url()));
        assert_eq!(
            (s["status"].as_str(), s["mode"].as_str()),
            (Some("OPEN"), Some("PAYMENT"))
        );
        assert_eq!(
            (s["amount"].as_i64(), s["currency"].as_str()),
            (Some(1290), Some("TWD"))
        );
        assert_eq!(
            (s["productId"].as_str(), s["customerEmail"].as_str()),
            (Some("prod_gift_box"), Some("amy@example.tw"))
        );
        assert_eq!(s["customerName"], "林小美");
        assert_eq!(s["metadata"], json!({"transaction_id": "txn_1"}));
        assert_eq!(
            (s["successUrl"].as_str(), s["cancelUrl"].as_str()),
            (Some(OK), Some(NO))
        );
        for null in ["orderId", "subscriptionId", "paymentIntentId", "setupIntentId"] {
            assert!(s[null].is_null(), "{null}");
        }
        let created = Timestamp::parse_rfc3339(s["createdAt"].as_str().unwrap()).unwrap();
        let expires = Timestamp::parse_rfc3339(s["expiresAt"].as_str().unwrap()).unwrap();
        assert_eq!(expires.unix_ms() - created.unix_ms(), 30 * 60 * 1000);
        assert!(s["createdAt"].as_str().unwrap().ends_with('Z') && s["createdAt"].as_str().unwrap().len() == 24);
        assert_eq!(env.sandbox.session_json(id).unwrap(), a.json);
    }
    assert_eq!(env.sandbox.session_ids().len(), 2);
}

#[test]
fn mode_defaults_by_product_type_and_setup_costs_nothing() {
    let env = start();
    let cases = [
        ("prod_latte", None, "PAYMENT", 120),
        ("prod_coffee_monthly", None, "SUBSCRIPTION", 299),
        ("prod_member_yearly", Some("subscription"), "SUBSCRIPTION", 2990),
        ("prod_coffee_monthly", Some("SETUP"), "SETUP", 0),
        ("prod_latte", Some("Setup"), "SETUP", 0),
        ("prod_points_1000", Some("payment"), "PAYMENT", 1000),
    ];
    for (product, mode, expected_mode, amount) in cases {
        let extra = mode.map(|m| json!({"mode": m})).unwrap_or(json!({}));
        let s = env.create(product, extra);
        assert_eq!(
            (s["mode"].as_str(), s["amount"].as_i64()),
            (Some(expected_mode), Some(amount)),
            "{product} {mode:?}"
        );
    }
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

#[test]
fn malformed_json_and_the_alternative_key_header() {
    let env = start();
    for body in ["{", "[1,2]", "\"text\""] {
        let a = env.api("POST", "/v1/checkout/sessions", Some(body));
        assert_eq!((a.status, a.code()), (400, "invalid_request"), "{body}");
    }
    let resp = env
        .http
        .get(env.url("/v1/products"))
        .header("X-Recur-Secret-Key", env.sandbox.secret_key())
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

#[test]
fn a_second_subscription_for_the_same_email_conflicts() {
    let env = start();
    let s = env.create("prod_coffee_monthly", json!({"customerEmail": "Ben@Example.tw"}));
    // Only a paid subscription counts: a second open checkout is fine.
    env.create("prod_coffee_monthly", json!({"customerEmail": "ben@example.tw"}));
    assert_eq!(env.pay(s["id"].as_str().unwrap(), "ben@example.tw").status, 200);
    let body = json!({"productId": "prod_coffee_monthly", "successUrl": OK, "cancelUrl": NO, "customerEmail": "BEN@example.tw"});
    let a = env.api("POST", "/v1/checkout/sessions", Some(&body.to_string()));
    assert_eq!((a.status, a.code()), (409, "conflict"), "{}", a.text);
    // Another product, another customer, or a one-off purchase are not conflicts.
    env.create("prod_member_yearly", json!({"customerEmail": "ben@example.tw"}));
    env.create("prod_coffee_monthly", json!({"customerEmail": "cat@example.tw"}));
    env.create(
        "prod_coffee_monthly",
        json!({"customerEmail": "ben@example.tw", "mode": "SETUP"}),
    );
}

#[test]
fn reading_sessions_before_and_after_payment() {
    let env = start();
    assert_eq!(
        env.api("GET", "/v1/checkout/sessions/cnope", None).code(),
        "resource_not_found"
    );
    let cases = [
        ("prod_latte", "PAYMENT", true, false, false),
        ("prod_coffee_monthly", "SUBSCRIPTION", true, true, false),
        ("prod_latte", "SETUP", false, false, true),
    ];
    for (product, mode, order, subscription, setup) in cases {
        let s = env.create(product, json!({"mode": mode, "customerEmail": "old@example.tw"}));
        let id = s["id"].as_str().unwrap();
        let open = env.api("GET", &format!("/v1/checkout/sessions/{id}"), None);
        assert_eq!((open.status, open.json["status"].as_str()), (200, Some("OPEN")));
        assert_eq!(env.pay(id, "paid@example.tw").status, 200);
        let done = env.api("GET", &format!("/v1/checkout/sessions/{id}"), None).json;
        assert_eq!(done["status"], "COMPLETE", "{mode}");
        assert_eq!(done["customerEmail"], "paid@example.tw");
        assert!(Timestamp::parse_rfc3339(done["completedAt"].as_str().unwrap()).is_some());
        assert_eq!(done["orderId"].is_string(), order, "{mode} orderId");
        assert_eq!(done["paymentIntentId"].is_string(), order, "{mode} paymentIntentId");
        assert_eq!(
            done["subscriptionId"].is_string(),
            subscription,
            "{mode} subscriptionId"
        );
        assert_eq!(done["setupIntentId"].is_string(), setup, "{mode} setupIntentId");
    }
}

#[test]
fn products_page_through_the_catalogue() {
    let env = start();
    let builtin = Catalog::builtin();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/v1/products?limit=3&starting_after={a}"),
            None => "/v1/products?limit=3".to_owned(),
        };
        let page = env.api("GET", &path, None).json;
        let products = page["products"].as_array().unwrap().clone();
        assert!(products.len() <= 3);
        seen.extend(products.iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        after = products.last().map(|p| p["id"].as_str().unwrap().to_owned());
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    let expected: Vec<String> = builtin.products.iter().map(|p| p.id.clone()).collect();
    assert_eq!(seen, expected);
    let all = env.api("GET", "/v1/products", None).json;
    assert_eq!(all["products"].as_array().unwrap().len(), expected.len().min(20));
    let monthly = all["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "prod_coffee_monthly")
        .unwrap();
    let keys = [
        "id",
        "name",
        "description",
        "type",
        "price",
        "currency",
        "billing_period",
        "trial_days",
        "active",
    ];
    for k in keys {
        assert!(monthly.get(k).is_some(), "{k}");
    }
    assert_eq!(
        (monthly["type"].as_str(), monthly["billing_period"].as_str()),
        (Some("SUBSCRIPTION"), Some("MONTHLY"))
    );
    assert_eq!(
        (monthly["price"].as_i64(), monthly["trial_days"].as_i64()),
        (Some(299), Some(7))
    );
    for bad in ["limit=101", "limit=0", "limit=ten", "starting_after=prod_nope"] {
        let a = env.api("GET", &format!("/v1/products?{bad}"), None);
        assert_eq!((a.status, a.code()), (400, "invalid_request"), "{bad}");
    }
    assert_eq!(env.api("GET", "/v1/products?limit=100", None).status, 200);
}

#[test]
fn a_catalogue_file_replaces_the_builtin_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.json");
    let text = r#"[{"id":"tea","name":"烏龍茶","type":"ONE_TIME","price":60},
        {"id":"club","name":"茶友會","type":"SUBSCRIPTION","price":199,"billing_period":"WEEKLY"}]"#;
    std::fs::write(&path, text).unwrap();
    let catalog = Catalog::from_json_file(&path).unwrap();
    let env = start_with(SandboxConfig {
        catalog,
        ..SandboxConfig::for_tests()
    });
    let page = env.api("GET", "/v1/products", None).json;
    let ids: Vec<&str> = page["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["tea", "club"]);
    assert_eq!(page["products"][0]["currency"], "TWD");
    assert_eq!(page["products"][0]["active"], true);
    assert_eq!(env.create("club", json!({}))["mode"], "SUBSCRIPTION");
    std::fs::write(&path, r#"[{"id":"tea","name":"x","type":"ONE_TIME","price":10}]"#).unwrap();
    assert_eq!(Catalog::from_json_file(&path).unwrap_err().code(), "invalid_catalog");
}

#[test]
fn unknown_paths_and_wrong_methods() {
    let env = start();
    let cases = [
        ("GET", "/v1/nothing", 404, "resource_not_found"),
        ("GET", "/v2/products", 404, "resource_not_found"),
        ("GET", "/v1/checkout/sessions", 405, "method_not_allowed"),
        ("DELETE", "/v1/checkout/sessions/abc", 405, "method_not_allowed"),
        ("POST", "/v1/products", 405, "method_not_allowed"),
    ];
    for (method, path, status, code) in cases {
        let a = env.api(method, path, None);
        assert_eq!((a.status, a.code()), (status, code), "{method} {path}");
    }
}

#[test]
fn the_rate_limit_answers_429_with_retry_after() {
    let env = start_with(SandboxConfig {
        rate_limit_per_min: Some(5),
        ..SandboxConfig::for_tests()
    });
    for i in 0..5 {
        assert_eq!(env.api("GET", "/v1/products", None).status, 200, "request {i}");
    }
    let a = env.api("GET", "/v1/products", None);
    assert_eq!(a.status, 429);
    let retry: u64 = a.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // The limit is per key: another (publishable) key still gets through.
    assert_eq!(
        env.api_with_key("GET", "/v1/products", None, Some("pk_test_x")).status,
        200
    );
    // The control API is never limited.
    assert_eq!(env.get("/_sandbox/faults").status, 200);
}

#[test]
fn sessions_expire_after_their_ttl() {
    let env = start_with(SandboxConfig {
        session_ttl: Duration::from_millis(300),
        ..SandboxConfig::for_tests()
    });
    let s = env.create("prod_latte", json!({}));
    let id = s["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/checkout/sessions/{id}");
    eventually(Duration::from_secs(5), "the session to expire", || {
        let status = env.api("GET", &path, None).json["status"].as_str().map(str::to_owned);
        assert_ne!(status.as_deref(), Some("COMPLETE"));
        (status.as_deref() == Some("EXPIRED")).then_some(())
    });
    let a = env.pay(&id, "late@example.tw");
    assert_eq!(a.status, 410, "{}", a.text);
    assert_eq!(env.sandbox.session_json(&id).unwrap()["status"], "EXPIRED");
}

pub fn id_of(s: &Value) -> String {
    s["id"].as_str().unwrap().to_owned()
}
