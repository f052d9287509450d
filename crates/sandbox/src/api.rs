//! Recur's REST API under `/v1`: authentication, the rate limit, API fault injection, checkout
//! sessions and products (recur-api.md §1–5).
//!
//! The hosted page and the control API are elsewhere ([`crate::page`], [`crate::control`]).

use std::time::{Duration, Instant};

use recur_domain::{Mode, Timestamp};
use serde_json::{json, Map, Value};

use crate::email::looks_like_email;
use crate::http::{invalid, json_object, method_not_allowed, not_found, Req, Resp};
use crate::shared::Shared;
use crate::state::{NewSession, ProductRef};

/// Which kind of key a request authenticated with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    Secret,
    /// `pk_test_…`: may create checkouts and read, never set `metadata`.
    Publishable,
}

/// Answers one `/v1` request, faults included.
pub fn handle(shared: &Shared, req: &Req, now: Timestamp, instant: Instant) -> Resp {
    shared.state().api_requests += 1;
    let (key, kind) = match authenticate(shared, req) {
        Ok(found) => found,
        Err(resp) => return resp,
    };
    if let Some(limit) = shared.rate_limit {
        if let Err(retry_after) = shared.state().admit(&key, limit, instant) {
            let message = format!("more than {limit} requests in a minute; retry after {retry_after} s");
            return Resp::error(429, "rate_limited", &message).with_header("Retry-After", &retry_after.to_string());
        }
    }
    let faults = shared.dice().faults.clone();
    if shared.dice().roll(faults.api_429_rate) {
        return Resp::error(429, "rate_limited", "injected fault: too many requests").with_header("Retry-After", "1");
    }
    // The request is processed before a 500 or garbage fault replaces the answer: the worst
    // case a client must survive is "it failed, but did it happen?".
    let mut resp = route(shared, req, kind, now);
    if shared.dice().roll(faults.api_500_rate) {
        resp = Resp::error(500, "internal_error", "injected fault: internal error");
    } else if shared.dice().roll(faults.api_garbage_rate) {
        resp = Resp {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: GARBAGE.to_vec(),
        };
    }
    if faults.api_slow_ms > 0 {
        std::thread::sleep(Duration::from_millis(faults.api_slow_ms));
    }
    resp
}

/// What a broken proxy might answer: truncated JSON then HTML.
const GARBAGE: &[u8] = b"{\"id\":\"c0ffee\",\"status\":<html><body>502 Bad Gateway</body></html>";

