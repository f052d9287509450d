//! The control API under /_sandbox/.

use serde_json::json;

use crate::api::id_of;
use crate::support::{start, start_with_receiver, Receiver, LONG};
use recur_sandbox::SandboxConfig;

#[test]
fn pay_declines_and_refusals() {
    let env = start();
    let id = id_of(&env.create("prod_latte", json!({})));
    let path = format!("/_sandbox/sessions/{id}/pay");
    let cases = [
        (
            json!({"card_number": "4000000000000002", "email": "a@b.tw"}),
            402,
            "card_declined",
        ),
        (
            json!({"card_number": "4000000000009995", "email": "a@b.tw"}),
            402,
            "insufficient_funds",
        ),
        (
            json!({"card_number": "4000000000000069", "email": "a@b.tw"}),
            402,
            "expired_card",
        ),
        (
            json!({"card_number": "4147631000000001", "email": "a@b.tw", "exp": "01/21"}),
            402,
            "expired_card",
        ),
        (json!({"card_number": "1234", "email": "a@b.tw"}), 402, "card_declined"),
        (json!({"card_number": "4147631000000001"}), 400, "invalid_request"),
        (json!({"email": "a@b.tw"}), 400, "invalid_request"),
    ];
    for (body, status, code) in cases {
        let a = env.post_json(&path, &body);
        assert_eq!((a.status, a.code()), (status, code), "{body}");
        assert!(a.json["error"]["message"].is_string());
        assert_eq!(env.sandbox.session_json(&id).unwrap()["status"], "OPEN");
    }
    let paid = env.post_json(
        &path,
        &json!({"card_number": "3560 5110 0000 0001", "email": "a@b.tw", "exp": "12/39", "cvc": "1", "name": "王大明"}),
    );
    assert_eq!(paid.status, 200);
    assert_eq!(
        (paid.json["status"].as_str(), paid.json["customer_name"].as_str()),
        (Some("COMPLETE"), Some("王大明"))
    );
    assert_eq!(env.pay(&id, "a@b.tw").status, 409);
    assert_eq!(env.pay("cnope", "a@b.tw").status, 404);
}

#[test]
fn cancel_and_expire() {
    let env = start();
    let id = id_of(&env.create("prod_latte", json!({})));
    let a = env.post_json(&format!("/_sandbox/sessions/{id}/cancel"), &json!({}));
    assert_eq!(a.status, 200);
    assert_eq!(a.json["redirect_url"], "https://shop.example/cancel");
    assert_eq!(a.json["session"]["status"], "OPEN");
    let e = env.post_json(&format!("/_sandbox/sessions/{id}/expire"), &json!({}));
    assert_eq!((e.status, e.json["status"].as_str()), (200, Some("EXPIRED")));
    assert_eq!(env.pay(&id, "a@b.tw").status, 410);
    for action in ["cancel", "expire"] {
        assert_eq!(
            env.post_json(&format!("/_sandbox/sessions/cnope/{action}"), &json!({}))
                .status,
            404
        );
    }
    let list = env.get("/_sandbox/sessions").json;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(env.get("/_sandbox/nothing").status, 404);
}

#[test]
fn faults_are_read_and_replaced() {
    let env = start();
    let a = env.get("/_sandbox/faults");
    assert_eq!(a.json["duplicate_rate"], 0.0);
    assert_eq!(a.json["delay_ms"], json!([0, 0]));
    let set = env.post_json(
        "/_sandbox/faults",
        &json!({"duplicate_rate": 0.5, "delay_ms": [10, 20]}),
    );
    assert_eq!(set.status, 200);
    assert_eq!(set.json["shuffle"], false);
    let faults = env.sandbox.faults();
    assert_eq!(
        (faults.duplicate_rate, faults.delay_ms, faults.api_500_rate),
        (0.5, (10, 20), 0.0)
    );
    // Missing fields go back to 0.
    env.post_json("/_sandbox/faults", &json!({"shuffle": true}));
    assert_eq!(env.sandbox.faults().duplicate_rate, 0.0);
    assert!(env.sandbox.faults().shuffle);
    for bad in [json!({"drop_rate": 2.0}), json!({"shuffle": "yes"}), json!([1])] {
        assert_eq!(env.post_json("/_sandbox/faults", &bad).status, 400, "{bad}");
    }
}

