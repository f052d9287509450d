//! Hostile and broken deliveries: each gets the right status, and none changes a sale. Where the
//! body was read, the journal shows the delivery (rejected or undecodable); where it was not,
//! the journal is untouched. A valid delivery at the end proves the same sale could change.

use std::io::Write;
use std::net::Shutdown;
use std::time::{Duration, Instant};

use recur_domain::signature;
use recur_ledger::JournalOutcome;
use serde_json::json;

use crate::support::{event, signed_request, webhook_request, Client, Env, RawResponse, SECRET};

struct Case {
    name: &'static str,
    request: Vec<u8>,
    status: u16,
    journal: Option<JournalOutcome>,
}

fn paid_event(n: usize) -> Vec<u8> {
    event(
        &format!("evt_bad_{n}"),
        "checkout.completed",
        json!({"id": "cs_bad", "status": "COMPLETED", "amount": 450, "currency": "TWD", "customer_email": "x@example.tw"}),
    )
}

fn signed_with(body: &[u8], header_lines: &str) -> Vec<u8> {
    let mut head = format!(
        "POST /webhooks/recur HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n{header_lines}\r\n",
        body.len()
    );
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn cases() -> Vec<Case> {
    let body = |n| paid_event(n);
    let sig = |b: &[u8]| signature::sign_base64(SECRET, b);
    let rejected = Some(JournalOutcome::Rejected);
    let undecodable = Some(JournalOutcome::Undecodable);
    let signed = |b: &[u8]| signed_request(b);
    vec![
        Case {
            name: "unsigned",
            request: webhook_request(&body(1), &[]),
            status: 401,
            journal: rejected,
        },
        Case {
            name: "empty signature",
            request: webhook_request(&body(2), &[("X-Recur-Signature", "")]),
            status: 401,
            journal: rejected,
        },
        Case {
            name: "wrong secret",
            request: webhook_request(
                &body(3),
                &[("X-Recur-Signature", &signature::sign_base64("whsec_other", &body(3)))],
            ),
            status: 401,
            journal: rejected,
        },
        Case {
            name: "signature of other bytes",
            request: webhook_request(&body(4), &[("X-Recur-Signature", &sig(b"{}"))]),
            status: 401,
            journal: rejected,
        },
        Case {
            name: "hex signature of other bytes",
            request: webhook_request(
                &body(5),
                &[("X-Recur-Signature", &signature::sign_hex(SECRET, &body(4)))],
            ),
            status: 401,
            journal: rejected,
        },
        Case {
            name: "non-JSON",
            request: signed(b"this is not json"),
            status: 400,
            journal: undecodable,
        },
        Case {
            name: "invalid UTF-8",
            request: signed(b"{\"id\":\"evt_\xff\xfe\",\"type\":\"order.paid\",\"data\":{}}"),
            status: 400,
            journal: undecodable,
        },
        Case {
            name: "JSON but not an event",
            request: signed(br#"{"hello":"world"}"#),
            status: 400,
            journal: undecodable,
        },
        Case {
            name: "a JSON array",
            request: signed(b"[1,2,3]"),
            status: 400,
            journal: undecodable,
        },
        Case {
            name: "GET on the webhook path",
            request: b"GET /webhooks/recur HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            status: 405,
            journal: None,
        },
        Case {
            name: "PUT on the webhook path",
            request: rewrite(signed(&body(6)), "POST /webhooks/recur", "PUT /webhooks/recur"),
            status: 405,
            journal: None,
        },
        Case {
            name: "unknown path",
            request: b"GET /admin HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            status: 404,
            journal: None,
        },
        Case {
            name: "signed body to another path",
            request: rewrite(signed(&body(7)), "/webhooks/recur", "/webhooks/recurx"),
            status: 404,
            journal: None,
        },
        Case {
            name: "CR smuggled into the signature",
            request: signed_with(
                &body(8),
                &format!("X-Recur-Signature: {}\rX-Injected: 1", sig(&body(8))),
            ),
            status: 401,
            journal: rejected,
        },
        Case {
            name: "LF smuggles a signature line",
            request: signed_with(
                &body(9),
                &format!("X-Recur-Event-Id: evt_bad_9\nX-Recur-Signature: {}", sig(&body(9))),
            ),
            status: 401,
            journal: rejected,
        },
        Case {
            name: "signature in a folded line",
            request: signed_with(&body(10), &format!("X-Recur-Signature:\r\n {}", sig(&body(10)))),
            status: 401,
            journal: rejected,
        },
        Case {
            name: "duplicated signature, both valid",
            request: signed_with(
                &body(11),
                &format!("X-Recur-Signature: {0}\r\nX-Recur-Signature: {0}", sig(&body(11))),
            ),
            status: 401,
            journal: rejected,
        },
        Case {
            name: "duplicated signature, one valid",
            request: signed_with(
                &body(12),
                &format!("X-Recur-Signature: bogus\r\nX-Recur-Signature: {}", sig(&body(12))),
            ),
            status: 401,
            journal: rejected,
        },
        Case {
            name: "conflicting Content-Length",
            request: signed_with(
                &body(13),
                &format!("Content-Length: 3\r\nX-Recur-Signature: {}", sig(&body(13))),
            ),
            status: 400,
            journal: None,
        },
        Case {
            name: "Content-Length and Transfer-Encoding",
            request: signed_with(
                &body(14),
                &format!("Transfer-Encoding: chunked\r\nX-Recur-Signature: {}", sig(&body(14))),
            ),
            status: 400,
            journal: None,
        },
        Case {
            name: "garbage request line",
            request: b"HELLO\r\n\r\n".to_vec(),
            status: 400,
            journal: None,
        },
        Case {
            name: "head too large",
            request: signed_with(&body(15), &format!("X-Padding: {}", "a".repeat(20_000))),
            status: 431,
            journal: None,
        },
    ]
}

/// The request with its first `from` replaced by `to`.
fn rewrite(request: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    String::from_utf8(request)
        .expect("a text request")
        .replacen(from, to, 1)
        .into_bytes()
}

/// Runs `send` and checks its status, that no sale changed and what the journal gained.
fn check(
    env: &Env,
    name: &str,
    expected_status: u16,
    journal: Option<JournalOutcome>,
    send: impl FnOnce() -> RawResponse,
) {
    let sales = env.sales();
    let before = env.journal().len();
    let response = send();
    assert_eq!(response.status, expected_status, "{name}: {}", response.text());
    assert_eq!(env.sales(), sales, "{name}: a sale changed");
    let entries = env.journal();
    match journal {
        Some(outcome) => {
            assert_eq!(entries.len(), before + 1, "{name}: journal");
            assert_eq!(entries[0].outcome, outcome, "{name}");
            assert_eq!(entries[0].verified, outcome != JournalOutcome::Rejected, "{name}");
        }
        None => assert_eq!(entries.len(), before, "{name}: journaled a request it should not have"),
    }
}

#[test]
fn bad_deliveries_get_the_right_status_and_change_nothing() {
    let env = Env::start_with(|c| c.read_timeout = Duration::from_millis(800), Default::default());
    let sale = env.open_sale("prod_beans_half", 450, "cs_bad", Some("x@example.tw"));
    for case in cases() {
        check(&env, case.name, case.status, case.journal, || {
            Client::connect(env.port()).send(&case.request).expect(case.name)
        });
    }
    let allow = Client::connect(env.port())
        .send(b"GET /webhooks/recur HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(allow.header("Allow"), Some("POST"));
    // The control: the same kind of delivery, properly signed, does pay the sale.
    let ok = Client::connect(env.port()).post_signed(&paid_event(99));
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["received"], true);
    let paid = env.ledger.sale(&sale.id).unwrap().unwrap().sale;
    assert_eq!(
        (paid.state.as_str(), paid.paid_amount.map(|m| m.get())),
        ("PAID", Some(450))
    );
    let stats = env.listener.stats();
    assert_eq!(stats.applied, 1);
    assert!(stats.rejected >= 14, "{stats:?}");
}

#[test]
fn truncated_and_oversized_bodies_are_refused_without_effect() {
    let env = Env::start_with(|c| c.read_timeout = Duration::from_millis(800), Default::default());
    env.open_sale("prod_beans_half", 450, "cs_bad", None);
    let body = paid_event(20);
    let sig = signature::sign_base64(SECRET, &body);
    let announced_500 = |body: &[u8]| {
        let request = webhook_request(&body[..100], &[("X-Recur-Signature", &sig)]);
        rewrite(request, "Content-Length: 100", "Content-Length: 500")
    };
    check(&env, "truncated body, client stalls", 408, None, || {
        let started = Instant::now();
        let response = Client::connect(env.port()).send(&announced_500(&body)).expect("408");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the timeout took {:?}",
            started.elapsed()
        );
        response
    });
    check(&env, "truncated body, client half-closes", 400, None, || {
        let mut client = Client::connect(env.port());
        client.stream.write_all(&announced_500(&body)).unwrap();
        client.stream.shutdown(Shutdown::Write).unwrap();
        client.read_response().expect("400")
    });
    let big = vec![b'x'; 2 * 1024 * 1024];
    check(&env, "2 MiB body", 413, None, || {
        send_while_reading(&env, webhook_request(&big, &[("X-Recur-Signature", &sig)]))
    });
    check(&env, "2 MiB chunked body", 413, None, || {
        send_while_reading(&env, chunked_request(&big, &sig))
    });
    check(&env, "2 MiB announced with Expect: 100-continue", 413, None, || {
        let head = format!("POST /webhooks/recur HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nExpect: 100-continue\r\nX-Recur-Signature: {sig}\r\n\r\n", big.len());
        Client::connect(env.port())
            .send(head.as_bytes())
            .expect("413 before the body")
    });
}

/// Writes on one thread while the answer is read on this one: the listener may answer (and
/// stop reading) long before the body is sent.
fn send_while_reading(env: &Env, request: Vec<u8>) -> RawResponse {
    let mut client = Client::connect(env.port());
    let mut writer = client.stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(&request);
    });
    let response = client.read_response().expect("an answer");
    drop(client);
    let _ = sender.join();
    response
}

