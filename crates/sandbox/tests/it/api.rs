//! The REST API under /v1: creating and reading sessions, products, auth, errors, rate limit, TTL.

use std::time::Duration;

use recur_domain::Timestamp;
use recur_sandbox::{Catalog, SandboxConfig};
use serde_json::{json, Value};

use crate::support::{eventually, start, start_with};

const OK: &str = "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}";
const NO: &str = "https://shop.example/cancel";

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
        assert_eq!(done["customer_email"], "paid@example.tw");
        assert!(Timestamp::parse_rfc3339(done["completed_at"].as_str().unwrap()).is_some());
        assert_eq!(done["order_id"].is_string(), order, "{mode} order_id");
        assert_eq!(done["payment_intent_id"].is_string(), order, "{mode} payment_intent_id");
        assert_eq!(
            done["subscription_id"].is_string(),
            subscription,
            "{mode} subscription_id"
        );
        assert_eq!(done["setup_intent_id"].is_string(), setup, "{mode} setup_intent_id");
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
