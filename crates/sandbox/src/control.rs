//! The control API under `/_sandbox/` (no auth, JSON in and out): pay, cancel or expire a
//! session as a customer would, emit and redeliver events, read the delivery log, set faults
//! and quirks, and add webhook endpoints. Scripts outside this repository depend on these
//! exact routes.
//!
//! Renewals, subscription endings, refunds and orders are in [`crate::control_billing`]; the
//! small return pages (`/_sandbox/return/…`) are HTML and live in [`crate::page`].

use std::time::Instant;

use recur_domain::Timestamp;
use serde_json::{json, Value};

use crate::config::{Faults, Quirks};
use crate::control_billing;
use crate::events::StoredEvent;
use crate::http::{invalid, json_object, method_not_allowed, not_found, Req, Resp};
use crate::page;
use crate::payment::{PayInput, PayOutcome, Refusal};
use crate::shared::Shared;

pub fn handle(shared: &Shared, req: &Req, now: Timestamp) -> Resp {
    let post = req.method == "POST";
    let get = req.method == "GET" || req.method == "HEAD";
    match req.segments().as_slice() {
        ["_sandbox", "return", which] if get => page::return_page(which, req),
        ["_sandbox", "sessions", rest @ ..] => sessions(shared, req, rest, now),
        ["_sandbox", "events"] if post => emit_custom(shared, req, now),
        ["_sandbox", "events"] if get => {
            let events: Vec<Value> = shared.state().events().iter().map(|e| e.json()).collect();
            Resp::json(200, &Value::Array(events))
        }
        ["_sandbox", "events", id, "redeliver"] if post => redeliver(shared, id),
        ["_sandbox", "subscriptions" | "refunds" | "orders", ..] => control_billing::handle(shared, req, now),
        ["_sandbox", "deliveries"] if get => Resp::json(200, &json!(shared.dispatcher.deliveries())),
        ["_sandbox", "faults"] if get => Resp::json(200, &json!(shared.dice().faults)),
        ["_sandbox", "faults"] if post => set_faults(shared, req),
        ["_sandbox", "quirks"] if get => Resp::json(200, &json!(shared.state().quirks)),
        ["_sandbox", "quirks"] if post => set_quirks(shared, req),
        ["_sandbox", "webhooks"] if get => Resp::json(200, &json!({"webhook_urls": shared.state().webhook_urls})),
        ["_sandbox", "webhooks"] if post => add_webhook(shared, req),
        ["_sandbox", "health"] if get => Resp::json(200, &json!({"ok": true, "base_url": shared.base_url})),
        ["_sandbox", "events" | "faults" | "quirks" | "webhooks", ..] => {
            method_not_allowed(if get { "POST" } else { "GET" })
        }
        _ => not_found(&format!("no control route for {} {}", req.method, req.path)),
    }
}

/// `/_sandbox/sessions/…`: list, read, pay, cancel, expire.
fn sessions(shared: &Shared, req: &Req, rest: &[&str], now: Timestamp) -> Resp {
    let get = req.method == "GET" || req.method == "HEAD";
    match (req.method.as_str(), rest) {
        (_, []) if get => {
            let ids = shared.state().session_ids();
            let sessions: Vec<Value> = ids.iter().filter_map(|id| shared.session_json(id, now)).collect();
            Resp::json(200, &Value::Array(sessions))
        }
        (_, [id]) if get => match shared.session_json(id, now) {
            Some(s) => Resp::json(200, &s),
            None => no_session(id),
        },
        ("POST", [id, "pay"]) => pay(shared, id, req, now),
        ("POST", [id, "cancel"]) => {
            let mut state = shared.state();
            let camel = state.quirks.camel_case;
            match state.cancel(id, now) {
                Some(s) => Resp::json(
                    200,
                    &json!({"session": s.to_json(camel), "redirect_url": s.cancel_redirect()}),
                ),
                None => no_session(id),
            }
        }
        ("POST", [id, "expire"]) => {
            let mut state = shared.state();
            let camel = state.quirks.camel_case;
            match state.expire(id, now) {
                Some(s) => Resp::json(200, &s.to_json(camel)),
                None => no_session(id),
            }
        }
        (_, [] | [_]) => method_not_allowed("GET"),
        (_, [_, "pay" | "cancel" | "expire"]) => method_not_allowed("POST"),
        _ => not_found(&format!("no control route for {} {}", req.method, req.path)),
    }
}

fn no_session(id: &str) -> Resp {
    not_found(&format!("no checkout session with id {id}"))
}

