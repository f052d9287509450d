//! Shared test tools: a started sandbox with a blocking client, and a webhook receiver.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use recur_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

/// A running sandbox and a client that talks to it.
pub struct Env {
    pub sandbox: Sandbox,
    pub http: reqwest::blocking::Client,
}

/// A plain answer: status, headers, body text and the body as JSON (Null if not JSON).
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

pub fn start() -> Env {
    start_with(SandboxConfig::for_tests())
}

pub fn start_with(config: SandboxConfig) -> Env {
    let sandbox = Sandbox::start(config).expect("sandbox starts");
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    Env { sandbox, http }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    fn answer(resp: reqwest::blocking::Response) -> Answer {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            text,
            json,
        }
    }

    /// An authenticated `/v1` call.
    pub fn api(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        let key = self.sandbox.secret_key().to_owned();
        self.api_with_key(method, path, body, Some(&key))
    }

    pub fn api_with_key(&self, method: &str, path: &str, body: Option<&str>, key: Option<&str>) -> Answer {
        let mut req = self.http.request(method.parse().unwrap(), self.url(path));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        if let Some(body) = body {
            req = req.header("Content-Type", "application/json").body(body.to_owned());
        }
        Env::answer(req.send().expect("the sandbox answers"))
    }

    pub fn get(&self, path: &str) -> Answer {
        Env::answer(self.http.get(self.url(path)).send().expect("the sandbox answers"))
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Answer {
        Env::answer(
            self.http
                .post(self.url(path))
                .json(body)
                .send()
                .expect("the sandbox answers"),
        )
    }

    pub fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        Env::answer(
            self.http
                .post(self.url(path))
                .form(form)
                .send()
                .expect("the sandbox answers"),
        )
    }

    /// Creates a session for `product` (extra fields merged in) and returns its JSON.
    pub fn create(&self, product: &str, extra: Value) -> Value {
        let mut body = json!({
            "productId": product,
            "successUrl": "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}",
            "cancelUrl": "https://shop.example/cancel",
        });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        let a = self.api("POST", "/v1/checkout/sessions", Some(&body.to_string()));
        assert_eq!(a.status, 201, "create {product}: {}", a.text);
        a.json
    }

    /// Pays through the control API with a card that succeeds.
    pub fn pay(&self, id: &str, email: &str) -> Answer {
        self.pay_with(id, VISA, email, json!({}))
    }

    /// Pays through the control API with `card`, extra body fields merged in.
    pub fn pay_with(&self, id: &str, card: &str, email: &str, extra: Value) -> Answer {
        let mut body = json!({"card_number": card, "email": email});
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        self.post_json(&format!("/_sandbox/sessions/{id}/pay"), &body)
    }

    /// A SUBSCRIPTION checkout for `product`, paid by `email`: (session id, subscription id).
    pub fn subscribe(&self, product: &str, email: &str) -> (String, String) {
        let s = self.create(product, json!({"metadata": {"transaction_id": format!("txn-{email}")}}));
        let id = s["id"].as_str().unwrap().to_owned();
        let paid = self.pay(&id, email);
        assert_eq!(paid.status, 200, "{}", paid.text);
        (id, paid.json["subscription_id"].as_str().unwrap().to_owned())
    }

    /// How many requests the receiver has had once every delivery so far is done.
    pub fn mark(&self, receiver: &Receiver) -> usize {
        assert!(self.sandbox.wait_idle(LONG), "deliveries did not finish");
        receiver.received().len()
    }

    /// What the receiver got since `skip` earlier requests, once every delivery is done.
    pub fn delivered(&self, receiver: &Receiver, skip: usize) -> Vec<Value> {
        assert!(self.sandbox.wait_idle(LONG), "deliveries did not finish");
        receiver.received().iter().skip(skip).map(Received::json).collect()
    }
}

pub const VISA: &str = "4147 6310 0000 0001";
pub const DECLINED: &str = "4000 0000 0000 0002";

/// The event types of `bodies`, in order.
pub fn types(bodies: &[Value]) -> Vec<&str> {
    bodies.iter().map(|b| b["type"].as_str().unwrap_or("")).collect()
}

/// Recur sends renewal and `subscription.*` events without the first checkout's keys.
pub fn assert_no_checkout_keys(body: &Value) {
    let data = body["data"].as_object().expect("data is an object");
    for key in ["checkout_id", "checkoutId", "metadata"] {
        assert!(
            !data.contains_key(key),
            "{} carries {key}: {}",
            body["type"],
            body["data"]
        );
    }
}

/// One webhook request as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("webhook bodies are JSON")
    }

    pub fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap_or("").to_owned()
    }
}

/// Decides the answer to the n-th request (0-based): status and how long to wait first.
pub type Plan = Box<dyn Fn(usize, &Received) -> (u16, Duration) + Send + Sync>;

/// A tiny_http webhook endpoint on 127.0.0.1 that records what it gets.
pub struct Receiver {
    pub url: String,
    server: Arc<tiny_http::Server>,
    got: Arc<Mutex<Vec<Received>>>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Answers 200 to everything.
    pub fn ok() -> Receiver {
        Receiver::with_plan(Box::new(|_, _| (200, Duration::ZERO)))
    }

    pub fn with_plan(plan: Plan) -> Receiver {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let url = format!(
            "http://127.0.0.1:{}/webhooks/recur",
            server.server_addr().to_ip().unwrap().port()
        );
        let got = Arc::new(Mutex::new(Vec::new()));
        let (s, g) = (server.clone(), got.clone());
        let thread = std::thread::spawn(move || {
            // One request at a time is enough, except for slow answers: those get a thread so a
            // deliberately hanging answer does not hold up the next delivery.
            while let Ok(mut rq) = s.recv() {
                let headers = rq
                    .headers()
                    .iter()
                    .map(|h| (h.field.to_string(), h.value.to_string()))
                    .collect();
                let mut body = Vec::new();
                let _ = rq.as_reader().read_to_end(&mut body);
                let received = Received {
                    headers,
                    body,
                    at: Instant::now(),
                };
                let n = {
                    let mut g = g.lock().unwrap();
                    g.push(received.clone());
                    g.len() - 1
                };
                let (status, wait) = plan(n, &received);
                let respond = move || {
                    std::thread::sleep(wait);
                    let _ = rq.respond(tiny_http::Response::from_string("ok").with_status_code(status));
                };
                if wait.is_zero() {
                    respond();
                } else {
                    std::thread::spawn(respond);
                }
            }
        });
        Receiver {
            url,
            server,
            got,
            thread: Some(thread),
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived; panics after `timeout`.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} webhook requests, got {}",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Polls `check` until it returns Some, or panics after `timeout`.
pub fn eventually<T>(timeout: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A sandbox with `receiver` registered.
pub fn start_with_receiver(receiver: &Receiver, mut config: SandboxConfig) -> Env {
    config.webhook_urls = vec![receiver.url.clone()];
    start_with(config)
}

pub const LONG: Duration = Duration::from_secs(10);