fn chunked_request(body: &[u8], sig: &str) -> Vec<u8> {
    let mut bytes = format!(
        "POST /webhooks/recur HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Recur-Signature: {sig}\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(64 * 1024) {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    bytes
}

#[test]
fn chunked_hex_signed_and_keep_alive_deliveries_are_accepted() {
    let env = Env::start();
    env.open_sale("prod_latte", 120, "cs_ok", None);
    let mut client = env.client();
    let opened = event("evt_ok_1", "checkout.created", json!({"id": "cs_ok"}));
    let hex = signature::sign_hex(SECRET, &opened);
    let first = client.send(&chunked_request(&opened, &hex)).unwrap();
    assert_eq!(
        (first.status, first.json()["outcome"].as_str()),
        (200, Some("recorded")),
        "{}",
        first.text()
    );
    let paid = event(
        "evt_ok_2",
        "checkout.completed",
        json!({"id": "cs_ok", "status": "COMPLETED", "amount": 120, "currency": "TWD"}),
    );
    let second = client.post_signed(&paid);
    assert_eq!(
        (second.status, second.json()["outcome"].as_str()),
        (200, Some("changed"))
    );
    let again = client.post_signed(&paid);
    assert_eq!((again.status, again.json()["duplicate"].as_bool()), (200, Some(true)));
    // A client that waits for `100 Continue` before sending its body.
    let refund = event(
        "evt_ok_4",
        "refund.created",
        json!({"id": "re_1", "order_id": "ord_none", "status": "PENDING", "amount": 5}),
    );
    let sig = signature::sign_base64(SECRET, &refund);
    let head = format!("POST /webhooks/recur HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nX-Recur-Signature: {sig}\r\nContent-Length: {}\r\n\r\n", refund.len());
    assert_eq!(client.send(head.as_bytes()).unwrap().status, 100);
    let continued = client.send(&refund).unwrap();
    assert_eq!(
        (continued.status, continued.json()["outcome"].as_str()),
        (200, Some("unmatched")),
        "{}",
        continued.text()
    );
    let unknown = client.post_signed(&event("evt_ok_3", "einvoice.issued", json!({"id": "inv_1"})));
    assert_eq!(
        (unknown.status, unknown.json()["outcome"].as_str()),
        (200, Some("ignored"))
    );
    let stats = env.listener.stats();
    assert_eq!(
        (stats.received, stats.applied, stats.duplicates, stats.rejected),
        (5, 4, 1, 0)
    );
}
