//! Webhook delivery to a real receiver: signatures, event sequences per mode, retries.

use std::time::{Duration, Instant};

use recur_domain::signature;
use recur_domain::Timestamp;
use recur_sandbox::SandboxConfig;
use serde_json::{json, Value};

use crate::api::id_of;
use crate::support::{start_with_receiver, Env, Received, Receiver, LONG};

/// Opens the page twice and pays; returns the session id.
fn open_and_pay(env: &Env, product: &str, mode: &str) -> String {
    let s = env.create(
        product,
        json!({"mode": mode, "metadata": {"transaction_id": "txn_42"}, "customerName": "林小美"}),
    );
    let id = id_of(&s);
    assert_eq!(env.get(&format!("/checkout/{id}")).status, 200);
    assert_eq!(env.get(&format!("/checkout/{id}?lang=en")).status, 200);
    assert_eq!(env.pay(&id, "amy@example.tw").status, 200);
    id
}

fn check_headers(env: &Env, r: &Received) -> Value {
    let sig = r.header("X-Recur-Signature").expect("signed");
    assert!(
        signature::verify(env.sandbox.webhook_secret(), &r.body, sig),
        "the signature verifies"
    );
    assert!(!signature::verify("whsec_other", &r.body, sig));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    let body = r.json();
    assert_eq!(r.header("X-Recur-Event-Id"), body["id"].as_str());
    assert_eq!(r.header("X-Recur-Event-Type"), body["type"].as_str());
    let ts: i64 = r.header("X-Recur-Timestamp").unwrap().parse().unwrap();
    assert!(
        (Timestamp::now().unix_ms() - ts).abs() < 60_000,
        "the timestamp is Unix ms"
    );
    assert!(Timestamp::parse_rfc3339(body["timestamp"].as_str().unwrap()).is_some());
    body
}

#[test]
fn a_one_time_payment_sends_created_then_paid_and_completed() {
    let receiver = Receiver::ok();
    let env = start_with_receiver(&receiver, SandboxConfig::for_tests());
    let id = open_and_pay(&env, "prod_points_100", "PAYMENT");
    assert!(env.sandbox.wait_idle(LONG));
    let got = receiver.wait_for(3, LONG);
    let bodies: Vec<Value> = got.iter().map(|r| check_headers(&env, r)).collect();
    let types: Vec<&str> = bodies.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["checkout.created", "order.paid", "checkout.completed"],
        "checkout.created only once"
    );
    let session = env.sandbox.session_json(&id).unwrap();
    let (created, paid, completed) = (&bodies[0]["data"], &bodies[1]["data"], &bodies[2]["data"]);
    assert_eq!(
        (
            created["checkout_id"].as_str(),
            created["metadata"]["transaction_id"].as_str()
        ),
        (Some(id.as_str()), Some("txn_42"))
    );
    assert_eq!(paid["id"], session["orderId"]);
    assert_eq!(paid["order_id"], session["orderId"]);
    assert_eq!(
        (paid["checkout_id"].as_str(), paid["status"].as_str()),
        (Some(id.as_str()), Some("PAID"))
    );
    assert_eq!(
        (paid["amount"].as_i64(), paid["currency"].as_str()),
        (Some(100), Some("TWD"))
    );
    assert_eq!(
        (paid["billing_reason"].as_str(), paid["product_id"].as_str()),
        (Some("purchase"), Some("prod_points_100"))
    );
    assert!(paid["subscription_id"].is_null());
    assert_eq!(
        paid["payment_method"],
        json!({"type": "card", "brand": "VISA", "last4": "0001"})
    );
    assert_eq!(paid["metadata"], json!({"transaction_id": "txn_42"}));
    assert_eq!(
        (paid["customer"]["email"].as_str(), paid["customer"]["name"].as_str()),
        (Some("amy@example.tw"), Some("林小美"))
    );
    assert!(paid["customer"]["id"].is_string() && paid["customer"]["external_id"].is_null());
    assert_eq!(paid["customer_email"], "amy@example.tw");
    assert!(Timestamp::parse_rfc3339(paid["paid_at"].as_str().unwrap()).is_some());
    assert_eq!(
        (completed["id"].as_str(), completed["checkout_id"].as_str()),
        (Some(id.as_str()), Some(id.as_str()))
    );
    assert_eq!(completed["status"], "COMPLETED");
    assert_eq!(
        (
            completed["amount"].as_i64(),
            completed["subtotal"].as_i64(),
            completed["discount"].as_i64()
        ),
        (Some(100), Some(100), Some(0))
    );
    assert_eq!(
        (completed["mode"].as_str(), completed["order_id"].clone()),
        (Some("PAYMENT"), session["orderId"].clone())
    );
    assert_eq!(completed["metadata"]["transaction_id"], "txn_42");
    assert!(completed["created_at"].is_string() && completed["completed_at"].is_string());
    // Every attempt is in the log, delivered first time.
    let log = env.sandbox.deliveries();
    assert_eq!(log.len(), 3);
    assert!(log
        .iter()
        .all(|d| d.delivered() && d.attempt == 1 && d.url == receiver.url && !d.gave_up));
}

