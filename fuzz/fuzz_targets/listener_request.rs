//! The listener's request handling, end to end and in-process: fuzz bytes are written to one
//! connection of a real listener (`recur_listener::InProcess`: admission, hyper's HTTP/1
//! framing, routing, body limits, the signature check, the writer's group commit into a real
//! ledger file, the hooks) and what it answers is read back.
//!
//! Input: the first byte chooses; when its low bit is set, every `{SIG}` (`{HEX}`) in the head
//! is replaced by the valid Base64 (hex) signature of the bytes after the first blank line, so
//! the fuzzer reaches the verified path (event decoding, matching, the state machine) as well
//! as every refusal.
//! Checked: no panic (libFuzzer aborts on one, on any thread), no hang (an answer or a close
//! within 10 s), every answer starts with an HTTP/1.x status line, and nothing that was not signed by
//! the harness gets a 2xx from the webhook path or changes a sale.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use recur_domain::{signature, CheckoutId, Currency, Mode, Money, ProductId, Secret, Timestamp};
use recur_ledger::{Ledger, NewCheckout, NewSale, SaleFilter};
use recur_listener::{InProcess, ListenerConfig};

const SECRET: &str = "whsec_fuzz_secret";
/// Replaced by the Base64 signature of the body; `{HEX}` by the hex one.
const PLACEHOLDER: &[u8] = b"{SIG}";
const HEX_PLACEHOLDER: &[u8] = b"{HEX}";

struct Harness {
    listener: InProcess,
    ledger: Arc<Ledger>,
    _dir: std::path::PathBuf,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        // A tmpfs when there is one: fsync there costs nothing, and the journal grows.
        let base = ["/dev/shm", "/tmp"]
            .into_iter()
            .map(std::path::PathBuf::from)
            .find(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("recur-pos-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let ledger = Arc::new(Ledger::open(&dir.join("ledger.db")).expect("open the ledger"));
        open_sale(&ledger);
        let mut config = ListenerConfig::new(0, Secret::new(SECRET));
        // A stalled body is answered within this, so a hang is a real one.
        config.read_timeout = Duration::from_millis(300);
        config.pressured_timeout = Duration::from_millis(100);
        let listener = InProcess::start(config, Arc::clone(&ledger), Default::default()).expect("start");
        Harness {
            listener,
            ledger,
            _dir: dir,
        }
    })
}

/// The sale the seeds' `checkout.completed` events pay (`cs_fuzz`, 450 TWD).
fn open_sale(ledger: &Ledger) {
    let now = Timestamp::now();
    let sale = ledger
        .create_sale(
            NewSale {
                product_id: ProductId::new("prod_fuzz"),
                product_name: "fuzz".into(),
                mode: Mode::Payment,
                amount: Money::new(450),
                currency: Currency::twd(),
                customer_email: None,
                customer_name: None,
            },
            now,
        )
        .expect("sale");
    let checkout = NewCheckout {
        checkout_id: CheckoutId::new("cs_fuzz"),
        url: "https://checkout.example/cs_fuzz".into(),
        expires_at: None,
    };
    ledger.attach_checkout(&sale.id, checkout, now).expect("checkout");
}

fn sign(request: &[u8]) -> Vec<u8> {
    let body_at = find(request, b"\r\n\r\n").map_or(request.len(), |at| at + 4);
    let body = &request[body_at..];
    let head = replace(
        &request[..body_at],
        PLACEHOLDER,
        signature::sign_base64(SECRET, body).as_bytes(),
    );
    let mut out = replace(&head, HEX_PLACEHOLDER, signature::sign_hex(SECRET, body).as_bytes());
    out.extend_from_slice(body);
    out
}

fn replace(text: &[u8], what: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(at) = find(rest, what) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + what.len()..];
    }
    out.extend_from_slice(rest);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What a request must not change unless it was signed: each sale's state and amounts.
fn sales(ledger: &Ledger) -> Vec<String> {
    ledger
        .sales(&SaleFilter::default())
        .expect("sales")
        .iter()
        .map(|s| {
            format!(
                "{} {} {:?} {}",
                s.id,
                s.state.as_str(),
                s.paid_amount,
                s.refunded_amount.get()
            )
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let signed = choice & 1 == 1;
    let request = if signed { sign(rest) } else { rest.to_vec() };
    let h = harness();
    let before = (!signed).then(|| sales(&h.ledger));
    let started = Instant::now();
    let answer = h
        .listener
        .exchange(&request, Duration::from_secs(10))
        .unwrap_or_else(|| panic!("no answer and no close after {:?}", started.elapsed()));
    if !answer.is_empty() {
        // hyper answers an HTTP/1.0 request in HTTP/1.0.
        assert!(
            answer.starts_with(b"HTTP/1.1 ") || answer.starts_with(b"HTTP/1.0 "),
            "not an HTTP answer: {:?}",
            String::from_utf8_lossy(&answer[..answer.len().min(64)])
        );
    }
    if !signed {
        // Without the harness's signature nothing on the webhook path is accepted.
        let accepted = answer
            .windows(13)
            .any(|w| (w == b"HTTP/1.1 200 " || w == b"HTTP/1.0 200 ") && find(&answer, b"\"received\":true").is_some());
        assert!(
            !accepted,
            "an unsigned request was accepted: {:?}",
            String::from_utf8_lossy(&request)
        );
        assert_eq!(before, Some(sales(&h.ledger)), "an unsigned request changed a sale");
    }
});
