//! Refunds through `POST /_sandbox/refunds` (recur-api.md §6): `refund.created` then
//! `refund.succeeded` or `refund.failed` with the documented payload and a running total,
//! cancellation of a subscription with its refund, e-invoice voids and allowances, and
//! over-refunds refused.

use recur_sandbox::SandboxConfig;
use serde_json::{json, Value};

use crate::support::{assert_no_checkout_keys, start_with_receiver, types, Answer, Env, Receiver};

/// Every field Recur documents for `refund.*`.
const REFUND_FIELDS: [&str; 15] = [
    "id",
    "refund_number",
    "charge_id",
    "order_id",
    "subscription_id",
    "customer_id",
    "amount",
    "currency",
    "status",
    "reason",
    "reason_detail",
    "original_amount",
    "refunded_amount",
    "failure_code",
    "failure_message",
];

fn env() -> (Receiver, Env) {
    let receiver = Receiver::ok();
    let env = start_with_receiver(&receiver, SandboxConfig::for_tests());
    (receiver, env)
}

/// Pays `product` once; answers its order id.
fn paid_order(env: &Env, product: &str) -> String {
    let id = env.create(product, json!({"metadata": {"transaction_id": "txn_r"}}))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let paid = env.pay(&id, "refund@example.tw");
    paid.json["order_id"].as_str().unwrap().to_owned()
}

fn refund(env: &Env, body: Value) -> Answer {
    env.post_json("/_sandbox/refunds", &body)
}