#[test]
fn custom_events_webhooks_and_redelivery() {
    let (first_endpoint, receiver) = (Receiver::ok(), Receiver::ok());
    let env = start_with_receiver(&first_endpoint, SandboxConfig::for_tests());
    let added = env.post_json("/_sandbox/webhooks", &json!({"url": receiver.url}));
    assert_eq!(added.status, 200);
    assert_eq!(added.json["webhook_urls"].as_array().unwrap().len(), 2);
    assert_eq!(env.post_json("/_sandbox/webhooks", &json!({"url": "nope"})).status, 400);
    let a = env.post_json(
        "/_sandbox/events",
        &json!({"id": "evt_custom_1", "type": "refund.succeeded", "data": {"id": "re_1", "amount": 50}}),
    );
    assert_eq!((a.status, a.json["id"].as_str()), (200, Some("evt_custom_1")));
    let first = receiver.wait_for(1, LONG);
    assert_eq!(first[0].header("X-Recur-Event-Type"), Some("refund.succeeded"));
    assert_eq!(first[0].json()["data"]["amount"], 50);
    let generated = env.post_json("/_sandbox/events", &json!({"type": "customer.updated"}));
    assert!(generated.json["id"].as_str().unwrap().starts_with("evt_"));
    receiver.wait_for(2, LONG);
    let r = env.post_json("/_sandbox/events/evt_custom_1/redeliver", &json!({}));
    assert_eq!(r.status, 200);
    let got = receiver.wait_for(3, LONG);
    assert_eq!(got[2].body, got[0].body, "same bytes");
    assert_eq!(got[2].header("X-Recur-Event-Id"), Some("evt_custom_1"));
    assert_eq!(
        env.post_json("/_sandbox/events/evt_nope/redeliver", &json!({})).status,
        404
    );
    assert_eq!(env.post_json("/_sandbox/events", &json!({"data": {}})).status, 400);
    assert!(env.sandbox.wait_idle(LONG));
    let log = env.get("/_sandbox/deliveries").json;
    let to_receiver = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["url"] == receiver.url.as_str())
        .count();
    assert_eq!(to_receiver, 3);
    assert_eq!(first_endpoint.received().len(), 3, "every endpoint gets every event");
    let events = env.get("/_sandbox/events").json;
    assert_eq!(events.as_array().unwrap().len(), 2);
}

#[test]
fn types_recur_lists_but_never_explains_are_sent_by_hand() {
    let receiver = Receiver::ok();
    let env = start_with_receiver(&receiver, SandboxConfig::for_tests());
    let kinds = [
        "subscription.paused",
        "subscription.schedule_created",
        "subscription.schedule_executed",
        "subscription.schedule_cancelled",
    ];
    for kind in kinds {
        let a = env.post_json(
            "/_sandbox/events",
            &json!({"type": kind, "data": {"id": "sub_1", "status": "paused"}}),
        );
        assert_eq!(a.status, 200, "{kind}");
    }
    let got = receiver.wait_for(kinds.len(), LONG);
    let sent: Vec<String> = got.iter().map(|r| r.event_type()).collect();
    assert_eq!(sent, kinds);
    assert!(got
        .iter()
        .all(|r| r.header("X-Recur-Event-Type") == Some(r.event_type().as_str())));
    assert_eq!(got[0].json()["data"], json!({"id": "sub_1", "status": "paused"}));
}

#[test]
fn in_process_shortcuts() {
    let env = start();
    let s = env
        .sandbox
        .create_session(
            &json!({"productId": "prod_latte", "successUrl": "https://a.tw/ok", "cancelUrl": "https://a.tw/no"}),
        )
        .unwrap();
    let id = id_of(&s);
    assert_eq!(
        env.sandbox
            .pay_session(&id, "4000000000000002", "a@b.tw")
            .unwrap_err()
            .1["error"]["code"],
        "card_declined"
    );
    assert_eq!(
        env.sandbox.pay_session(&id, "4147631000000001", "a@b.tw").unwrap()["status"],
        "COMPLETE"
    );
    assert_eq!(
        env.sandbox
            .pay_session(&id, "4147631000000001", "a@b.tw")
            .unwrap_err()
            .0,
        409
    );
    let other = id_of(
        &env.sandbox
            .create_session(
                &json!({"productId": "prod_latte", "successUrl": "https://a.tw/ok", "cancelUrl": "https://a.tw/no"}),
            )
            .unwrap(),
    );
    assert_eq!(env.sandbox.expire_session(&other).unwrap()["status"], "EXPIRED");
    assert_eq!(env.sandbox.expire_session("cnope").unwrap_err().0, 404);
    assert_eq!(
        env.sandbox
            .create_session(&json!({"productId": "prod_nope"}))
            .unwrap_err()
            .0,
        400
    );
    assert_eq!(env.sandbox.api_request_count(), 3);
}
