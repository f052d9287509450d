//! Every endpoint against the real sandbox: create in each mode, read back, pay, expire, list;
//! the session tests run against both casings the sandbox can answer in (recur-api.md §2).

use std::collections::{BTreeMap, HashSet};

use recur_client::{decode_session, ClientConfig, Environment, RecurClient, RecurError};
use recur_domain::{CheckoutId, Currency, Mode, Money, SessionStatus, Timestamp};

use crate::support::{self, checkout, client, control, pay, product_of_type, Casing, Reply, Stub, CASINGS};

#[tokio::test]
async fn creates_in_every_mode_with_metadata_and_prefill() {
    for casing in CASINGS {
        creates_in_every_mode_with_metadata_and_prefill_in(casing).await;
    }
}

#[tokio::test]
async fn mode_defaults_to_the_products_type() {
    for casing in CASINGS {
        mode_defaults_to_the_products_type_in(casing).await;
    }
}

#[tokio::test]
async fn paid_sessions_read_complete_with_their_ids() {
    for casing in CASINGS {
        paid_sessions_read_complete_with_their_ids_in(casing).await;
    }
}

#[tokio::test]
async fn expired_sessions_read_expired() {
    for casing in CASINGS {
        expired_sessions_read_expired_in(casing).await;
    }
}

async fn creates_in_every_mode_with_metadata_and_prefill_in(casing: Casing) {
    let sandbox = support::sandbox_in(casing);
    let client = client(&sandbox);
    let one_time = product_of_type(&client, "ONE_TIME").await;
    let subscription = product_of_type(&client, "SUBSCRIPTION").await;
    let cases = [
        (&one_time, Mode::Payment, one_time.price),
        (&subscription, Mode::Subscription, subscription.price),
        (&one_time, Mode::Setup, Money::ZERO),
    ];
    for (product, mode, amount) in cases {
        let mut req = checkout(&product.id, Some(mode));
        req.customer_email = Some("amy@example.tw".into());
        req.customer_name = Some("林小美".into());
        req.metadata = BTreeMap::from([("transaction_id".to_owned(), format!("txn-{mode}"))]);
        let before = Timestamp::now();
        let created = client
            .create_checkout(&req)
            .await
            .unwrap_or_else(|e| panic!("{casing:?} {mode}: {e}"));

        assert_eq!(created.status, SessionStatus::Open, "{mode}");
        assert_eq!(created.mode, Some(mode));
        assert_eq!(created.product_id.as_ref(), Some(&product.id));
        assert_eq!(created.amount, Some(amount), "{mode}");
        assert_eq!(created.currency, Some(Currency::twd()));
        assert_eq!(created.customer_email.as_deref(), Some("amy@example.tw"));
        assert_eq!(created.customer_name.as_deref(), Some("林小美"));
        assert_eq!(created.metadata, req.metadata);
        assert!(created.url.contains(created.id.as_str()), "{}", created.url);
        assert!(
            created.expires_at.is_some_and(|t| t > before),
            "{:?}",
            created.expires_at
        );
        assert_eq!(
            sandbox.session_ids().last().map(String::as_str),
            Some(created.id.as_str())
        );

        let read = client.get_checkout(&created.id).await.expect("read back");
        assert_eq!(
            read, created,
            "{casing:?} {mode}: a fresh session reads as it was created"
        );
        let raw = sandbox.session_json(created.id.as_str()).expect("the sandbox knows it");
        let camel = raw.get("productId").is_some() && raw.get("product_id").is_none();
        assert_eq!(
            camel,
            matches!(casing, Casing::Camel),
            "the sandbox answers in {casing:?}"
        );
        assert_eq!(
            decode_session(raw.to_string().as_bytes()),
            Ok(read),
            "{mode}: session_json is what GET answers"
        );
    }
}

async fn mode_defaults_to_the_products_type_in(casing: Casing) {
    let sandbox = support::sandbox_in(casing);
    let client = client(&sandbox);
    for (product_type, mode) in [("ONE_TIME", Mode::Payment), ("SUBSCRIPTION", Mode::Subscription)] {
        let product = product_of_type(&client, product_type).await;
        let created = client
            .create_checkout(&checkout(&product.id, None))
            .await
            .expect("create");
        assert_eq!(created.mode, Some(mode), "{product_type}");
    }
}

async fn paid_sessions_read_complete_with_their_ids_in(casing: Casing) {
    let sandbox = support::sandbox_in(casing);
    let client = client(&sandbox);
    let one_time = product_of_type(&client, "ONE_TIME").await;
    let subscription = product_of_type(&client, "SUBSCRIPTION").await;
    // (product, mode, expect order, expect subscription, expect payment intent, expect setup intent)
    let cases = [
        (&one_time, Mode::Payment, true, false, true, false),
        (&subscription, Mode::Subscription, true, true, true, false),
        (&one_time, Mode::Setup, false, false, false, true),
    ];
    for (product, mode, order, subscription, payment_intent, setup_intent) in cases {
        let created = client
            .create_checkout(&checkout(&product.id, Some(mode)))
            .await
            .expect("create");
        assert_eq!((created.order_id.as_ref(), created.completed_at), (None, None));
        pay(&sandbox, created.id.as_str(), "payer@example.tw").await;

        let paid = client.get_checkout(&created.id).await.expect("read paid");
        assert_eq!(paid.status, SessionStatus::Complete, "{mode}: {}", paid.status_raw);
        assert_eq!(paid.order_id.is_some(), order, "{mode} order id");
        assert_eq!(paid.subscription_id.is_some(), subscription, "{mode} subscription id");
        assert_eq!(
            paid.payment_intent_id.is_some(),
            payment_intent,
            "{mode} payment intent"
        );
        assert_eq!(paid.setup_intent_id.is_some(), setup_intent, "{mode} setup intent");
        assert!(paid.completed_at.is_some(), "{mode} completed_at");
        assert_eq!(paid.customer_email.as_deref(), Some("payer@example.tw"));
    }
}

