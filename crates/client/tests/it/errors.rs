//! Every error class, each provoked for real: by the sandbox's rules, by its fault injection,
//! or by a closed port.

use std::time::Duration;

use recur_client::{RecurClient, RecurError};
use recur_domain::{CheckoutId, Mode, ProductId};
use recur_sandbox::Faults;

use crate::support::{self, checkout, client, closed_port, fast_config, pay, product_of_type};

#[tokio::test]
async fn wrong_key_is_unauthorized_and_never_echoed() {
    let sandbox = support::sandbox();
    let wrong = "sk_test_wrong_key_0123456789";
    let client = RecurClient::new(fast_config(&sandbox.base_url(), wrong)).expect("config");
    let err = client.list_products(None, None).await.unwrap_err();
    assert!(matches!(err, RecurError::Unauthorized { .. }), "{err:?}");
    let err = client
        .create_checkout(&checkout(&ProductId::new("prod_latte"), None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unauthorized");
    for text in [format!("{err}"), format!("{err:?}"), format!("{client:?}")] {
        assert!(!text.contains(wrong), "the key leaked into {text}");
    }
}

#[tokio::test]
async fn invalid_requests_name_the_field() {
    let sandbox = support::sandbox();
    let client = client(&sandbox);
    let product = product_of_type(&client, "ONE_TIME").await;
    let plain_http = "http://shop.example/ok";
    let cases: [(&str, String, String, &str); 4] = [
        (
            "missing success URL",
            String::new(),
            "https://shop.example/no".into(),
            "successUrl",
        ),
        (
            "non-https success URL",
            plain_http.into(),
            "https://shop.example/no".into(),
            "successUrl",
        ),
        (
            "missing cancel URL",
            "https://shop.example/ok".into(),
            String::new(),
            "cancelUrl",
        ),
        (
            "non-https cancel URL",
            "https://shop.example/ok".into(),
            plain_http.into(),
            "cancelUrl",
        ),
    ];
    for (name, success, cancel, field) in cases {
        let mut req = checkout(&product.id, None);
        req.success_url = success;
        req.cancel_url = cancel;
        let err = client.create_checkout(&req).await.unwrap_err();
        assert_eq!(err.code(), "invalid_request", "{name}: {err}");
        assert_eq!(err.field(), Some(field), "{name}: {err:?}");
    }
}

#[tokio::test]
async fn unknown_product_and_session_are_not_found() {
    let sandbox = support::sandbox();
    let client = client(&sandbox);
    let err = client
        .create_checkout(&checkout(&ProductId::new("prod_does_not_exist"), None))
        .await
        .unwrap_err();
    assert!(matches!(err, RecurError::NotFound { .. }), "{err:?}");
    let err = client
        .get_checkout(&CheckoutId::new("cnosuchsession000000000000"))
        .await
        .unwrap_err();
    assert!(matches!(err, RecurError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn second_subscription_for_a_subscriber_is_a_conflict() {
    let sandbox = support::sandbox();
    let client = client(&sandbox);
    let plan = product_of_type(&client, "SUBSCRIPTION").await;
    let mut req = checkout(&plan.id, Some(Mode::Subscription));
    req.customer_email = Some("regular@example.tw".into());
    let first = client.create_checkout(&req).await.expect("first subscription");
    pay(&sandbox, first.id.as_str(), "regular@example.tw").await;
    let err = client.create_checkout(&req).await.unwrap_err();
    assert!(matches!(err, RecurError::Conflict { .. }), "{err:?}");
}

#[tokio::test]
async fn injected_faults_map_to_their_errors() {
    let sandbox = support::sandbox();
    let client = client(&sandbox);
    let id = client
        .create_checkout(&checkout(&product_of_type(&client, "ONE_TIME").await.id, None))
        .await
        .expect("create")
        .id;
    let cases = [
        (
            Faults {
                api_429_rate: 1.0,
                ..Faults::default()
            },
            RecurError::RateLimited {
                retry_after: Some(Duration::from_secs(1)),
            },
        ),
        (
            Faults {
                api_garbage_rate: 1.0,
                ..Faults::default()
            },
            RecurError::Undecodable { message: String::new() },
        ),
    ];
    for (faults, expected) in cases {
        sandbox.set_faults(faults.clone());
        let err = client.get_checkout(&id).await.unwrap_err();
        assert_eq!(err.code(), expected.code(), "{faults:?}: {err:?}");
        if let RecurError::RateLimited { .. } = expected {
            assert_eq!(err, expected, "Retry-After is read");
        }
    }
    sandbox.set_faults(Faults {
        api_500_rate: 1.0,
        ..Faults::default()
    });
    let err = client.get_checkout(&id).await.unwrap_err();
    assert!(matches!(err, RecurError::Server { status: 500, .. }), "{err:?}");
    sandbox.set_faults(Faults::default());
    client.get_checkout(&id).await.expect("healthy again");
}

#[tokio::test]
async fn slow_answers_time_out() {
    let sandbox = support::sandbox();
    let mut config = fast_config(&sandbox.base_url(), sandbox.secret_key());
    config.timeout = Duration::from_millis(300);
    config.max_read_attempts = 2;
    let client = RecurClient::new(config).expect("config");
    sandbox.set_faults(Faults {
        api_slow_ms: 1500,
        ..Faults::default()
    });
    let started = std::time::Instant::now();
    let err = client.list_products(None, None).await.unwrap_err();
    assert_eq!(err, RecurError::Timeout);
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "each attempt stopped at the timeout"
    );
}

#[tokio::test]
async fn closed_port_is_a_network_error() {
    let base = format!("http://127.0.0.1:{}", closed_port());
    let client = RecurClient::new(fast_config(&base, "sk_test_abc")).expect("config");
    let err = client.list_products(None, None).await.unwrap_err();
    assert!(matches!(err, RecurError::Network { connect: true, .. }), "{err:?}");
    let err = client
        .create_checkout(&checkout(&ProductId::new("p"), None))
        .await
        .unwrap_err();
    assert!(matches!(err, RecurError::Network { connect: true, .. }), "{err:?}");
    assert!(err.is_retryable());
}
