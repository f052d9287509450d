//! Subscriptions as Recur runs them (recur-api.md §6): created pending when the form is
//! submitted, activated by the first payment, renewed by `invoice.paid` + `subscription.renewed`
//! (no renewal `order.paid`), failed renewals by the product's grace period, and none of it
//! carrying the first checkout's id or metadata.

use recur_domain::Timestamp;
use recur_sandbox::SandboxConfig;
use serde_json::{json, Value};

use crate::support::{assert_no_checkout_keys, start_with_receiver, types, Env, Receiver, DECLINED, VISA};

fn env() -> (Receiver, Env) {
    let receiver = Receiver::ok();
    let env = start_with_receiver(&receiver, SandboxConfig::for_tests());
    (receiver, env)
}

fn renew(env: &Env, sub: &str, body: Value) -> crate::support::Answer {
    env.post_json(&format!("/_sandbox/subscriptions/{sub}/renew"), &body)
}

fn time(v: &Value) -> Timestamp {
    Timestamp::parse_rfc3339(v.as_str().expect("a time")).expect("ISO-8601")
}

#[test]
fn a_subscription_is_created_pending_at_submission_and_stays_pending_on_a_decline() {
    let (receiver, env) = env();
    let s = env.create(
        "prod_coffee_monthly",
        json!({"metadata": {"transaction_id": "txn_sub"}}),
    );
    let id = s["id"].as_str().unwrap().to_owned();
    assert_eq!(env.pay_with(&id, DECLINED, "amy@example.tw", json!({})).status, 402);
    let declined = env.delivered(&receiver, 0);
    assert_eq!(types(&declined), ["subscription.created", "order.payment_failed"]);
    let (created, failed) = (&declined[0]["data"], &declined[1]["data"]);
    assert_eq!(
        (created["status"].as_str(), created["product_id"].as_str()),
        (Some("pending"), Some("prod_coffee_monthly"))
    );
    assert_eq!(created["customer"]["email"], "amy@example.tw");
    assert!(created["current_period_end"].is_null(), "nothing is billed yet");
    assert_no_checkout_keys(&declined[0]);
    let sub = created["id"].as_str().unwrap().to_owned();
    assert_eq!(failed["subscription_id"], sub.as_str());
    assert_eq!(
        (failed["checkout_id"].as_str(), failed["status"].as_str()),
        (Some(id.as_str()), Some("failed"))
    );
    let view = env.get(&format!("/_sandbox/subscriptions/{sub}")).json;
    assert_eq!(
        (view["status"].as_str(), view["checkout_id"].as_str()),
        (Some("pending"), Some(id.as_str()))
    );
    assert_eq!(env.sandbox.session_json(&id).unwrap()["status"], "OPEN");
    let early = renew(&env, &sub, json!({}));
    assert_eq!(
        (early.status, early.code()),
        (409, "conflict"),
        "a pending subscription is not billed"
    );

    assert_eq!(env.pay_with(&id, VISA, "amy@example.tw", json!({})).status, 200);
    let paid = env.delivered(&receiver, 2);
    assert_eq!(
        types(&paid),
        [
            "order.paid",
            "checkout.completed",
            "subscription.activated",
            "einvoice.issued"
        ],
        "no second subscription.created"
    );
    let order = &paid[0]["data"];
    assert_eq!(
        (order["billing_reason"].as_str(), order["subscription_id"].as_str()),
        (Some("subscription_create"), Some(sub.as_str()))
    );
    assert_eq!(
        order["metadata"]["transaction_id"], "txn_sub",
        "the first payment carries the checkout's keys"
    );
    assert_eq!(paid[1]["data"]["subscription_id"], sub.as_str());
    let activated = &paid[2]["data"];
    assert_no_checkout_keys(&paid[2]);
    assert_eq!(
        (activated["id"].as_str(), activated["status"].as_str()),
        (Some(sub.as_str()), Some("active"))
    );
    assert_eq!(activated["billing_period"], "monthly");
    let (start, end) = (
        time(&activated["current_period_start"]),
        time(&activated["current_period_end"]),
    );
    assert!(
        (28..=31).contains(&((end.unix_ms() - start.unix_ms()) / 86_400_000)),
        "a month"
    );
    let trial = time(&activated["trial_end"]);
    assert_eq!(
        (trial.unix_ms() - time(&activated["created_at"]).unix_ms()) / 86_400_000,
        7
    );
    // Now it counts: a second checkout for the same customer and product conflicts.
    let again = json!({"productId": "prod_coffee_monthly", "successUrl": "https://a.tw/ok",
        "cancelUrl": "https://a.tw/no", "customerEmail": "AMY@example.tw"});
    assert_eq!(
        env.api("POST", "/v1/checkout/sessions", Some(&again.to_string()))
            .status,
        409
    );
}