/// `(type, status, amount, refunded_amount)` of each refund event.
fn summary(got: &[Value]) -> Vec<(String, String, i64, i64)> {
    got.iter()
        .filter(|b| b["type"].as_str().unwrap().starts_with("refund."))
        .map(|b| {
            let (kind, d) = (b["type"].as_str().unwrap().to_owned(), &b["data"]);
            let status = d["status"].as_str().unwrap_or("").to_owned();
            (
                kind,
                status,
                d["amount"].as_i64().unwrap(),
                d["refunded_amount"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_full_refund_is_created_then_succeeds_and_voids_the_einvoice() {
    let (receiver, env) = env();
    let order = paid_order(&env, "prod_latte");
    let skip = env.mark(&receiver);
    let issued = &env.delivered(&receiver, 0)[skip - 1];
    assert_eq!(issued["type"], "einvoice.issued");
    let a = refund(&env, json!({"order_id": order}));
    assert_eq!(a.status, 200, "{}", a.text);
    let got = env.delivered(&receiver, skip);
    assert_eq!(types(&got), ["refund.created", "refund.succeeded", "einvoice.voided"]);
    let ids: Vec<&str> = got.iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert_eq!(a.json["events"], json!(ids));
    assert_eq!(
        summary(&got),
        [
            ("refund.created".into(), "pending".into(), 120, 0),
            ("refund.succeeded".into(), "succeeded".into(), 120, 120)
        ]
    );
    let succeeded = &got[1]["data"];
    let keys: Vec<&str> = REFUND_FIELDS
        .iter()
        .copied()
        .filter(|k| succeeded.get(*k).is_none())
        .collect();
    assert!(keys.is_empty(), "missing {keys:?}: {succeeded}");
    assert_eq!(
        (succeeded["id"].as_str(), succeeded["order_id"].as_str()),
        (a.json["refund_id"].as_str(), Some(order.as_str()))
    );
    assert_eq!(
        (succeeded["original_amount"].as_i64(), succeeded["currency"].as_str()),
        (Some(120), Some("TWD"))
    );
    assert!(succeeded["charge_id"].is_string() && succeeded["customer_id"].is_string());
    assert!(succeeded["subscription_id"].is_null() && succeeded["failure_code"].is_null());
    assert_eq!(got[0]["data"]["id"], succeeded["id"], "one refund, two events");
    got.iter().for_each(assert_no_checkout_keys);
    let void = &got[2]["data"];
    assert_eq!(
        (&void["order_id"], &void["invoice_number"]),
        (&json!(order), &issued["data"]["invoice_number"])
    );
    assert_eq!(void["status"], "voided");
    assert_eq!(
        env.get(&format!("/_sandbox/orders/{order}")).json["refunded_amount"],
        120
    );
}

#[test]
fn partial_refunds_keep_a_running_total_make_allowances_and_refuse_over_refunds() {
    let (receiver, env) = env();
    let order = paid_order(&env, "prod_gift_box");
    let skip = env.mark(&receiver);
    assert_eq!(
        refund(
            &env,
            json!({"order_id": order, "amount": 290, "reason_detail": "少一包"})
        )
        .status,
        200
    );
    assert_eq!(
        refund(&env, json!({"order_id": order, "amount": 500, "fail": true})).status,
        200
    );
    let over = refund(&env, json!({"order_id": order, "amount": 1001}));
    assert_eq!(
        (over.status, over.json["error"]["details"][0]["field"].as_str()),
        (400, Some("amount"))
    );
    assert!(over.text.contains("NT$1000 left to refund"), "{}", over.text);
    assert_eq!(refund(&env, json!({"order_id": order})).status, 200, "the rest: 1000");
    let done = refund(&env, json!({"order_id": order, "amount": 1}));
    assert!(
        done.status == 400 && done.text.contains("already fully refunded"),
        "{}",
        done.text
    );
    let got = env.delivered(&receiver, skip);
    assert_eq!(
        types(&got),
        [
            "refund.created",
            "refund.succeeded",
            "einvoice.allowance_created",
            "refund.created",
            "refund.failed",
            "refund.created",
            "refund.succeeded",
            "einvoice.allowance_created"
        ],
        "a failed refund touches no e-invoice; once reduced, never voided"
    );
    let rows = |kind: &str, status: &str, amount, total| (kind.to_owned(), status.to_owned(), amount, total);
    assert_eq!(
        summary(&got),
        [
            rows("refund.created", "pending", 290, 0),
            rows("refund.succeeded", "succeeded", 290, 290),
            rows("refund.created", "pending", 500, 290),
            rows("refund.failed", "failed", 500, 290),
            rows("refund.created", "pending", 1000, 290),
            rows("refund.succeeded", "succeeded", 1000, 1290),
        ]
    );
    let failed = &got[4]["data"];
    assert!(
        failed["failure_code"].is_string() && failed["failure_message"].is_string(),
        "{failed}"
    );
    assert_eq!(got[1]["data"]["reason_detail"], "少一包");
    let allowance = &got[2]["data"];
    assert_eq!(
        (allowance["amount"].as_i64(), allowance["remaining_amount"].as_i64()),
        (Some(290), Some(1000))
    );
    assert!(allowance["allowance_number"].is_string());
    let numbers: Vec<&Value> = got
        .iter()
        .map(|b| &b["data"]["refund_number"])
        .filter(|n| n.is_string())
        .collect();
    assert_eq!(
        (numbers[0], numbers[2] != numbers[0]),
        (numbers[1], true),
        "one number per refund"
    );
}

#[test]
fn refusals_name_the_field() {
    let (_receiver, env) = env();
    let order = paid_order(&env, "prod_latte");
    // (body, status, field)
    let cases = [
        (json!({}), 400, Some("order_id")),
        (json!({"order_id": "cnope"}), 404, None),
        (json!({"order_id": order, "amount": 0}), 400, Some("amount")),
        (json!({"order_id": order, "amount": -5}), 400, Some("amount")),
        (json!({"order_id": order, "amount": "ten"}), 400, Some("amount")),
        (json!({"order_id": order, "amount": 121}), 400, Some("amount")),
        (
            json!({"order_id": order, "cancel_subscription": true}),
            400,
            Some("cancel_subscription"),
        ),
    ];
    for (body, status, field) in cases {
        let a = refund(&env, body.clone());
        assert_eq!(a.status, status, "{body}: {}", a.text);
        assert_eq!(a.json["error"]["details"][0]["field"].as_str(), field, "{body}");
    }
    assert_eq!(env.get("/_sandbox/refunds").status, 405);
    assert_eq!(
        env.get(&format!("/_sandbox/orders/{order}")).json["refunded_amount"],
        0,
        "nothing moved"
    );
}

#[test]
fn a_full_refund_with_cancellation_ends_the_subscription_at_once() {
    let (receiver, env) = env();
    let (_, sub) = env.subscribe("prod_coffee_monthly", "quit@example.tw");
    let renewal = env.post_json(&format!("/_sandbox/subscriptions/{sub}/renew"), &json!({}));
    let renewal_order = renewal.json["order_id"].as_str().unwrap().to_owned();
    let skip = env.mark(&receiver);
    let a = refund(&env, json!({"order_id": renewal_order, "cancel_subscription": true}));
    assert_eq!(a.status, 200, "{}", a.text);
    let got = env.delivered(&receiver, skip);
    assert_eq!(
        types(&got),
        [
            "refund.created",
            "refund.succeeded",
            "subscription.cancelled",
            "einvoice.voided"
        ]
    );
    assert_eq!(got[1]["data"]["subscription_id"], sub.as_str());
    let cancelled = &got[2];
    assert_no_checkout_keys(cancelled);
    assert_eq!(
        (cancelled["data"]["id"].as_str(), cancelled["data"]["status"].as_str()),
        (Some(sub.as_str()), Some("canceled"))
    );
    assert_eq!(got[3]["data"]["invoice_id"], renewal.json["invoice_id"]);
    let renew = env.post_json(&format!("/_sandbox/subscriptions/{sub}/renew"), &json!({}));
    assert_eq!(renew.status, 409, "a cancelled subscription is not billed again");
    let orders = env.get("/_sandbox/orders").json;
    let reasons: Vec<&str> = orders
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["billing_reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["subscription_create", "subscription_cycle"]);
}
