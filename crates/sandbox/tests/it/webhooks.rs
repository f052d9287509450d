//! Webhook delivery to a real receiver: signatures, the event time, the payment event
//! sequences and their shapes (recur-api.md §6), events without metadata, retries.

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

fn types(bodies: &[Value]) -> Vec<&str> {
    bodies.iter().map(|b| b["type"].as_str().unwrap()).collect()
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
    let at = Timestamp::parse_rfc3339(body["timestamp"].as_str().unwrap()).unwrap();
    assert_eq!(ts, at.unix_ms(), "the header is the event's time in Unix ms");
    body
}

#[test]
fn a_one_time_payment_sends_created_then_paid_completed_and_the_einvoice() {
    let receiver = Receiver::ok();
    let env = start_with_receiver(&receiver, SandboxConfig::for_tests());
    let id = open_and_pay(&env, "prod_points_100", "PAYMENT");
    assert!(env.sandbox.wait_idle(LONG));
    let got = receiver.wait_for(4, LONG);
    let bodies: Vec<Value> = got.iter().map(|r| check_headers(&env, r)).collect();
    assert_eq!(
        types(&bodies),
        [
            "checkout.created",
            "order.paid",
            "checkout.completed",
            "einvoice.issued"
        ],
        "checkout.created only once"
    );
    let session = env.sandbox.session_json(&id).unwrap();
    let (created, paid, completed) = (&bodies[0]["data"], &bodies[1]["data"], &bodies[2]["data"]);
    let metadata = json!({"transaction_id": "txn_42"});
    // (what, got, expected): enum values inside webhook bodies are lower case.
    let cases = [
        ("created checkout_id", created["checkout_id"].clone(), json!(id)),
        ("created status", created["status"].clone(), json!("open")),
        ("created metadata", created["metadata"].clone(), metadata.clone()),
        ("paid id", paid["id"].clone(), session["order_id"].clone()),
        ("paid order_id", paid["order_id"].clone(), session["order_id"].clone()),
        ("paid checkout_id", paid["checkout_id"].clone(), json!(id)),
        ("paid status", paid["status"].clone(), json!("paid")),
        ("paid amount", paid["amount"].clone(), json!(100)),
        ("paid currency", paid["currency"].clone(), json!("TWD")),
        ("paid billing_reason", paid["billing_reason"].clone(), json!("purchase")),
        ("paid product_id", paid["product_id"].clone(), json!("prod_points_100")),
        ("paid subscription_id", paid["subscription_id"].clone(), Value::Null),
        ("paid payment_method", paid["payment_method"].clone(), json!("card")),
        ("paid discount", paid["discount"].clone(), Value::Null),
        ("paid metadata", paid["metadata"].clone(), metadata.clone()),
        (
            "paid customer email",
            paid["customer"]["email"].clone(),
            json!("amy@example.tw"),
        ),
        ("paid customer name", paid["customer"]["name"].clone(), json!("林小美")),
        ("paid external_id", paid["customer"]["external_id"].clone(), Value::Null),
        ("completed id", completed["id"].clone(), json!(id)),
        ("completed status", completed["status"].clone(), json!("complete")),
        ("completed amount", completed["amount"].clone(), json!(100)),
        ("completed subtotal", completed["subtotal"].clone(), json!(100)),
        ("completed discount", completed["discount"].clone(), Value::Null),
        ("completed mode", completed["mode"].clone(), json!("payment")),
        (
            "completed order_id",
            completed["order_id"].clone(),
            session["order_id"].clone(),
        ),
        ("completed metadata", completed["metadata"].clone(), metadata),
    ];
    for (what, got, expected) in cases {
        assert_eq!(got, expected, "{what}");
    }
    assert!(
        paid.get("discount").is_some_and(Value::is_null),
        "discount is sent, as null"
    );
    assert!(paid["customer"]["id"].is_string());
    assert!(Timestamp::parse_rfc3339(paid["paid_at"].as_str().unwrap()).is_some());
    assert!(completed["created_at"].is_string() && completed["completed_at"].is_string());
    // The REST session keeps upper case.
    assert_eq!(
        (session["status"].as_str(), session["mode"].as_str()),
        (Some("COMPLETE"), Some("PAYMENT"))
    );
    let log = env.sandbox.deliveries();
    assert_eq!(log.len(), 4);
    assert!(log
        .iter()
        .all(|d| d.delivered() && d.attempt == 1 && d.url == receiver.url && !d.gave_up));
}

