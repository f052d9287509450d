//! Hostile and broken deliveries: each gets the right status, and none changes a sale. Where the
//! listener saw the delivery, the journal shows it (an unverified digest, or undecodable); where
//! it did not (hyper refused the head, or the method or path is wrong), the journal is
//! untouched. A valid delivery at the end proves the same sale could change.
//!
//! The suite predates hyper; where hyper answers differently from the hand-written HTTP/1.1 it
//! replaced, the case says so and why.

use std::time::Duration;

use recur_domain::signature;
use recur_ledger::JournalOutcome;
use serde_json::json;

use crate::support::{event, signed_request, wait_until, webhook_request, Client, Env, RawResponse, SECRET};

/// What the journal should gain from one request.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// Nothing: the request never became a delivery.
    Nothing,
    /// An unverified digest with this reason code.
    Rejected(&'static str),
    /// A verified delivery with this outcome.
    Outcome(JournalOutcome),
}

struct Case {
    name: &'static str,
    request: Vec<u8>,
    status: u16,
    journal: Expect,
}

fn case(name: &'static str, request: Vec<u8>, status: u16, journal: Expect) -> Case {
    Case {
        name,
        request,
        status,
        journal,
    }
}

pub fn paid_event(n: usize) -> Vec<u8> {
    event(
        &format!("evt_bad_{n}"),
        "checkout.completed",
        json!({"id": "cs_bad", "status": "COMPLETED", "amount": 450, "currency": "TWD", "customer_email": "x@example.tw"}),
    )
}

/// A request to the webhook path with exactly these extra header lines (nothing added).
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
    use Expect::{Nothing, Outcome, Rejected};
    let body = paid_event;
    let sig = |b: &[u8]| signature::sign_base64(SECRET, b);
    let undecodable = Outcome(JournalOutcome::Undecodable);
    let mismatch = Rejected("signature_mismatch");
    let signed = |b: &[u8]| signed_request(b);
    // A signed event for a checkout no sale has: accepted, and changes nothing.
    let elsewhere = event(
        "evt_bad_lf",
        "checkout.completed",
        json!({"id": "cs_nobody", "status": "COMPLETED", "amount": 1, "currency": "TWD"}),
    );
    vec![
        case(
            "unsigned",
            webhook_request(&body(1), &[]),
            401,
            Rejected("no_signature"),
        ),
        case(
            "empty signature",
            webhook_request(&body(2), &[("X-Recur-Signature", "")]),
            401,
            Rejected("no_signature"),
        ),
        case(
            "wrong secret",
            webhook_request(
                &body(3),
                &[("X-Recur-Signature", &signature::sign_base64("whsec_other", &body(3)))],
            ),
            401,
            mismatch,
        ),
        case(
            "signature of other bytes",
            webhook_request(&body(4), &[("X-Recur-Signature", &sig(b"{}"))]),
            401,
            mismatch,
        ),
        case(
            "hex signature of other bytes",
            webhook_request(
                &body(5),
                &[("X-Recur-Signature", &signature::sign_hex(SECRET, &body(4)))],
            ),
            401,
            mismatch,
        ),
        case("non-JSON", signed(b"this is not json"), 400, undecodable),
        case(
            "invalid UTF-8",
            signed(b"{\"id\":\"evt_\xff\xfe\",\"type\":\"order.paid\",\"data\":{}}"),
            400,
            undecodable,
        ),
        case(
            "JSON but not an event",
            signed(br#"{"hello":"world"}"#),
            400,
            undecodable,
        ),
        case("a JSON array", signed(b"[1,2,3]"), 400, undecodable),
        case(
            "GET on the webhook path",
            b"GET /webhooks/recur HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            405,
            Nothing,
        ),
        case(
            "PUT on the webhook path",
            rewrite(signed(&body(6)), "POST /webhooks/recur", "PUT /webhooks/recur"),
            405,
            Nothing,
        ),
        case(
            "unknown path",
            b"GET /admin HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            404,
            Nothing,
        ),
        case(
            "signed body to another path",
            rewrite(signed(&body(7)), "/webhooks/recur", "/webhooks/recurx"),
            404,
            Nothing,
        ),
        // hyper: a CR not followed by LF inside a header value is a malformed head; hyper
        // answers 400 itself and the request never reaches the listener (was 401 + journaled).
        case(
            "CR smuggled into the signature",
            signed_with(
                &body(8),
                &format!("X-Recur-Signature: {}\rX-Injected: 1", sig(&body(8))),
            ),
            400,
            Nothing,
        ),
        // hyper reads a bare LF as the end of a line (RFC 9112 §2.2 allows it), so the
        // "smuggled" line is simply a second header field. Nothing gets past the signature,
        // which covers the body: whoever can sign could have sent CRLF. So this delivery is
        // genuine and accepted (was 401): here one for a checkout no sale has.
        case(
            "LF smuggles a signature line",
            signed_with(
                &elsewhere,
                &format!("X-Recur-Event-Id: evt_bad_lf\nX-Recur-Signature: {}", sig(&elsewhere)),
            ),
            200,
            Outcome(JournalOutcome::Unmatched),
        ),
        // hyper refuses obsolete line folding in requests: 400, never a delivery (was 401).
        case(
            "signature in a folded line",
            signed_with(&body(10), &format!("X-Recur-Signature:\r\n {}", sig(&body(10)))),
            400,
            Nothing,
        ),
        case(
            "duplicated signature, both valid",
            signed_with(
                &body(11),
                &format!("X-Recur-Signature: {0}\r\nX-Recur-Signature: {0}", sig(&body(11))),
            ),
            401,
            Rejected("several_signatures"),
        ),
        case(
            "duplicated signature, one valid",
            signed_with(
                &body(12),
                &format!("X-Recur-Signature: bogus\r\nX-Recur-Signature: {}", sig(&body(12))),
            ),
            401,
            Rejected("several_signatures"),
        ),
        case(
            "conflicting Content-Length",
            signed_with(
                &body(13),
                &format!("Content-Length: 3\r\nX-Recur-Signature: {}", sig(&body(13))),
            ),
            400,
            Nothing,
        ),
        // hyper lets Transfer-Encoding win (RFC 9112 §6.1): the JSON body is then not valid
        // chunked framing, so the body fails and is answered 400, with nothing journaled.
        case(
            "Content-Length and Transfer-Encoding",
            signed_with(
                &body(14),
                &format!("Transfer-Encoding: chunked\r\nX-Recur-Signature: {}", sig(&body(14))),
            ),
            400,
            Nothing,
        ),
        case("garbage request line", b"HELLO\r\n\r\n".to_vec(), 400, Nothing),
        case(
            "head too large",
            signed_with(&body(15), &format!("X-Padding: {}", "a".repeat(20_000))),
            431,
            Nothing,
        ),
        // New with hyper.
        case(
            "NUL in a header value",
            signed_with(
                &body(16),
                &format!("X-Recur-Event-Id: a\0b\r\nX-Recur-Signature: {}", sig(&body(16))),
            ),
            400,
            Nothing,
        ),
        case(
            "a signature that is not text",
            signed_with(&body(17), "X-Recur-Signature: \u{00e9}t\u{00e9}"),
            401,
            mismatch,
        ),
        case(
            "Content-Length with a sign",
            rewrite(signed(&body(18)), "Content-Length: ", "Content-Length: +"),
            400,
            Nothing,
        ),
        case(
            "Content-Length beyond any number",
            rewrite(
                signed(&body(19)),
                "Content-Length: ",
                "Content-Length: 99999999999999999999",
            ),
            400,
            Nothing,
        ),
        case(
            "more than 100 header fields",
            signed_with(
                &body(20),
                &(0..120).map(|n| format!("X-H{n}: 1")).collect::<Vec<_>>().join("\r\n"),
            ),
            431,
            Nothing,
        ),
        // Status 0: hyper (HTTP/1 only) closes the connection without an answer.
        case(
            "an HTTP/2 preface",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
            0,
            Nothing,
        ),
    ]
}