fn authenticate(shared: &Shared, req: &Req) -> Result<(String, KeyKind), Resp> {
    let bearer = req.header("authorization").and_then(|h| {
        let (scheme, rest) = h.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    let key = bearer
        .or_else(|| req.header("x-recur-secret-key").map(str::trim))
        .unwrap_or("");
    let unauthorized = |message: &str| Err(Resp::error(401, "unauthorized", message));
    if key.is_empty() {
        return unauthorized("missing API key: send Authorization: Bearer sk_test_…");
    }
    if key == shared.secret_key {
        return Ok((key.to_owned(), KeyKind::Secret));
    }
    if key.starts_with("pk_test_") {
        return Ok((key.to_owned(), KeyKind::Publishable));
    }
    if key.starts_with("sk_live_") || key.starts_with("pk_live_") {
        return unauthorized("live keys are not accepted by the sandbox: use the sandbox's sk_test_ key");
    }
    unauthorized("invalid API key")
}

fn route(shared: &Shared, req: &Req, kind: KeyKind, now: Timestamp) -> Resp {
    let get = req.method == "GET" || req.method == "HEAD";
    match req.segments().as_slice() {
        ["v1", "checkout", "sessions"] if req.method == "POST" => create_session(shared, req, kind, now),
        ["v1", "checkout", "sessions"] => method_not_allowed("POST"),
        ["v1", "checkout", "sessions", id] if get => match shared.session_json(id, now) {
            Some(s) => Resp::json(200, &s),
            None => not_found(&format!("no checkout session with id {id}")),
        },
        ["v1", "checkout", "sessions", _] => method_not_allowed("GET"),
        ["v1", "products"] if get => list_products(shared, req),
        ["v1", "products", id] if get => match shared.state().catalog.get(id) {
            Some(p) => Resp::json(200, &p.to_json()),
            None => not_found(&format!("no product with id {id}")),
        },
        ["v1", "products", ..] => method_not_allowed("GET"),
        _ => not_found(&format!("no route for {} {}", req.method, req.path)),
    }
}

fn create_session(shared: &Shared, req: &Req, kind: KeyKind, now: Timestamp) -> Resp {
    let body = match json_object(&req.body) {
        Ok(body) => body,
        Err(resp) => return resp,
    };
    if kind == KeyKind::Publishable && field(&body, "metadata", "metadata").is_some() {
        return Resp::error(403, "forbidden", "only a secret key (sk_) may set metadata");
    }
    let new = match parse_new_session(&body, shared.lan_host.as_deref()) {
        Ok(new) => new,
        Err(resp) => return resp,
    };
    let mut state = shared.state();
    match state.create_session(new, now) {
        Ok(session) => {
            tracing::info!(id = %session.id, product = %session.product.id, mode = %session.mode, "checkout session created");
            Resp::json(201, &session.to_json(state.quirks.camel_case))
        }
        Err(resp) => resp,
    }
}

/// Reads both casings and the integrators' fields (recur-api.md §2) and checks every field.
/// `lan_host` is the sandbox's own LAN address in phone-test mode, where plain http is allowed.
pub fn parse_new_session(body: &Map<String, Value>, lan_host: Option<&str>) -> Result<NewSession, Resp> {
    let product = product_ref(body)?;
    let success_url = required_str(body, "successUrl", "success_url")?;
    let cancel_url = required_str(body, "cancelUrl", "cancel_url")?;
    check_redirect_url("successUrl", &success_url, lan_host)?;
    check_redirect_url("cancelUrl", &cancel_url, lan_host)?;
    let mode = match optional_str(body, "mode", "mode")? {
        None => None,
        Some(text) => Some(Mode::parse(&text).ok_or_else(|| {
            invalid(
                "mode",
                &format!("mode must be PAYMENT, SUBSCRIPTION or SETUP, not {text:?}"),
            )
        })?),
    };
    let customer_email = optional_str(body, "customerEmail", "customer_email")?.filter(|e| !e.trim().is_empty());
    if let Some(email) = customer_email.as_deref().filter(|e| !looks_like_email(e)) {
        return Err(invalid(
            "customerEmail",
            &format!("customerEmail {email:?} is not an email address"),
        ));
    }
    let customer_name = optional_str(body, "customerName", "customer_name")?.filter(|n| !n.trim().is_empty());
    let non_empty = |camel, snake| optional_str(body, camel, snake).map(|v| v.filter(|t| !t.trim().is_empty()));
    let external_customer_id = non_empty("externalCustomerId", "external_customer_id")?;
    let promotion_code = non_empty("promotionCode", "promotion_code")?;
    let metadata = metadata(body)?;
    Ok(NewSession {
        product,
        mode,
        success_url,
        cancel_url,
        customer_email,
        customer_name,
        external_customer_id,
        promotion_code,
        metadata,
    })
}

/// `productId`, else the `productSlug` integrators send.
fn product_ref(body: &Map<String, Value>) -> Result<ProductRef, Resp> {
    let named = |camel, snake| optional_str(body, camel, snake).map(|v| v.filter(|t| !t.trim().is_empty()));
    if let Some(id) = named("productId", "product_id")? {
        return Ok(ProductRef::Id(id.trim().to_owned()));
    }
    match named("productSlug", "product_slug")? {
        Some(slug) => Ok(ProductRef::Slug(slug.trim().to_owned())),
        None => Err(invalid("productId", "productId (or productSlug) is required")),
    }
}

/// A flat object of strings (Recur refuses anything else).
fn metadata(body: &Map<String, Value>) -> Result<Map<String, Value>, Resp> {
    match field(body, "metadata", "metadata") {
        None => Ok(Map::new()),
        Some(Value::Object(map)) => match map.iter().find(|(_, v)| !v.is_string()) {
            Some((k, _)) => Err(invalid("metadata", &format!("metadata.{k} must be a string"))),
            None => Ok(map.clone()),
        },
        Some(_) => Err(invalid("metadata", "metadata must be a flat object of strings")),
    }
}

/// A non-null value under the camelCase or the snake_case name.
fn field<'a>(body: &'a Map<String, Value>, camel: &str, snake: &str) -> Option<&'a Value> {
    body.get(camel).or_else(|| body.get(snake)).filter(|v| !v.is_null())
}

fn optional_str(body: &Map<String, Value>, camel: &str, snake: &str) -> Result<Option<String>, Resp> {
    match field(body, camel, snake) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(camel, &format!("{camel} must be a string"))),
    }
}

fn required_str(body: &Map<String, Value>, camel: &str, snake: &str) -> Result<String, Resp> {
    match optional_str(body, camel, snake)? {
        Some(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        _ => Err(invalid(camel, &format!("{camel} is required"))),
    }
}

/// HTTPS, or plain HTTP to a loopback host (and to the sandbox's own LAN address in phone-test
/// mode): a sandbox allowance so a local app can be the success page. Recur requires HTTPS
/// (the brief's `invalid_request`: "confirm successUrl/cancelUrl are HTTPS").
fn check_redirect_url(name: &str, text: &str, lan_host: Option<&str>) -> Result<(), Resp> {
    let parsed = url::Url::parse(text).map_err(|e| invalid(name, &format!("{name} is not a valid URL: {e}")))?;
    let host = parsed.host_str().unwrap_or("");
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    match parsed.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if loopback || lan_host.is_some_and(|lan| lan == host) => Ok(()),
        _ => Err(invalid(
            name,
            &format!("{name} must be an https URL (plain http only to 127.0.0.1/localhost in the sandbox)"),
        )),
    }
}

fn list_products(shared: &Shared, req: &Req) -> Resp {
    let limit = match req.query("limit").map(str::parse::<usize>) {
        None => 20,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return invalid("limit", "limit must be a whole number from 1 to 100"),
    };
    let state = shared.state();
    let products = &state.catalog.products;
    let start = match req.query("starting_after").filter(|s| !s.is_empty()) {
        None => 0,
        Some(after) => match products.iter().position(|p| p.id == after) {
            Some(i) => i + 1,
            None => return invalid("starting_after", &format!("no product with id {after}")),
        },
    };
    let page: Vec<Value> = products.iter().skip(start).take(limit).map(|p| p.to_json()).collect();
    let has_more = start + page.len() < products.len();
    Resp::json(200, &json!({"object": "list", "products": page, "has_more": has_more}))
}
