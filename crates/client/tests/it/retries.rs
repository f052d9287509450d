//! Retries under injected faults: reads recover, a create Recur may have acted on is never
//! repeated. Exact attempt counts come from the scripted stub server; the sandbox shows the
//! consequence that matters (how many sessions exist).

use std::time::Duration;

use recur_client::{RecurClient, RecurError};
use recur_domain::{CheckoutId, ProductId};
use recur_sandbox::{Faults, SandboxConfig};

use crate::support::{self, checkout, client, fast_config, product_of_type, Reply, Stub};

const SESSION: &str = r#"{"id":"cs_1","url":"https://checkout.recur.tw/cs_1","status":"OPEN"}"#;
const BOOM: &str = r#"{"error":{"code":"internal_error","message":"boom"}}"#;

#[tokio::test]
async fn reads_survive_a_flaky_sandbox() {
    let sandbox = support::sandbox_with(SandboxConfig {
        seed: Some(7),
        ..SandboxConfig::for_tests()
    });
    let mut config = fast_config(&sandbox.base_url(), sandbox.secret_key());
    config.max_read_attempts = 12;
    let client = RecurClient::new(config).expect("config");
    let product = product_of_type(&client, "ONE_TIME").await;
    let id = client
        .create_checkout(&checkout(&product.id, None))
        .await
        .expect("create")
        .id;
    sandbox.set_faults(Faults {
        api_500_rate: 0.5,
        ..Faults::default()
    });
    let before = sandbox.api_request_count();
    for round in 0..8 {
        client
            .get_checkout(&id)
            .await
            .unwrap_or_else(|e| panic!("read {round}: {e}"));
        client
            .list_products(Some(3), None)
            .await
            .unwrap_or_else(|e| panic!("list {round}: {e}"));
    }
    let sent = sandbox.api_request_count() - before;
    assert!(sent > 16, "some of the 16 reads needed a retry ({sent} requests)");
}

#[tokio::test]
async fn a_create_answered_500_is_not_repeated() {
    let sandbox = support::sandbox();
    let client = client(&sandbox);
    let product = product_of_type(&client, "ONE_TIME").await;
    let (sessions, requests) = (sandbox.session_ids().len(), sandbox.api_request_count());
    // The sandbox answers 500 after it made the session: exactly what a retry would double.
    sandbox.set_faults(Faults {
        api_500_rate: 1.0,
        ..Faults::default()
    });
    let err = client.create_checkout(&checkout(&product.id, None)).await.unwrap_err();
    assert!(matches!(err, RecurError::Server { status: 500, .. }), "{err:?}");
    assert_eq!(
        sandbox.api_request_count(),
        requests + 1,
        "exactly one request reached the sandbox"
    );
    assert_eq!(
        sandbox.session_ids().len(),
        sessions + 1,
        "exactly one session was made"
    );
}

#[tokio::test]
async fn a_create_that_timed_out_is_not_repeated() {
    let sandbox = support::sandbox();
    let mut config = fast_config(&sandbox.base_url(), sandbox.secret_key());
    config.timeout = Duration::from_millis(300);
    let client = RecurClient::new(config).expect("config");
    let product = product_of_type(&client, "ONE_TIME").await;
    let (sessions, requests) = (sandbox.session_ids().len(), sandbox.api_request_count());
    sandbox.set_faults(Faults {
        api_slow_ms: 1000,
        ..Faults::default()
    });
    let err = client.create_checkout(&checkout(&product.id, None)).await.unwrap_err();
    assert_eq!(err, RecurError::Timeout);
    assert_eq!(
        sandbox.api_request_count(),
        requests + 1,
        "exactly one request reached the sandbox"
    );
    assert_eq!(
        sandbox.session_ids().len(),
        sessions + 1,
        "exactly one session was made"
    );
}

/// Runs one create against a stub answering `script`; checks the outcome's code ("ok" for
/// success) and how many requests the stub received.
async fn check_create(script: Vec<Reply>, expected: &str, attempts: usize) {
    let stub = Stub::start(script).await;
    let client = RecurClient::new(fast_config(&stub.base_url, "sk_test_stub")).expect("config");
    let outcome = client.create_checkout(&checkout(&ProductId::new("p1"), None)).await;
    let code = outcome.as_ref().map(|_| "ok").unwrap_or_else(|e| e.code());
    assert_eq!((code, stub.requests().len()), (expected, attempts), "{outcome:?}");
}