/// Pays as the hosted page would; declines answer 402 in Recur's error shape.
fn pay(shared: &Shared, id: &str, req: &Req, now: Timestamp) -> Resp {
    let body = match json_object(&req.body) {
        Ok(body) => body,
        Err(resp) => return resp,
    };
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let flag = |name: &str| body.get(name).and_then(Value::as_bool).unwrap_or(false);
    let input = PayInput {
        email: text("email").unwrap_or_default(),
        card_number: text("card_number").or_else(|| text("card")).unwrap_or_default(),
        exp: text("exp"),
        name: text("name"),
        omit_metadata: flag("omit_metadata"),
        completed_after_decline: flag("completed_after_decline"),
    };
    let (outcome, events) = shared.state().pay(id, &input, now);
    shared.emit(&events);
    match outcome {
        PayOutcome::Paid(s) => Resp::json(200, &s.to_json(shared.state().quirks.camel_case)),
        PayOutcome::Declined(decline) => Resp::error(402, decline.code(), decline.message(crate::cards::Lang::En)),
        PayOutcome::Refused(refusal) => refusal_resp(id, refusal),
    }
}

fn refusal_resp(id: &str, refusal: Refusal) -> Resp {
    match refusal {
        Refusal::NotFound => no_session(id),
        Refusal::Expired => Resp::error(410, "session_expired", "this checkout session has expired"),
        Refusal::AlreadyComplete => Resp::error(409, "conflict", "this checkout session is already paid"),
        Refusal::MissingEmail => invalid("email", "email is required"),
        Refusal::BadEmail => invalid("email", "email is not an email address"),
        Refusal::MissingCard => invalid("card_number", "card_number is required"),
        Refusal::BadExpiry => invalid("exp", "exp must be MM/YY"),
    }
}

/// Signs and delivers any event: `{"type", "data", "id"?}`.
fn emit_custom(shared: &Shared, req: &Req, now: Timestamp) -> Resp {
    let body = match json_object(&req.body) {
        Ok(body) => body,
        Err(resp) => return resp,
    };
    let Some(event_type) = body
        .get("type")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
    else {
        return invalid("type", "type is required");
    };
    let id = body
        .get("id")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let data = body.get("data").cloned().unwrap_or_else(|| json!({}));
    let event = shared.state().record_event(StoredEvent::new(id, event_type, now, data));
    shared.emit(std::slice::from_ref(&event));
    Resp::json(200, &json!({"id": event.id}))
}

fn redeliver(shared: &Shared, id: &str) -> Resp {
    let (event, urls) = {
        let state = shared.state();
        (state.event(id), state.webhook_urls.clone())
    };
    match event {
        Some(event) => {
            shared.dispatcher.redeliver(&event, &urls, Instant::now());
            Resp::json(200, &json!({"id": event.id, "urls": urls}))
        }
        None => not_found(&format!("no event with id {id}")),
    }
}

fn set_faults(shared: &Shared, req: &Req) -> Resp {
    let body = match json_object(&req.body) {
        Ok(body) => body,
        Err(resp) => return resp,
    };
    let faults: Faults = match serde_json::from_value(Value::Object(body)) {
        Ok(f) => f,
        Err(e) => return Resp::error(400, "invalid_request", &format!("not a faults object: {e}")),
    };
    let rates = [
        faults.duplicate_rate,
        faults.drop_rate,
        faults.api_500_rate,
        faults.api_429_rate,
        faults.api_garbage_rate,
    ];
    if rates.iter().any(|r| !(0.0..=1.0).contains(r)) {
        return Resp::error(400, "invalid_request", "rates must be between 0 and 1");
    }
    tracing::info!(?faults, "faults set");
    shared.dice().faults = faults.clone();
    Resp::json(200, &json!(faults))
}

fn set_quirks(shared: &Shared, req: &Req) -> Resp {
    let body = match json_object(&req.body) {
        Ok(body) => body,
        Err(resp) => return resp,
    };
    match serde_json::from_value::<Quirks>(Value::Object(body)) {
        Ok(quirks) => {
            tracing::info!(?quirks, "quirks set");
            shared.state().quirks = quirks.clone();
            Resp::json(200, &json!(quirks))
        }
        Err(e) => Resp::error(400, "invalid_request", &format!("not a quirks object: {e}")),
    }
}

fn add_webhook(shared: &Shared, req: &Req) -> Resp {
    let body = match json_object(&req.body) {
        Ok(body) => body,
        Err(resp) => return resp,
    };
    let Some(url) = body
        .get("url")
        .and_then(Value::as_str)
        .filter(|u| url::Url::parse(u).is_ok())
    else {
        return invalid("url", "url must be an absolute URL");
    };
    let mut state = shared.state();
    if !state.webhook_urls.iter().any(|u| u == url) {
        state.webhook_urls.push(url.to_owned());
    }
    Resp::json(200, &json!({"webhook_urls": state.webhook_urls}))
}
