//! A bounded property test in the normal run: random bytes, random headers, mutations of a
//! genuine delivery and random return-page queries, thrown at the real listener over loopback.
//! Whatever arrives, the listener answers (or closes) within its deadlines, never hangs, never
//! panics on any of its threads (a panic in a connection task would otherwise only close that
//! connection: a hook counts them), nothing that lacks a valid signature changes the ledger or
//! reaches the outcome hook, and a return-page hook only ever hears a plain id; a genuine
//! delivery still gets through afterwards.
//!
//! The seed is printed; `RECUR_POS_PROPTEST_SEED=N` replays one run, `RECUR_POS_PROPTEST_CASES`
//! runs more (the default keeps the test to a few seconds).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use recur_listener::Hooks;

use recur_domain::signature;

use crate::bad_input::paid_event;
use crate::support::{webhook_request, Env, SECRET};

/// Header names that steer a parser or our policy, mixed with junk.
const NAMES: [&str; 12] = [
    "Content-Length",
    "Transfer-Encoding",
    "X-Recur-Signature",
    "X-Recur-Event-Type",
    "X-Recur-Event-Id",
    "X-Recur-Timestamp",
    "Connection",
    "Expect",
    "Host",
    "Content-Type",
    "X-Forwarded-For",
    "\u{7}Weird",
];

fn random_bytes(rng: &mut fastrand::Rng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.u8(..)).collect()
}

fn random_text(rng: &mut fastrand::Rng, len: usize) -> String {
    const CHARS: &[u8] = b"abcXYZ019=+/_-:;, \t\"\\%chunked0xffff";
    (0..len).map(|_| CHARS[rng.usize(..CHARS.len())] as char).collect()
}

/// Panics on the listener's own threads (runtime, writer, hooks), in this whole test binary.
static LISTENER_PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_listener_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().unwrap_or("").to_owned();
            if name.starts_with("recur-listener") {
                LISTENER_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

fn fastrand_alnum(rng: &mut fastrand::Rng, len: usize) -> String {
    (0..len).map(|_| rng.alphanumeric()).collect()
}

/// A return page with a random query: `session_id` plain, hostile, repeated or missing.
fn return_case(rng: &mut fastrand::Rng) -> (&'static str, Vec<u8>) {
    let page = ["/return/success", "/return/cancel"][rng.usize(..2)];
    let len = rng.usize(0..200);
    let id = match rng.u8(0..4) {
        // A plain id, as Recur makes them.
        0 => format!("cs_{}", fastrand_alnum(rng, len.min(40))),
        1 => random_text(rng, len),
        2 => format!("{}&session_id={}", random_text(rng, 10), random_text(rng, 10)),
        _ => String::from_utf8_lossy(&random_bytes(rng, len)).into_owned(),
    };
    let query: String = id
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"_-&=".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let request = format!("GET {page}?session_id={query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    ("return page", request.into_bytes())
}

/// One request that carries no valid signature over its body, by construction.
fn unsigned_case(rng: &mut fastrand::Rng, genuine_body: &[u8]) -> (&'static str, Vec<u8>) {
    let signature = signature::sign_base64(SECRET, genuine_body);
    match rng.u8(0..7) {
        6 => return_case(rng),
        0 => {
            let len = rng.usize(0..4096);
            ("random bytes", random_bytes(rng, len))
        }
        1 => {
            // The genuine signature over a body with one to eight bytes changed.
            let mut body = genuine_body.to_vec();
            for _ in 0..rng.usize(1..=8) {
                let at = rng.usize(..body.len());
                body[at] = body[at].wrapping_add(rng.u8(1..=255));
            }
            (
                "body flipped",
                webhook_request(&body, &[("X-Recur-Signature", &signature)]),
            )
        }
        2 => {
            let mut sig = signature.clone().into_bytes();
            let at = rng.usize(..sig.len());
            sig[at] = if sig[at] == b'A' { b'B' } else { b'A' };
            let sig = String::from_utf8_lossy(&sig).into_owned();
            (
                "signature changed",
                webhook_request(genuine_body, &[("X-Recur-Signature", &sig)]),
            )
        }
        3 => {
            // Random header lines, and a random signature among them.
            let mut headers: Vec<(String, String)> = Vec::new();
            for _ in 0..rng.usize(0..12) {
                let name = NAMES[rng.usize(..NAMES.len())];
                let len = rng.usize(0..40);
                if name != "X-Recur-Signature" {
                    headers.push((name.to_owned(), random_text(rng, len)));
                }
            }
            headers.push(("X-Recur-Signature".to_owned(), random_text(rng, 44)));
            let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            ("random headers", webhook_request(genuine_body, &pairs))
        }
        4 => {
            // The genuine request cut short, then random bytes (a desynchronised stream).
            let mut bytes = webhook_request(genuine_body, &[("X-Recur-Signature", &random_text(rng, 44))]);
            let keep = rng.usize(..bytes.len());
            bytes.truncate(keep);
            let len = rng.usize(0..512);
            bytes.extend(random_bytes(rng, len));
            ("cut and junk", bytes)
        }
        _ => {
            // A random head line, then a plausible body.
            let method = ["POST", "GET", "PUT", "P0ST", ""][rng.usize(..5)];
            let len = rng.usize(0..30);
            let path = random_text(rng, len);
            let mut bytes = format!("{method} /{path} HTTP/1.{}\r\n", rng.u8(0..3)).into_bytes();
            bytes.extend(format!("Content-Length: {}\r\n\r\n", genuine_body.len()).into_bytes());
            bytes.extend_from_slice(genuine_body);
            ("random head", bytes)
        }
    }
}

/// Sends `request` on a fresh connection and reads until the listener answers or closes.
/// Returns the status, or None when it closed without one.
fn throw(port: u16, request: &[u8], deadline: Duration) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(deadline)).unwrap();
    // The listener may close before reading everything: a failed write is an answer too.
    let _ = stream.write_all(request);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut got = Vec::new();
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                if got.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("no answer within {deadline:?} ({e}) after {:?}", started.elapsed()),
        }
    }
    let head = String::from_utf8_lossy(&got);
    let status = head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    Some(status)
}

