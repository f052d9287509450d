//! The event decoder: `Event::parse` on any body and any `X-Recur-Event-Id`/`-Type` headers,
//! then everything the ledger reads from an event (`fact_from_event`, the match key, every
//! field accessor). Checked: nothing panics, and a decoded event has a non-blank id and type.
//!
//! Input: two flag bits and two header lengths in the first three bytes, the headers, then the
//! body. The seeds are real envelopes (see `corpus/event`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use recur_domain::fact::{fact_from_event, MatchKey};
use recur_domain::Event;

fuzz_target!(|data: &[u8]| {
    let (header_id, header_type, body) = split(data);
    let Ok(event) = Event::parse(body, header_id.as_deref(), header_type.as_deref()) else {
        return;
    };
    assert!(!event.id.as_str().trim().is_empty(), "blank id decoded");
    assert!(!event.kind.trim().is_empty(), "blank type decoded");
    let fact = fact_from_event(&event);
    let _ = format!("{fact:?}");
    let _ = MatchKey::of_event(&event).is_empty();
    let _ = (
        event.class(),
        event.checkout_id(),
        event.transaction_id(),
        event.order_id(),
    );
    let _ = (
        event.subscription_id(),
        event.amount(),
        event.currency(),
        event.status(),
    );
    let _ = (event.customer_email(), event.customer_name(), event.payment_method());
    let _ = (event.billing_reason(), event.failure_code(), event.failure_message());
});

fn split(data: &[u8]) -> (Option<String>, Option<String>, &[u8]) {
    let [flags, id_len, type_len, rest @ ..] = data else {
        return (None, None, data);
    };
    let id_len = usize::from(*id_len).min(rest.len());
    let (id, rest) = rest.split_at(id_len);
    let type_len = usize::from(*type_len).min(rest.len());
    let (kind, body) = rest.split_at(type_len);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let id = (flags & 1 != 0).then(|| text(id));
    let kind = (flags & 2 != 0).then(|| text(kind));
    (id, kind, body)
}
