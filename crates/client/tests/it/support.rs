//! Shared test fixtures: a real sandbox, a client tuned for fast tests, the sandbox's control
//! routes, and a tiny scripted HTTP server that counts the requests it receives.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use recur_client::{ClientConfig, CreateCheckout, Product, RecurClient};
use recur_domain::{Mode, ProductId, Secret};
use recur_sandbox::{Sandbox, SandboxConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const VISA: &str = "4147631000000001";

pub fn sandbox() -> Sandbox {
    sandbox_with(SandboxConfig::for_tests())
}

/// The two session casings Recur's material shows: snake_case without a wrapper (its newest
/// official material, the sandbox's default) and the brief's camelCase.
#[derive(Clone, Copy, Debug)]
pub enum Casing {
    Snake,
    Camel,
}

pub const CASINGS: [Casing; 2] = [Casing::Snake, Casing::Camel];

/// A sandbox answering session bodies in `casing`.
pub fn sandbox_in(casing: Casing) -> Sandbox {
    let mut config = SandboxConfig::for_tests();
    config.quirks.camel_case = matches!(casing, Casing::Camel);
    sandbox_with(config)
}

pub fn sandbox_with(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).expect("the sandbox starts")
}

/// Short timeouts and millisecond backoffs, so a failing path costs little time.
pub fn fast_config(base_url: &str, key: &str) -> ClientConfig {
    let mut config = ClientConfig::new(base_url, Secret::new(key));
    config.connect_timeout = Duration::from_secs(2);
    config.timeout = Duration::from_secs(5);
    config.max_read_attempts = 4;
    config.backoff_base = Duration::from_millis(5);
    config.backoff_cap = Duration::from_millis(40);
    config
}

pub fn client(sandbox: &Sandbox) -> RecurClient {
    RecurClient::new(fast_config(&sandbox.base_url(), sandbox.secret_key())).expect("a valid config")
}

pub fn checkout(product: &ProductId, mode: Option<Mode>) -> CreateCheckout {
    let mut req = CreateCheckout::new(
        product.clone(),
        "https://shop.example/paid?session={CHECKOUT_SESSION_ID}",
        "https://shop.example/cancelled",
    );
    req.mode = mode;
    req
}

/// The first active product of a type (`ONE_TIME`, `SUBSCRIPTION`) in the sandbox's catalogue.
pub async fn product_of_type(client: &RecurClient, product_type: &str) -> Product {
    let products = client.all_products().await.expect("products");
    products
        .into_iter()
        .find(|p| p.active && p.product_type == product_type)
        .unwrap_or_else(|| panic!("the catalogue has an active {product_type} product"))
}

/// `POST /_sandbox/sessions/{id}/{action}` with a JSON body; answers (status, body).
pub async fn control(sandbox: &Sandbox, id: &str, action: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let url = format!("{}/_sandbox/sessions/{id}/{action}", sandbox.base_url());
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("control route answers");
    let status = response.status().as_u16();
    let json = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, json)
}

pub async fn pay(sandbox: &Sandbox, id: &str, email: &str) {
    let (status, body) = control(
        sandbox,
        id,
        "pay",
        serde_json::json!({"card_number": VISA, "email": email}),
    )
    .await;
    assert_eq!(status, 200, "paying {id}: {body}");
}

/// A port on which nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// One scripted answer of the [`Stub`].
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn new(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A loopback HTTP/1.1 server that answers from a script (the last reply repeats) and records
/// every request it received (head and body), so tests can count attempts exactly.
pub struct Stub {
    pub base_url: String,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Stub {
    pub async fn start(script: Vec<Reply>) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind stub");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let seen = Arc::clone(&seen);
                let script = script.clone();
                tokio::spawn(serve(stream, seen, script));
            }
        });
        Stub {
            base_url,
            requests,
            task,
        }
    }

    /// Every request so far, as text (head, blank line, body).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, seen: Arc<Mutex<Vec<String>>>, script: Vec<Reply>) {
    while let Some(request) = read_request(&mut stream).await {
        let reply = {
            let mut seen = seen.lock().expect("lock");
            seen.push(request);
            script[(seen.len() - 1).min(script.len() - 1)].clone()
        };
        tokio::time::sleep(reply.delay).await;
        let mut head = format!(
            "HTTP/1.1 {} Stub\r\nContent-Length: {}\r\n",
            reply.status,
            reply.body.len()
        );
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let sent = stream
            .write_all(head.as_bytes())
            .await
            .and(stream.write_all(reply.body.as_bytes()).await);
        if sent.is_err() {
            return;
        }
    }
}

/// Reads one request (head plus `Content-Length` body); `None` when the client closed.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_string();
            let length = content_length(&head);
            while buffer.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
                buffer.extend_from_slice(&chunk[..n]);
            }
            let body = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).to_string();
            return Some(format!("{head}\r\n\r\n{body}"));
        }
        let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}
