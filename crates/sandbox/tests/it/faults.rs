//! Fault injection: webhook duplicates, drops, shuffling and delays; API 500/429/garbage/slow.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use recur_sandbox::{EinvoiceMode, Faults, Quirks, SandboxConfig};
use serde_json::json;

use crate::api::id_of;
use crate::support::{start_with, start_with_receiver, Receiver, LONG};

/// Without e-invoices, so each payment sends only its payment events (counted below).
fn with_faults(faults: Faults) -> SandboxConfig {
    SandboxConfig {
        faults,
        seed: Some(7),
        quirks: Quirks {
            einvoice: EinvoiceMode::Off,
            ..Quirks::default()
        },
        ..SandboxConfig::for_tests()
    }
}

#[test]
fn duplicates_repeat_the_same_event_bytes() {
    let receiver = Receiver::ok();
    let env = start_with_receiver(
        &receiver,
        with_faults(Faults {
            duplicate_rate: 1.0,
            ..Faults::default()
        }),
    );
    let id = id_of(&env.create("prod_latte", json!({})));
    env.pay(&id, "a@b.tw");
    assert!(env.sandbox.wait_idle(LONG));
    let got = receiver.received();
    assert_eq!(got.len(), 4, "order.paid and checkout.completed, twice each");
    let mut by_id: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for r in &got {
        by_id
            .entry(r.header("X-Recur-Event-Id").unwrap().to_owned())
            .or_default()
            .push(r.body.clone());
    }
    assert_eq!(by_id.len(), 2);
    assert!(by_id.values().all(|bodies| bodies.len() == 2 && bodies[0] == bodies[1]));
    assert_eq!(env.sandbox.deliveries().iter().filter(|d| d.duplicate).count(), 2);
}

#[test]
fn dropped_first_attempts_are_logged_and_retried() {
    let receiver = Receiver::ok();
    let env = start_with_receiver(
        &receiver,
        with_faults(Faults {
            drop_rate: 1.0,
            ..Faults::default()
        }),
    );
    let id = id_of(&env.create("prod_latte", json!({})));
    env.pay(&id, "a@b.tw");
    assert!(env.sandbox.wait_idle(LONG));
    assert_eq!(receiver.received().len(), 2, "each event arrives once, on the retry");
    let log = env.sandbox.deliveries();
    let dropped: Vec<_> = log.iter().filter(|d| d.attempt == 1).collect();
    assert_eq!(dropped.len(), 2);
    assert!(dropped
        .iter()
        .all(|d| d.status.is_none() && d.error.as_deref().unwrap().contains("dropped")));
    assert!(log.iter().filter(|d| d.attempt == 2).all(|d| d.delivered()));
}

#[test]
fn shuffle_and_delay_reorder_and_postpone_deliveries() {
    let receiver = Receiver::ok();
    let env = start_with_receiver(
        &receiver,
        with_faults(Faults {
            shuffle: true,
            ..Faults::default()
        }),
    );
    let mut orders = Vec::new();
    for i in 0..6 {
        let id = id_of(&env.create("prod_coffee_monthly", json!({"mode": "SUBSCRIPTION"})));
        env.pay(&id, &format!("s{i}@b.tw"));
        let got = receiver.wait_for(4 * (i + 1), LONG);
        orders.push(got[4 * i..].iter().map(|r| r.event_type()).collect::<Vec<_>>());
    }
    let emitted = [
        "subscription.created",
        "order.paid",
        "checkout.completed",
        "subscription.activated",
    ];
    assert!(
        orders.iter().any(|o| o != &emitted),
        "some payment's events arrive out of order: {orders:?}"
    );
    for o in &orders {
        let mut sorted = o.clone();
        sorted.sort();
        let mut expected = emitted.to_vec();
        expected.sort();
        assert_eq!(sorted, expected, "every event still arrives");
    }

    env.sandbox.set_faults(Faults {
        delay_ms: (150, 250),
        ..Faults::default()
    });
    let sent = Instant::now();
    env.post_json("/_sandbox/events", &json!({"type": "ping"}));
    let got = receiver.wait_for(25, LONG);
    let waited = got[24].at.duration_since(sent);
    assert!(waited >= Duration::from_millis(150), "delayed {waited:?}");
}