#[test]
fn the_submission_comes_before_the_charge() {
    let (receiver, env) = env();
    let (_, sub) = env.subscribe("prod_member_yearly", "first@example.tw");
    let got = env.delivered(&receiver, 0);
    assert_eq!(
        types(&got)[..4],
        [
            "subscription.created",
            "order.paid",
            "checkout.completed",
            "subscription.activated"
        ]
    );
    let at = |i: usize| time(&got[i]["timestamp"]).unix_ms();
    assert!(
        at(0) < at(1) && at(1) == at(3),
        "pending before active, by the events' own times"
    );
    assert_eq!(
        (got[0]["data"]["id"].as_str(), got[0]["data"]["status"].as_str()),
        (Some(sub.as_str()), Some("pending"))
    );
}

#[test]
fn checkout_completed_may_follow_a_declined_first_payment_without_proving_it() {
    let (receiver, env) = env();
    // (product, how it is switched on, whether the unpaid checkout.completed follows)
    let cases = [
        ("prod_coffee_monthly", "flag", true),
        ("prod_coffee_monthly", "quirk", true),
        ("prod_coffee_monthly", "off", false),
        ("prod_latte", "flag", false),
    ];
    for (product, how, follows) in cases {
        env.post_json("/_sandbox/quirks", &json!({"completed_after_decline": how == "quirk"}));
        let id = env.create(product, json!({}))["id"].as_str().unwrap().to_owned();
        let skip = env.mark(&receiver);
        let flag = json!({"completed_after_decline": how == "flag"});
        assert_eq!(env.pay_with(&id, DECLINED, "b@example.tw", flag).status, 402);
        let got = env.delivered(&receiver, skip);
        let completed: Vec<&Value> = got.iter().filter(|b| b["type"] == "checkout.completed").collect();
        assert_eq!(
            completed.len(),
            usize::from(follows),
            "{product} {how}: {:?}",
            types(&got)
        );
        if let Some(c) = completed.first() {
            assert_eq!(
                types(&got).last(),
                Some(&"checkout.completed"),
                "after order.payment_failed"
            );
            let d = &c["data"];
            assert_eq!(
                (d["id"].as_str(), d["status"].as_str()),
                (Some(id.as_str()), Some("open"))
            );
            assert!(d["order_id"].is_null() && d["completed_at"].is_null(), "{d}");
            assert!(d["subscription_id"].is_string());
        }
        assert_eq!(env.sandbox.session_json(&id).unwrap()["status"], "OPEN", "still unpaid");
    }
}

#[test]
fn renewals_are_invoice_paid_and_subscription_renewed_keyed_by_the_subscription() {
    let (receiver, env) = env();
    let (_, sub) = env.subscribe("prod_coffee_monthly", "ren@example.tw");
    let first_end = env.get(&format!("/_sandbox/subscriptions/{sub}")).json["current_period_end"].clone();
    // (body, billing_reason sent): an unknown reason is passed on as given.
    let cases = [
        (json!({}), "subscription_cycle"),
        (json!({"reason": "subscription_update"}), "subscription_update"),
        (json!({"fail": false, "reason": "gift_cycle"}), "gift_cycle"),
    ];
    let mut period_end = first_end;
    for (body, reason) in cases {
        let skip = env.mark(&receiver);
        let a = renew(&env, &sub, body.clone());
        assert_eq!(a.status, 200, "{body}: {}", a.text);
        assert_eq!(
            (a.json["paid"].as_bool(), a.json["status"].as_str()),
            (Some(true), Some("active"))
        );
        let got = env.delivered(&receiver, skip);
        assert_eq!(
            types(&got),
            ["invoice.paid", "subscription.renewed", "einvoice.issued"],
            "{body}"
        );
        assert_eq!(a.json["events"].as_array().unwrap().len(), 3);
        got.iter().for_each(assert_no_checkout_keys);
        let (invoice, renewed, einvoice) = (&got[0]["data"], &got[1]["data"], &got[2]["data"]);
        assert_eq!(
            (invoice["subscription_id"].as_str(), invoice["billing_reason"].as_str()),
            (Some(sub.as_str()), Some(reason))
        );
        assert_eq!(
            (invoice["status"].as_str(), invoice["amount"].as_i64()),
            (Some("paid"), Some(299))
        );
        assert_eq!(
            (&invoice["order_id"], &invoice["id"]),
            (&a.json["order_id"], &a.json["invoice_id"])
        );
        assert_eq!(
            (renewed["id"].as_str(), renewed["status"].as_str()),
            (Some(sub.as_str()), Some("active"))
        );
        assert_eq!(
            renewed["current_period_start"], period_end,
            "the next period follows the last"
        );
        period_end = renewed["current_period_end"].clone();
        assert_eq!(
            (&einvoice["order_id"], &einvoice["invoice_id"]),
            (&invoice["order_id"], &invoice["id"])
        );
    }
    let all = env.sandbox.events();
    let order_paid = all.iter().filter(|e| e["type"] == "order.paid").count();
    assert_eq!(order_paid, 1, "no renewal order.paid: only the first payment's");
    assert_eq!(renew(&env, "cnope", json!({})).status, 404);
}

