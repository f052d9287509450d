//! What the app hears (issue 9, item 2): only verified, committed deliveries, with the event
//! type their signed body names, whatever the unsigned headers say; and return-page visits,
//! bounded however many arrive. On the listener before this, every rejected post called the
//! outcome hook with its `X-Recur-Event-Type` header, so unsigned `product.updated` posts made
//! the app re-fetch its catalogue with the shop's key.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use recur_domain::signature;
use recur_ledger::WebhookOutcome;
use recur_listener::{Hooks, ReturnKind};
use serde_json::json;

use crate::support::{event, signed_request, wait_until, webhook_request, Client, Env, SECRET};

type Calls = Arc<Mutex<Vec<(String, Option<String>)>>>;
/// What the hook should hear of one request: the outcome's name and the event type.
type Heard = Option<(&'static str, Option<&'static str>)>;

fn recording_outcomes() -> (Hooks, Calls) {
    let calls: Calls = Arc::default();
    let log = Arc::clone(&calls);
    let hooks = Hooks {
        on_outcome: Some(Arc::new(move |outcome: &WebhookOutcome, event_type: Option<&str>| {
            let name = format!("{outcome:?}")
                .split(['(', ' '])
                .next()
                .unwrap_or_default()
                .to_owned();
            log.lock().unwrap().push((name, event_type.map(str::to_owned)));
        })),
        on_return: None,
    };
    (hooks, calls)
}

#[test]
fn only_verified_committed_deliveries_reach_the_hook_with_their_signed_type() {
    let (hooks, calls) = recording_outcomes();
    let env = Env::start_with(|_| {}, hooks);
    let product = event("evt_hook_1", "product.updated", json!({"id": "prod_1"}));
    let opened = event("evt_hook_2", "checkout.created", json!({"id": "cs_nobody"}));
    let lying = |body: &[u8], claimed: &str| {
        let sig = signature::sign_base64(SECRET, body);
        webhook_request(body, &[("X-Recur-Signature", &sig), ("X-Recur-Event-Type", claimed)])
    };
    let forged = signature::sign_base64("whsec_guess", &product);
    // (request, status, what the hook hears: outcome and event type)
    let cases: Vec<(Vec<u8>, u16, Heard)> = vec![
        (
            webhook_request(b"{}", &[("X-Recur-Event-Type", "product.updated")]),
            401,
            None,
        ),
        (
            webhook_request(
                &product,
                &[
                    ("X-Recur-Signature", &forged),
                    ("X-Recur-Event-Type", "product.updated"),
                ],
            ),
            401,
            None,
        ),
        (
            lying(&product, "order.paid"),
            200,
            Some(("Applied", Some("product.updated"))),
        ),
        (
            lying(&opened, "product.updated"),
            200,
            Some(("Applied", Some("checkout.created"))),
        ),
        (
            lying(&opened, "product.updated"),
            200,
            Some(("Duplicate", Some("checkout.created"))),
        ),
        (signed_request(b"not an event"), 400, Some(("Undecodable", None))),
    ];
    let mut client = env.client();
    let mut expected = Vec::new();
    for (n, (request, status, heard)) in cases.into_iter().enumerate() {
        let response = client.send(&request).unwrap();
        assert_eq!(response.status, status, "case {n}: {}", response.text());
        expected.extend(heard.map(|(o, t)| (o.to_owned(), t.map(str::to_owned))));
        wait_until(Duration::from_secs(5), || calls.lock().unwrap().len() >= expected.len());
        assert_eq!(*calls.lock().unwrap(), expected, "case {n}");
    }
    // A flood of unsigned posts claiming `product.updated` (the attack) reaches nobody.
    for _ in 0..200 {
        let request = webhook_request(b"", &[("X-Recur-Event-Type", "product.updated")]);
        assert_eq!(Client::connect(env.port()).send(&request).unwrap().status, 401);
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        calls.lock().unwrap().len(),
        expected.len(),
        "an unsigned post reached the hook"
    );
}

#[test]
fn return_page_visits_reach_the_app_bounded_and_coalesced() {
    let visits: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let log = Arc::clone(&visits);
    let hooks = Hooks {
        on_outcome: None,
        on_return: Some(Arc::new(move |kind, session: Option<&str>| {
            assert_eq!(kind, ReturnKind::Success);
            // A slow app: the listener must not wait for it.
            std::thread::sleep(Duration::from_millis(20));
            log.lock().unwrap().push(session.map(str::to_owned));
        })),
    };
    let env = Env::start_with(|_| {}, hooks);
    let mut client = env.client();
    let started = Instant::now();
    let pages = 600;
    for n in 0..pages {
        let id = match n % 3 {
            0 => "cs_same".to_owned(),
            1 => format!("cs_{n}"),
            _ => "x".repeat(129 + n),
        };
        let request = format!("GET /return/success?session_id={id} HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(client.send(request.as_bytes()).unwrap().status, 200);
        if n % 99 == 98 {
            // Keep-alive allows only so many requests on one connection.
            client = env.client();
        }
    }
    let elapsed = started.elapsed();
    wait_until(Duration::from_secs(5), || {
        env.listener.stats().hooks_dropped as usize + visits.lock().unwrap().len() >= pages
    });
    let visits = visits.lock().unwrap().clone();
    let allowed = 20 + (elapsed.as_secs_f64() * 5.0).ceil() as usize;
    println!(
        "{pages} return-page visits in {elapsed:?}: {} reached the app",
        visits.len()
    );
    assert!(elapsed < Duration::from_secs(10), "the pages were slow: {elapsed:?}");
    assert!(!visits.is_empty() && visits.len() <= allowed, "{} calls", visits.len());
    assert!(visits.iter().flatten().all(|id| id.len() <= 128), "{visits:?}");
}