#[test]
fn setup_sends_only_checkout_completed_and_declines_send_payment_failed() {
    let receiver = Receiver::ok();
    let env = start_with_receiver(&receiver, SandboxConfig::for_tests());
    let setup = open_and_pay(&env, "prod_latte", "SETUP");
    let got = receiver.wait_for(2, LONG);
    assert!(env.sandbox.wait_idle(LONG));
    assert_eq!(
        receiver.received().iter().map(Received::event_type).collect::<Vec<_>>(),
        ["checkout.created", "checkout.completed"],
        "no order, no e-invoice"
    );
    let d = got[1].json()["data"].clone();
    assert_eq!((d["amount"].as_i64(), d["mode"].as_str()), (Some(0), Some("setup")));
    assert_eq!(d["status"], "complete");
    assert_eq!(
        d["setup_intent_id"],
        env.sandbox.session_json(&setup).unwrap()["setup_intent_id"]
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
    assert_eq!(
        (d["status"].as_str(), d["metadata"]["transaction_id"].as_str()),
        (Some("failed"), Some("txn_9"))
    );
    assert!(d["failure_message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn events_can_carry_no_metadata_at_all() {
    let receiver = Receiver::ok();
    let env = start_with_receiver(&receiver, SandboxConfig::for_tests());
    let metadata = json!({"metadata": {"transaction_id": "txn_7"}});
    // Per payment (the control route's flag) and for every payment (the quirk).
    let by_flag = id_of(&env.create("prod_latte", metadata.clone()));
    let body = json!({"card_number": "4147631000000001", "email": "a@b.tw", "omit_metadata": true});
    assert_eq!(
        env.post_json(&format!("/_sandbox/sessions/{by_flag}/pay"), &body)
            .status,
        200
    );
    let with_metadata = id_of(&env.create("prod_latte", metadata.clone()));
    assert_eq!(env.pay(&with_metadata, "a@b.tw").status, 200);
    env.post_json("/_sandbox/quirks", &json!({"omit_metadata": true}));
    let by_quirk = id_of(&env.create("prod_latte", metadata));
    assert_eq!(env.get(&format!("/checkout/{by_quirk}")).status, 200);
    assert_eq!(env.pay(&by_quirk, "a@b.tw").status, 200);
    assert!(env.sandbox.wait_idle(LONG));
    let bodies: Vec<Value> = receiver.received().iter().map(Received::json).collect();
    for (checkout, carries) in [(&by_flag, false), (&with_metadata, true), (&by_quirk, false)] {
        let of_sale: Vec<&Value> = bodies
            .iter()
            .filter(|b| b["data"]["checkout_id"] == checkout.as_str())
            .collect();
        assert!(of_sale.len() >= 2, "{checkout}");
        for b in of_sale {
            assert_eq!(
                b["data"].get("metadata").is_some(),
                carries,
                "{}: {}",
                b["type"],
                b["data"]
            );
        }
    }
    // The session itself keeps the metadata: only the events lack it.
    assert_eq!(
        env.sandbox.session_json(&by_quirk).unwrap()["metadata"]["transaction_id"],
        "txn_7"
    );
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
    // The event's time, not the attempt's: the same on every retry (300 ms and more apart).
    let event_time = Timestamp::parse_rfc3339(got[0].json()["timestamp"].as_str().unwrap()).unwrap();
    let stamps: Vec<Option<&str>> = got.iter().map(|r| r.header("X-Recur-Timestamp")).collect();
    let expected = event_time.unix_ms().to_string();
    assert_eq!(stamps, [Some(expected.as_str()); 3]);
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