#[test]
fn failed_renewals_follow_the_products_grace_period() {
    let (receiver, env) = env();
    // (product, body, events, status after): the monthly card has 3 days' grace, the yearly none.
    let cases = [
        (
            "prod_coffee_monthly",
            json!({"fail": true}),
            vec!["invoice.payment_failed", "subscription.past_due"],
            "past_due",
        ),
        (
            "prod_member_yearly",
            json!({"fail": true}),
            vec!["invoice.payment_failed"],
            "active",
        ),
        (
            "prod_coffee_monthly",
            json!({"no_card": true}),
            vec!["subscription.payment_method_required"],
            "past_due",
        ),
        (
            "prod_member_yearly",
            json!({"no_card": true}),
            vec!["subscription.revoked"],
            "revoked",
        ),
    ];
    for (i, (product, body, expected, status)) in cases.into_iter().enumerate() {
        let (_, sub) = env.subscribe(product, &format!("fail{i}@example.tw"));
        let skip = env.mark(&receiver);
        let a = renew(&env, &sub, body.clone());
        assert_eq!(
            (a.status, a.json["status"].as_str(), a.json["paid"].as_bool()),
            (200, Some(status), Some(false)),
            "{body}"
        );
        let got = env.delivered(&receiver, skip);
        assert_eq!(types(&got), expected, "{product} {body}");
        got.iter().for_each(assert_no_checkout_keys);
        for b in &got {
            let d = &b["data"];
            match b["type"].as_str().unwrap() {
                "invoice.payment_failed" => {
                    assert_eq!(
                        (d["subscription_id"].as_str(), d["status"].as_str()),
                        (Some(sub.as_str()), Some("failed"))
                    );
                    assert_eq!(
                        (d["failure_code"].as_str(), d["billing_reason"].as_str()),
                        (Some("card_declined"), Some("subscription_cycle"))
                    );
                    assert!(d["order_id"].is_null(), "no money, no order");
                }
                _ => {
                    assert_eq!(
                        (d["id"].as_str(), d["status"].as_str()),
                        (Some(sub.as_str()), Some(status))
                    );
                    let grace = d["grace_period_end"].as_str().map(|t| time(&json!(t)));
                    let days = grace.map(|g| (g.unix_ms() - time(&b["timestamp"]).unix_ms()) / 86_400_000);
                    assert_eq!(days, (status == "past_due").then_some(3), "{b}");
                }
            }
        }
    }
}

#[test]
fn after_the_grace_period_the_subscription_expires_and_cancelled_ones_stop() {
    let (receiver, env) = env();
    let (_, late) = env.subscribe("prod_coffee_monthly", "late@example.tw");
    renew(&env, &late, json!({"fail": true}));
    let skip = env.mark(&receiver);
    let a = env.post_json(&format!("/_sandbox/subscriptions/{late}/expire"), &json!({}));
    assert_eq!((a.status, a.json["status"].as_str()), (200, Some("expired")));
    let got = env.delivered(&receiver, skip);
    assert_eq!(types(&got), ["subscription.expired"]);
    assert_no_checkout_keys(&got[0]);
    assert!(got[0]["data"]["ended_at"].is_string());

    let (_, leaving) = env.subscribe("prod_member_yearly", "bye@example.tw");
    let skip = env.mark(&receiver);
    let a = env.post_json(&format!("/_sandbox/subscriptions/{leaving}/cancel"), &json!({}));
    assert_eq!((a.status, a.json["status"].as_str()), (200, Some("canceled")));
    let got = env.delivered(&receiver, skip);
    assert_eq!(types(&got), ["subscription.cancelled"]);
    assert_eq!(got[0]["data"]["status"], "canceled");
    for (sub, action) in [
        (&late, "renew"),
        (&leaving, "renew"),
        (&leaving, "expire"),
        (&late, "cancel"),
    ] {
        let a = env.post_json(&format!("/_sandbox/subscriptions/{sub}/{action}"), &json!({}));
        assert_eq!((a.status, a.code()), (409, "conflict"), "{action} after the end");
    }
    let list = env.get("/_sandbox/subscriptions").json;
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["expired", "canceled"]);
    assert_eq!(env.get("/_sandbox/subscriptions/cnope").status, 404);
}