#[test]
fn a_subscription_adds_created_and_activated() {
    let receiver = Receiver::ok();
    let env = start_with_receiver(&receiver, SandboxConfig::for_tests());
    let id = open_and_pay(&env, "prod_coffee_monthly", "SUBSCRIPTION");
    let got = receiver.wait_for(5, LONG);
    let bodies: Vec<Value> = got.iter().map(|r| check_headers(&env, r)).collect();
    let types: Vec<&str> = bodies.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "checkout.created",
            "order.paid",
            "checkout.completed",
            "subscription.created",
            "subscription.activated"
        ]
    );
    let session = env.sandbox.session_json(&id).unwrap();
    assert_eq!(bodies[1]["data"]["billing_reason"], "subscription_create");
    assert_eq!(bodies[1]["data"]["subscription_id"], session["subscriptionId"]);
    for sub in &bodies[3..] {
        let d = &sub["data"];
        assert_eq!(d["id"], session["subscriptionId"]);
        assert_eq!(
            (d["status"].as_str(), d["product_id"].as_str()),
            (Some("ACTIVE"), Some("prod_coffee_monthly"))
        );
        assert_eq!(
            (d["billing_period"].as_str(), d["checkout_id"].as_str()),
            (Some("MONTHLY"), Some(id.as_str()))
        );
        assert_eq!(d["customer"]["email"], "amy@example.tw");
        assert_eq!(d["metadata"]["transaction_id"], "txn_42");
        let start = Timestamp::parse_rfc3339(d["current_period_start"].as_str().unwrap()).unwrap();
        let end = Timestamp::parse_rfc3339(d["current_period_end"].as_str().unwrap()).unwrap();
        let trial = Timestamp::parse_rfc3339(d["trial_end"].as_str().unwrap()).unwrap();
        let days = |t: Timestamp| (t.unix_ms() - start.unix_ms()) / 86_400_000;
        assert!((28..=31).contains(&days(end)), "a month");
        assert_eq!(days(trial), 7);
    }
}

