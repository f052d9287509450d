//! The request path without a socket (`InProcess`, what the fuzz target drives): the same
//! answers as over TCP, and the same ledger effects.

use std::sync::Arc;
use std::time::Duration;

use recur_domain::Secret;
use recur_ledger::Ledger;
use recur_listener::{InProcess, ListenerConfig};

use crate::bad_input::paid_event;
use crate::support::{open_sale, signed_request, snapshot, webhook_request, SECRET};

fn statuses(answer: &[u8]) -> Vec<u16> {
    let text = String::from_utf8_lossy(answer);
    text.match_indices("HTTP/1.1 ")
        .filter_map(|(at, _)| text.get(at + 9..at + 12)?.parse().ok())
        .collect()
}

#[test]
fn a_pipe_gets_the_answers_a_socket_gets_and_a_signed_delivery_pays() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Arc::new(Ledger::open(&dir.path().join("ledger.db")).unwrap());
    open_sale(&ledger, "prod_beans_half", 450, "cs_bad", Some("x@example.tw"));
    let listener = InProcess::start(
        ListenerConfig::new(0, Secret::new(SECRET)),
        Arc::clone(&ledger),
        Default::default(),
    )
    .unwrap();
    let patience = Duration::from_secs(10);

    let unsigned = webhook_request(&paid_event(1), &[("X-Recur-Event-Type", "product.updated")]);
    assert_eq!(statuses(&listener.exchange(&unsigned, patience).unwrap()), [401]);
    assert_eq!(
        statuses(&listener.exchange(b"\x00\xffnot http\r\n\r\n", patience).unwrap()),
        [400]
    );
    assert_eq!(snapshot(&ledger)[0].state, "OPEN");

    // Two requests on one connection: a return page, then the genuine delivery.
    let mut pipelined = b"GET /return/cancel HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
    pipelined.extend(signed_request(&paid_event(1)));
    assert_eq!(statuses(&listener.exchange(&pipelined, patience).unwrap()), [200, 200]);
    assert_eq!(snapshot(&ledger)[0].state, "PAID");
    let stats = listener.stats();
    assert_eq!((stats.applied, stats.unverified), (1, 1), "{stats:?}");
}
