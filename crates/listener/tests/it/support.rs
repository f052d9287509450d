//! Shared test setup: a real ledger in a tempdir, a real listener on 127.0.0.1:0, and a raw
//! HTTP/1.1 client (so malformed requests can be sent exactly as written).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use recur_domain::{signature, CheckoutId, Currency, Mode, Money, ProductId, Secret, Timestamp};
use recur_ledger::{JournalEntry, Ledger, NewCheckout, NewSale, Sale, SaleFilter};
use recur_listener::{Hooks, Listener, ListenerConfig};
use serde_json::{json, Value};

pub const SECRET: &str = "whsec_listener_test_secret";

pub struct Env {
    pub ledger: Arc<Ledger>,
    pub listener: Listener,
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn start() -> Env {
        Env::start_with(|_| {}, Hooks::default())
    }

    pub fn start_with(tweak: impl FnOnce(&mut ListenerConfig), hooks: Hooks) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let ledger = Arc::new(Ledger::open(&dir.path().join("ledger.db")).expect("open ledger"));
        let mut config = ListenerConfig::new(0, Secret::new(SECRET));
        tweak(&mut config);
        let listener = Listener::start(config, Arc::clone(&ledger), hooks).expect("start listener");
        Env { ledger, listener, dir }
    }

    pub fn port(&self) -> u16 {
        self.listener.port()
    }

    pub fn client(&self) -> Client {
        Client::connect(self.port())
    }

    /// A sale with an open checkout, as the counter makes them.
    pub fn open_sale(&self, product: &str, amount: i64, checkout: &str, email: Option<&str>) -> Sale {
        open_sale(&self.ledger, product, amount, checkout, email)
    }

    pub fn sales(&self) -> Vec<SaleSnapshot> {
        snapshot(&self.ledger)
    }

    pub fn journal(&self) -> Vec<JournalEntry> {
        self.ledger.journal(100_000).expect("journal")
    }
}

pub fn open_sale(ledger: &Ledger, product: &str, amount: i64, checkout: &str, email: Option<&str>) -> Sale {
    let now = Timestamp::now();
    let new = NewSale {
        product_id: ProductId::new(product),
        product_name: product.to_owned(),
        mode: Mode::Payment,
        amount: Money::new(amount),
        currency: Currency::twd(),
        customer_email: email.map(str::to_owned),
        customer_name: None,
    };
    let sale = ledger.create_sale(new, now).expect("create sale");
    let checkout = NewCheckout {
        checkout_id: CheckoutId::new(checkout),
        url: format!("https://checkout.example/{checkout}"),
        expires_at: None,
    };
    ledger
        .attach_checkout(&sale.id, checkout, now)
        .expect("attach checkout")
}

/// What must agree between two ledgers fed the same events.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SaleSnapshot {
    pub id: String,
    pub state: String,
    pub paid_amount: Option<i64>,
    pub order_id: Option<String>,
    pub refunded: i64,
    pub subscription_id: Option<String>,
    pub attention: Vec<&'static str>,
}

pub fn snapshot(ledger: &Ledger) -> Vec<SaleSnapshot> {
    let mut sales: Vec<SaleSnapshot> = ledger
        .sales(&SaleFilter::default())
        .expect("sales")
        .into_iter()
        .map(|s| SaleSnapshot {
            id: s.id.to_string(),
            state: s.state.as_str().to_owned(),
            paid_amount: s.paid_amount.map(|m| m.get()),
            order_id: s.order_id.map(|o| o.to_string()),
            refunded: s.refunded_amount.get(),
            subscription_id: s.subscription_id.map(|x| x.to_string()),
            attention: s.attention.iter().map(|n| n.code().as_str()).collect(),
        })
        .collect();
    sales.sort();
    sales
}

/// A Recur envelope as the sandbox writes it.
pub fn event(id: &str, kind: &str, data: Value) -> Vec<u8> {
    json!({ "id": id, "type": kind, "timestamp": Timestamp::now().to_rfc3339(), "data": data })
        .to_string()
        .into_bytes()
}

/// A complete request to the webhook path with the given extra header lines.
pub fn webhook_request(body: &[u8], headers: &[(&str, &str)]) -> Vec<u8> {
    let mut head = format!(
        "POST /webhooks/recur HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A correctly signed delivery.
pub fn signed_request(body: &[u8]) -> Vec<u8> {
    let sig = signature::sign_base64(SECRET, body);
    webhook_request(body, &[("X-Recur-Signature", &sig)])
}

#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A keep-alive HTTP/1.1 client over one connection.
pub struct Client {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    pub fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) -> io::Result<RawResponse> {
        self.stream.write_all(bytes)?;
        self.read_response()
    }

    pub fn post_signed(&mut self, body: &[u8]) -> RawResponse {
        self.send(&signed_request(body)).expect("response")
    }

    pub fn read_response(&mut self) -> io::Result<RawResponse> {
        let head_end = loop {
            if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        while self.buf.len() < head_end + 4 + length {
            self.fill()?;
        }
        let body = self.buf[head_end + 4..head_end + 4 + length].to_vec();
        self.buf.drain(..head_end + 4 + length);
        Ok(RawResponse { status, headers, body })
    }

    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

/// Polls `check` until it is true or `timeout` passes; robust on a loaded machine.
pub fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