#[test]
fn setup_sends_only_checkout_completed_and_declines_send_payment_failed() {
    let receiver = Receiver::ok();
    let env = start_with_receiver(&receiver, SandboxConfig::for_tests());
    let setup = open_and_pay(&env, "prod_latte", "SETUP");
    let got = receiver.wait_for(2, LONG);
    assert_eq!(
        got.iter().map(Received::event_type).collect::<Vec<_>>(),
        ["checkout.created", "checkout.completed"]
    );
    let d = got[1].json()["data"].clone();
    assert_eq!((d["amount"].as_i64(), d["mode"].as_str()), (Some(0), Some("SETUP")));
    assert_eq!(
        d["setup_intent_id"],
        env.sandbox.session_json(&setup).unwrap()["setupIntentId"]
    );
    assert!(d["order_id"].is_null());

    let id = id_of(&env.create("prod_latte", json!({"metadata": {"transaction_id": "txn_9"}})));
    let a = env.post_json(
        &format!("/_sandbox/sessions/{id}/pay"),
        &json!({"card_number": "4000000000009995", "email": "b@example.tw"}),
    );
    assert_eq!(a.status, 402);
    let got = receiver.wait_for(3, LONG);
    let failed = check_headers(&env, &got[2]);
    assert_eq!(failed["type"], "order.payment_failed");
    let d = &failed["data"];
    assert_eq!(
        (d["checkout_id"].as_str(), d["failure_code"].as_str()),
        (Some(id.as_str()), Some("insufficient_funds"))
    );
    assert_eq!((d["amount"].as_i64(), d["currency"].as_str()), (Some(120), Some("TWD")));
    assert_eq!(d["metadata"]["transaction_id"], "txn_9");
    assert!(d["failure_message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn failed_deliveries_are_retried_with_the_same_bytes() {
    // 500, then a connection that takes longer than the timeout, then 200.
    let plan = Box::new(|n: usize, _: &Received| match n {
        0 => (500, Duration::ZERO),
        1 => (200, Duration::from_millis(900)),
        _ => (204, Duration::ZERO),
    });
    let receiver = Receiver::with_plan(plan);
    let config = SandboxConfig {
        webhook_timeout: Duration::from_millis(300),
        ..SandboxConfig::for_tests()
    };
    let env = start_with_receiver(&receiver, config);
    let sent = env.post_json("/_sandbox/events", &json!({"type": "order.paid", "data": {"id": "o1"}}));
    let event_id = sent.json["id"].as_str().unwrap().to_owned();
    assert!(env.sandbox.wait_idle(LONG));
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    assert!(got
        .iter()
        .all(|r| r.body == got[0].body && r.header("X-Recur-Event-Id") == Some(event_id.as_str())));
    let log = env.sandbox.deliveries();
    let summary: Vec<(u32, Option<u16>)> = log.iter().map(|d| (d.attempt, d.status)).collect();
    assert_eq!(summary, [(1, Some(500)), (2, None), (3, Some(204))]);
    assert!(
        log[1].error.as_deref().unwrap().contains("no answer"),
        "{:?}",
        log[1].error
    );
    assert!(
        log[1].duration_ms >= 250,
        "waited for the timeout: {}",
        log[1].duration_ms
    );
    assert!(log.iter().all(|d| d.event_id == event_id && !d.gave_up));
    assert!(log[2].delivered());
}

#[test]
fn after_the_last_retry_the_sandbox_gives_up() {
    let dead = {
        // A port that was just free: connections are refused.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}/hook", l.local_addr().unwrap().port())
    };
    let failing = Receiver::with_plan(Box::new(|_, _| (503, Duration::ZERO)));
    let mut config = SandboxConfig::for_tests();
    config.retry_schedule = vec![Duration::from_millis(20), Duration::from_millis(40)];
    config.webhook_urls = vec![dead.clone(), failing.url.clone()];
    let env = crate::support::start_with(config);
    let started = Instant::now();
    env.post_json("/_sandbox/events", &json!({"type": "ping"}));
    assert!(env.sandbox.wait_idle(LONG));
    assert!(
        started.elapsed() >= Duration::from_millis(60),
        "the schedule was followed"
    );
    for url in [&dead, &failing.url] {
        let attempts: Vec<_> = env.sandbox.deliveries().into_iter().filter(|d| &d.url == url).collect();
        assert_eq!(
            attempts.iter().map(|d| d.attempt).collect::<Vec<_>>(),
            [1, 2, 3],
            "{url}"
        );
        assert_eq!(
            attempts.iter().map(|d| d.gave_up).collect::<Vec<_>>(),
            [false, false, true]
        );
        assert!(attempts.iter().all(|d| !d.delivered() && d.error.is_some()));
    }
    assert_eq!(failing.received().len(), 3);
}

#[test]
fn endpoints_added_at_run_time_and_shutdown_frees_the_port() {
    let receiver = Receiver::with_plan(Box::new(|_, _| (200, Duration::from_millis(400))));
    let env = crate::support::start_with(SandboxConfig::for_tests());
    env.sandbox.add_webhook_url(&receiver.url);
    env.sandbox.add_webhook_url(&receiver.url);
    assert_eq!(env.sandbox.webhook_urls(), [receiver.url.as_str()], "added once");
    env.post_json("/_sandbox/events", &json!({"type": "ping"}));
    assert!(
        !env.sandbox.wait_idle(Duration::from_millis(50)),
        "a slow delivery is still in flight"
    );
    assert!(env.sandbox.wait_idle(LONG));
    assert_eq!(receiver.received().len(), 1);

    let port = env.sandbox.port();
    env.sandbox.shutdown();
    crate::support::eventually(LONG, "the port to be free", || {
        std::net::TcpListener::bind(("127.0.0.1", port)).ok()
    });
}
