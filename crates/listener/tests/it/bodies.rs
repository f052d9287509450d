//! Bodies that are truncated, too slow, too large or framed in every way a sender may frame
//! them: refused with the right status and without effect, or accepted.

use std::io::Write;
use std::net::Shutdown;
use std::time::{Duration, Instant};

use recur_domain::signature;
use serde_json::json;

use crate::bad_input::{check, paid_event, rewrite, Expect};
use crate::support::{event, webhook_request, Client, Env, RawResponse, SECRET};

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
    check(&env, "truncated body, client stalls", 408, Expect::Nothing, || {
        let started = Instant::now();
        let response = Client::connect(env.port()).send(&announced_500(&body)).expect("408");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the timeout took {:?}",
            started.elapsed()
        );
        response
    });
    check(&env, "truncated body, client half-closes", 400, Expect::Nothing, || {
        let mut client = Client::connect(env.port());
        client.stream.write_all(&announced_500(&body)).unwrap();
        client.stream.shutdown(Shutdown::Write).unwrap();
        client.read_response().expect("400")
    });
    let big = vec![b'x'; 2 * 1024 * 1024];
    check(&env, "2 MiB body", 413, Expect::Nothing, || {
        send_while_reading(&env, webhook_request(&big, &[("X-Recur-Signature", &sig)]))
    });
    check(&env, "2 MiB chunked body", 413, Expect::Nothing, || {
        send_while_reading(&env, chunked_request(&big, &sig))
    });
    check(
        &env,
        "2 MiB announced with Expect: 100-continue",
        413,
        Expect::Nothing,
        || {
            let head = format!("POST /webhooks/recur HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nExpect: 100-continue\r\nX-Recur-Signature: {sig}\r\n\r\n", big.len());
            Client::connect(env.port())
                .send(head.as_bytes())
                .expect("413 before the body")
        },
    );
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
    // An event type nobody documents (recur-api.md §6 names `subscription.paused` once).
    let unknown = client.post_signed(&event("evt_ok_3", "subscription.paused", json!({"id": "sub_1"})));
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