/// The request with its first `from` replaced by `to`.
pub fn rewrite(request: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    String::from_utf8(request)
        .expect("a text request")
        .replacen(from, to, 1)
        .into_bytes()
}

/// Runs `send` and checks its status, that no sale changed and what the journal gained. An
/// unverified delivery is answered before its digest is journaled (it never waits for the
/// writer), so the check waits a moment for that row.
pub fn check(env: &Env, name: &str, status: u16, journal: Expect, send: impl FnOnce() -> RawResponse) {
    let sales = env.sales();
    let before = env.journal().len();
    let response = send();
    assert_eq!(response.status, status, "{name}: {}", response.text());
    assert_eq!(env.sales(), sales, "{name}: a sale changed");
    let (outcome, verified, detail) = match journal {
        Expect::Nothing => {
            // Give a row that should not exist the same moment to appear.
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(
                env.journal().len(),
                before,
                "{name}: journaled a request it should not have"
            );
            return;
        }
        Expect::Rejected(reason) => (JournalOutcome::Rejected, false, Some(reason)),
        Expect::Outcome(outcome) => (outcome, true, None),
    };
    wait_until(Duration::from_secs(5), || env.journal().len() > before);
    let entries = env.journal();
    assert_eq!(entries.len(), before + 1, "{name}: journal");
    let entry = &entries[0];
    assert_eq!((entry.outcome, entry.verified), (outcome, verified), "{name}");
    if let Some(reason) = detail {
        assert_eq!(entry.detail.as_deref(), Some(reason), "{name}");
        assert!(
            entry.body_sha256.is_some() && entry.body.len() <= 256,
            "{name}: a digest"
        );
    }
}

#[test]
fn bad_deliveries_get_the_right_status_and_change_nothing() {
    let env = Env::start_with(|c| c.read_timeout = Duration::from_millis(800), Default::default());
    let sale = env.open_sale("prod_beans_half", 450, "cs_bad", Some("x@example.tw"));
    let cases = cases();
    assert_eq!(cases.len(), 28, "the 22 cases of the original table, and six new ones");
    for case in cases {
        check(&env, case.name, case.status, case.journal, || {
            let closed = || RawResponse {
                status: 0,
                headers: Vec::new(),
                body: Vec::new(),
            };
            Client::connect(env.port())
                .send(&case.request)
                .unwrap_or_else(|_| closed())
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
    assert_eq!(stats.applied, 2, "the control and the LF case");
    // Heads hyper refused never reach the listener, so they are not in its counters.
    assert!(stats.rejected >= 13, "{stats:?}");
    assert_eq!(stats.unverified, 8, "{stats:?}");
}