#[test]
fn api_faults_500_429_garbage_and_slow() {
    let env = start_with(with_faults(Faults {
        api_500_rate: 1.0,
        ..Faults::default()
    }));
    let body =
        json!({"productId": "prod_latte", "successUrl": "https://a.tw/ok", "cancelUrl": "https://a.tw/no"}).to_string();
    let a = env.api("POST", "/v1/checkout/sessions", Some(&body));
    assert_eq!((a.status, a.code()), (500, "internal_error"));
    assert_eq!(
        env.sandbox.session_ids().len(),
        1,
        "the create was processed before the 500"
    );
    assert_eq!(env.sandbox.api_request_count(), 1);
    assert_eq!(
        env.get("/_sandbox/faults").status,
        200,
        "the control API is never faulted"
    );

    env.sandbox.set_faults(Faults {
        api_429_rate: 1.0,
        ..Faults::default()
    });
    let a = env.api("POST", "/v1/checkout/sessions", Some(&body));
    assert_eq!((a.status, a.header("Retry-After")), (429, Some("1")));
    assert_eq!(env.sandbox.session_ids().len(), 1, "a 429 was not processed");

    env.sandbox.set_faults(Faults {
        api_garbage_rate: 1.0,
        ..Faults::default()
    });
    let a = env.api("GET", "/v1/products", None);
    assert_eq!(a.status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&a.text).is_err(),
        "{}",
        a.text
    );

    env.sandbox.set_faults(Faults {
        api_slow_ms: 300,
        ..Faults::default()
    });
    let started = Instant::now();
    assert_eq!(env.api("GET", "/v1/products", None).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(env.sandbox.api_request_count(), 4);
}

#[test]
fn a_seed_makes_faults_reproducible() {
    let run = || {
        let env = start_with(with_faults(Faults {
            api_500_rate: 0.5,
            ..Faults::default()
        }));
        (0..20)
            .map(|_| env.api("GET", "/v1/products", None).status)
            .collect::<Vec<_>>()
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
}

#[test]
fn under_every_webhook_fault_each_event_still_arrives() {
    let receiver = Receiver::ok();
    let faults = Faults {
        duplicate_rate: 0.5,
        shuffle: true,
        delay_ms: (0, 30),
        drop_rate: 0.3,
        ..Faults::default()
    };
    let env = start_with_receiver(&receiver, with_faults(faults));
    let started = Instant::now();
    for i in 0..40 {
        let product = if i % 4 == 0 {
            "prod_coffee_monthly"
        } else {
            "prod_latte"
        };
        let id = id_of(&env.create(product, json!({})));
        let card = if i % 5 == 0 {
            "4000000000000002"
        } else {
            "4147631000000001"
        };
        env.post_json(
            &format!("/_sandbox/sessions/{id}/pay"),
            &json!({"card_number": card, "email": format!("c{i}@b.tw")}),
        );
    }
    assert!(env.sandbox.wait_idle(LONG));
    let emitted: Vec<String> = env
        .sandbox
        .events()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let got = receiver.received();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in &got {
        *counts.entry(r.header("X-Recur-Event-Id").unwrap()).or_default() += 1;
    }
    assert!(
        emitted
            .iter()
            .all(|id| counts.get(id.as_str()).is_some_and(|n| *n >= 1)),
        "every event arrives"
    );
    assert_eq!(counts.len(), emitted.len(), "nothing else arrives");
    assert!(got.len() > emitted.len(), "some arrive twice");
    let log = env.sandbox.deliveries();
    assert_eq!(log.iter().filter(|d| d.delivered()).count(), got.len());
    assert!(log.iter().all(|d| !d.gave_up));
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
}
