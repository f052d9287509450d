//! The control routes for what happens after a first payment, all of which Recur does on its
//! own (its billing engine, its dashboard): renewals and their failures, the end of a grace
//! period, cancellation, refunds, and a read of the orders those create.
//!
//! | route | what |
//! |---|---|
//! | `GET /_sandbox/subscriptions[/{id}]` | every subscription / one |
//! | `POST /_sandbox/subscriptions/{id}/renew` `{"fail"?, "no_card"?, "reason"?}` | the next billing cycle |
//! | `POST /_sandbox/subscriptions/{id}/expire` | the grace period ran out |
//! | `POST /_sandbox/subscriptions/{id}/cancel` | cancelled now |
//! | `POST /_sandbox/refunds` `{"order_id", "amount"?, "fail"?, "cancel_subscription"?}` | a refund |
//! | `GET /_sandbox/orders[/{id}]` | every order (first payments and renewals) / one |
//!
//! The rules are in [`crate::billing`] and [`crate::refund`].

use recur_domain::Timestamp;
use serde_json::{json, Map, Value};

use crate::billing::{Attempt, Billed, Ending};
use crate::http::{invalid, json_object, method_not_allowed, not_found, Req, Resp};
use crate::refund::RefundInput;
use crate::shared::Shared;
use crate::subscription::Subscription;

pub fn handle(shared: &Shared, req: &Req, now: Timestamp) -> Resp {
    let (post, get) = (req.method == "POST", req.method == "GET" || req.method == "HEAD");
    match req.segments().as_slice() {
        ["_sandbox", "subscriptions"] if get => {
            let state = shared.state();
            let mut subs: Vec<&Subscription> = state.subscriptions.values().collect();
            subs.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            Resp::json(200, &Value::Array(subs.into_iter().map(view).collect()))
        }
        ["_sandbox", "subscriptions", id] if get => match shared.state().subscriptions.get(*id) {
            Some(sub) => Resp::json(200, &view(sub)),
            None => not_found(&format!("no subscription {id}")),
        },
        ["_sandbox", "subscriptions", id, "renew"] if post => renew(shared, id, req, now),
        ["_sandbox", "subscriptions", id, "expire"] if post => end(shared, id, Ending::Expire, now),
        ["_sandbox", "subscriptions", id, "cancel"] if post => end(shared, id, Ending::Cancel, now),
        ["_sandbox", "refunds"] if post => refund(shared, req, now),
        ["_sandbox", "orders"] if get => {
            let state = shared.state();
            let orders = state.order_ids.iter().filter_map(|id| state.orders.get(id));
            Resp::json(200, &Value::Array(orders.map(|o| o.to_json()).collect()))
        }
        ["_sandbox", "orders", id] if get => match shared.state().orders.get(*id) {
            Some(order) => Resp::json(200, &order.to_json()),
            None => not_found(&format!("no order {id}")),
        },
        ["_sandbox", "subscriptions" | "orders"] | ["_sandbox", "subscriptions" | "orders", _] => {
            method_not_allowed("GET")
        }
        ["_sandbox", "refunds"] | ["_sandbox", "subscriptions", _, "renew" | "expire" | "cancel"] => {
            method_not_allowed("POST")
        }
        _ => not_found(&format!("no control route for {} {}", req.method, req.path)),
    }
}

/// The sandbox's own view of a subscription: the event shape, plus the checkout behind it.
fn view(sub: &Subscription) -> Value {
    let mut data = sub.to_event_json();
    data["checkout_id"] = json!(sub.session_id);
    data
}

fn renew(shared: &Shared, id: &str, req: &Req, now: Timestamp) -> Resp {
    let body = match json_object(&req.body) {
        Ok(body) => body,
        Err(resp) => return resp,
    };
    let reason = match text(&body, "reason") {
        Ok(reason) => reason.unwrap_or_else(|| "subscription_cycle".to_owned()),
        Err(resp) => return resp,
    };
    let attempt = match (flag(&body, "no_card"), flag(&body, "fail")) {
        (true, _) => Attempt::NoCard,
        (false, true) => Attempt::Declined,
        (false, false) => Attempt::Paid,
    };
    let billed = shared.state().renew(id, attempt, &reason, now);
    answer(
        shared,
        billed,
        |b| json!({"paid": attempt == Attempt::Paid, "order_id": b.order_id, "invoice_id": b.invoice_id}),
    )
}

fn end(shared: &Shared, id: &str, ending: Ending, now: Timestamp) -> Resp {
    let billed = shared.state().end(id, ending, now);
    answer(shared, billed, |_| json!({}))
}

/// Emits and answers `{subscription_id, status, events, …extra}`.
fn answer(shared: &Shared, billed: Result<Billed, Resp>, extra: impl Fn(&Billed) -> Value) -> Resp {
    let billed = match billed {
        Ok(billed) => billed,
        Err(resp) => return resp,
    };
    shared.emit(&billed.events);
    let mut body = extra(&billed);
    body["subscription_id"] = json!(billed.subscription.id);
    body["status"] = json!(billed.subscription.status.as_str());
    body["events"] = json!(billed.events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>());
    Resp::json(200, &body)
}

fn refund(shared: &Shared, req: &Req, now: Timestamp) -> Resp {
    let input = match refund_input(&req.body) {
        Ok(input) => input,
        Err(resp) => return resp,
    };
    let made = shared.state().refund(&input, now);
    match made {
        Ok(refund) => {
            shared.emit(&refund.events);
            let ids: Vec<&str> = refund.events.iter().map(|e| e.id.as_str()).collect();
            Resp::json(200, &json!({"refund_id": refund.refund_id, "events": ids}))
        }
        Err(resp) => resp,
    }
}

fn refund_input(body: &[u8]) -> Result<RefundInput, Resp> {
    let body = json_object(body)?;
    let amount = match body.get("amount") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| invalid("amount", "amount must be a whole number of TWD"))?,
        ),
    };
    Ok(RefundInput {
        order_id: text(&body, "order_id")?.unwrap_or_default(),
        amount,
        fail: flag(&body, "fail"),
        cancel_subscription: flag(&body, "cancel_subscription"),
        reason: text(&body, "reason")?,
        reason_detail: text(&body, "reason_detail")?,
    })
}

fn flag(body: &Map<String, Value>, name: &str) -> bool {
    body.get(name).and_then(Value::as_bool).unwrap_or(false)
}

fn text(body: &Map<String, Value>, name: &str) -> Result<Option<String>, Resp> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(invalid(name, &format!("{name} must be a non-empty string"))),
    }
}