async fn expired_sessions_read_expired_in(casing: Casing) {
    let sandbox = support::sandbox_in(casing);
    let client = client(&sandbox);
    let product = product_of_type(&client, "ONE_TIME").await;
    let created = client
        .create_checkout(&checkout(&product.id, None))
        .await
        .expect("create");
    let (status, body) = control(&sandbox, created.id.as_str(), "expire", serde_json::json!({})).await;
    assert_eq!(status, 200, "{body}");
    let read = client.get_checkout(&created.id).await.expect("read");
    assert_eq!(read.status, SessionStatus::Expired, "{}", read.status_raw);
}

#[tokio::test]
async fn lists_products_page_by_page() {
    let sandbox = support::sandbox();
    let client = client(&sandbox);
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = client.list_products(Some(2), after.as_deref()).await.expect("page");
        pages += 1;
        assert!(page.products.len() <= 2, "limit 2 honoured");
        after = page.products.last().map(|p| p.id.as_str().to_owned());
        paged.extend(page.products);
        if !page.has_more {
            break;
        }
        assert!(pages < 50, "has_more never ends");
    }
    let all = client.all_products().await.expect("all");
    assert!(pages >= 3, "the catalogue spans several pages of 2 (got {pages})");
    assert_eq!(paged, all, "paging by 2 and all_products agree");
    let ids: HashSet<_> = all.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids.len(), all.len(), "no product twice");
    assert!(all
        .iter()
        .all(|p| p.currency == Currency::twd() && p.price >= Money::new(30)));
    assert!(all
        .iter()
        .any(|p| p.product_type == "SUBSCRIPTION" && p.billing_period.is_some()));
    let default_page = client.list_products(None, None).await.expect("default page");
    assert_eq!(default_page.products.first(), all.first());
}

#[tokio::test]
async fn keys_and_base_urls() {
    let sandbox = support::sandbox();
    let base = sandbox.base_url();
    for variant in [
        base.clone(),
        format!("{base}/"),
        format!("{base}/v1"),
        format!("{base}/v1/"),
    ] {
        let client = RecurClient::new(support::fast_config(&variant, sandbox.secret_key())).expect("config");
        assert_eq!(client.environment(), Environment::Sandbox);
        assert_eq!(client.base_url(), base);
        let page = client
            .list_products(Some(1), None)
            .await
            .unwrap_or_else(|e| panic!("{variant}: {e}"));
        assert_eq!(page.products.len(), 1);
    }
    let refused = RecurClient::new(ClientConfig::new(&base, recur_domain::Secret::new("pk_test_abc")));
    assert_eq!(refused.unwrap_err(), RecurError::PublishableKey);
    let empty = RecurClient::new(ClientConfig::new(&base, recur_domain::Secret::new("")));
    assert_eq!(empty.unwrap_err().code(), "config");
}

#[tokio::test]
async fn ids_are_path_segments_never_paths() {
    let sandbox = support::sandbox();
    let client = client(&sandbox);
    // Without encoding this id would read the product list instead of a session.
    let tricky = CheckoutId::new("../../products");
    let err = client.get_checkout(&tricky).await.unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
}

#[tokio::test]
async fn reads_every_session_shape_recur_has_shown_over_the_wire() {
    use SessionStatus::{Complete, Expired, Open};
    // (answer body, status read): either casing, wrapped or not, status in any case.
    let cases = [
        (
            r#"{"id":"s1","url":"https://x/s1","status":"COMPLETE","orderId":"o1"}"#,
            Complete,
        ),
        (
            r#"{"id":"s1","url":"https://x/s1","status":"complete","order_id":"o1"}"#,
            Complete,
        ),
        (
            r#"{"data":{"id":"s1","url":"https://x/s1","status":"COMPLETED","order_id":"o1"}}"#,
            Complete,
        ),
        (
            r#"{"session":{"id":"s1","url":"https://x/s1","status":"open","orderId":null}}"#,
            Open,
        ),
        (
            r#"{"checkout_session":{"id":"s1","url":"https://x/s1","status":"Expired"}}"#,
            Expired,
        ),
        (r#"{"id":"s1","checkout_url":"https://x/s1","status":"pending"}"#, Open),
    ];
    for (body, status) in cases {
        let stub = Stub::start(vec![Reply::new(200, body)]).await;
        let client = RecurClient::new(support::fast_config(&stub.base_url, "sk_test_stub")).expect("config");
        let s = client.get_checkout(&CheckoutId::new("s1")).await.expect(body);
        assert_eq!(
            (s.id.as_str(), s.status, s.url.as_str()),
            ("s1", status, "https://x/s1"),
            "{body}"
        );
        assert_eq!(s.order_id.is_some(), status == Complete, "{body}");
    }
}