#[test]
fn random_and_mutated_requests_never_change_the_ledger_or_stop_the_listener() {
    let seed = std::env::var("RECUR_POS_PROPTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let cases: usize = std::env::var("RECUR_POS_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    eprintln!("random_input: seed {seed} ({cases} cases; RECUR_POS_PROPTEST_SEED={seed} replays it)");
    let mut rng = fastrand::Rng::with_seed(seed);

    count_listener_panics();
    let panics_before = LISTENER_PANICS.load(Ordering::SeqCst);
    let outcomes = Arc::new(AtomicUsize::new(0));
    let returns: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let hooks = {
        let (outcomes, returns) = (Arc::clone(&outcomes), Arc::clone(&returns));
        Hooks {
            on_outcome: Some(Arc::new(move |_, _| {
                outcomes.fetch_add(1, Ordering::SeqCst);
            })),
            on_return: Some(Arc::new(move |_, id: Option<&str>| {
                returns.lock().unwrap().push(id.map(str::to_owned));
            })),
        }
    };
    // Short deadlines so a request that stops mid-way is answered quickly.
    let env = Env::start_with(
        |c| {
            c.read_timeout = Duration::from_millis(500);
        },
        hooks,
    );
    env.open_sale("prod_beans_half", 450, "cs_bad", Some("x@example.tw"));
    let genuine = paid_event(1);
    let before = env.sales();

    let mut by_kind: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for n in 0..cases {
        let (kind, request) = unsigned_case(&mut rng, &genuine);
        let status = throw(env.port(), &request, Duration::from_secs(5));
        if let (Some(status), false) = (status, kind == "return page") {
            assert!(
                (400..600).contains(&status),
                "case {n} ({kind}, seed {seed}): answered {status} without a valid signature"
            );
        }
        let entry = by_kind.entry(kind).or_default();
        entry.0 += 1;
        entry.1 += usize::from(status.is_none());
    }
    eprintln!("random_input: (cases, closed without a status) by kind: {by_kind:?}");
    assert_eq!(
        env.sales(),
        before,
        "seed {seed}: a sale changed without a valid signature"
    );
    assert!(
        env.journal().iter().all(|e| !e.verified),
        "seed {seed}: something unsigned was journaled as verified"
    );
    assert_eq!(
        outcomes.load(Ordering::SeqCst),
        0,
        "seed {seed}: the outcome hook heard an unsigned delivery"
    );
    // A plain visit once the rate has a token again is heard (so the check below is never
    // empty); the hook runs on the listener's hook thread: give it a moment.
    std::thread::sleep(Duration::from_millis(400));
    let last = b"GET /return/success?session_id=cs_last HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_eq!(throw(env.port(), last, Duration::from_secs(5)), Some(200));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !returns.lock().unwrap().contains(&Some("cs_last".to_owned())) {
        assert!(
            Instant::now() < deadline,
            "seed {seed}: a plain return visit never reached the hook"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let heard = returns.lock().unwrap().clone();
    for id in heard.iter().flatten() {
        let plain = !id.is_empty()
            && id.len() <= 128
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        assert!(plain, "seed {seed}: the return hook heard {id:?}");
    }
    assert_eq!(
        LISTENER_PANICS.load(Ordering::SeqCst),
        panics_before,
        "seed {seed}: a listener thread panicked (see the output above)"
    );

    // Still alive, and still correct: the genuine delivery pays the sale.
    let mut client = env.client();
    let response = client.post_signed(&genuine);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(env.sales()[0].state, "PAID");
}