/// As [`check_create`], for a read.
async fn check_read(script: Vec<Reply>, expected: &str, attempts: usize) {
    let stub = Stub::start(script).await;
    let client = RecurClient::new(fast_config(&stub.base_url, "sk_test_stub")).expect("config");
    let outcome = client.get_checkout(&CheckoutId::new("cs_1")).await;
    let code = outcome.as_ref().map(|_| "ok").unwrap_or_else(|e| e.code());
    assert_eq!((code, stub.requests().len()), (expected, attempts), "{outcome:?}");
}

#[tokio::test]
async fn attempt_counts_per_answer() {
    let ok = || Reply::new(200, SESSION);
    let created = || Reply::new(201, SESSION);
    let boom = || Reply::new(500, BOOM);
    let limited = || Reply::new(429, "").header("Retry-After", "0");
    // Reads: transient failures retried up to max_read_attempts (4).
    check_read(vec![boom(), ok()], "ok", 2).await;
    check_read(vec![boom()], "server", 4).await;
    check_read(vec![Reply::new(503, "down"), limited(), ok()], "ok", 3).await;
    check_read(vec![Reply::new(404, "{}")], "not_found", 1).await;
    check_read(vec![Reply::new(200, "<html>")], "undecodable", 1).await;
    // Creates: a 429 was not processed, so it is retried; anything else is not.
    check_create(vec![limited(), created()], "ok", 2).await;
    check_create(vec![limited()], "rate_limited", 4).await;
    check_create(vec![boom(), created()], "server", 1).await;
    check_create(vec![Reply::new(400, "{}"), created()], "invalid_request", 1).await;
    check_create(vec![Reply::new(200, "garbage"), created()], "undecodable", 1).await;
    check_create(vec![Reply::new(200, r#"{"id":"cs_1"}"#)], "undecodable", 1).await;
    check_create(
        vec![Reply::new(302, "").header("Location", "https://elsewhere.example/")],
        "undecodable",
        1,
    )
    .await;
}

#[tokio::test]
async fn a_create_without_answer_is_not_repeated() {
    let stub = Stub::start(vec![Reply::new(201, SESSION).delayed(Duration::from_secs(2))]).await;
    let mut config = fast_config(&stub.base_url, "sk_test_stub");
    config.timeout = Duration::from_millis(200);
    let client = RecurClient::new(config).expect("config");
    let err = client
        .create_checkout(&checkout(&ProductId::new("p1"), None))
        .await
        .unwrap_err();
    assert_eq!((err, stub.requests().len()), (RecurError::Timeout, 1));
}

#[tokio::test]
async fn requests_carry_the_contracts_headers_and_body() {
    let stub = Stub::start(vec![Reply::new(201, SESSION)]).await;
    let client = RecurClient::new(fast_config(&stub.base_url, "sk_test_stubkey")).expect("config");
    let mut req = checkout(&ProductId::new("prod_latte"), Some(recur_domain::Mode::Payment));
    req.metadata.insert("transaction_id".into(), "01TXN".into());
    client.create_checkout(&req).await.expect("create");
    client.list_products(Some(250), Some("prod a&b")).await.ok();
    let requests = stub.requests();
    let create = requests[0].to_ascii_lowercase();
    assert!(
        requests[0].starts_with("POST /v1/checkout/sessions HTTP/1.1\r\n"),
        "{}",
        requests[0]
    );
    for header in [
        "authorization: bearer sk_test_stubkey",
        "content-type: application/json",
        "accept: application/json",
        concat!("user-agent: recur-pos/", env!("CARGO_PKG_VERSION")),
    ] {
        assert!(create.contains(header), "missing {header} in {create}");
    }
    let body: serde_json::Value =
        serde_json::from_str(requests[0].split("\r\n\r\n").nth(1).expect("body")).expect("json");
    assert_eq!(body, req.to_json());
    assert!(
        requests[1].starts_with("GET /v1/products?limit=100&starting_after=prod+a%26b HTTP/1.1"),
        "{}",
        requests[1]
    );
}
