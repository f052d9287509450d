//! The running sandbox: binds 127.0.0.1, serves requests on a small pool of threads, routes
//! them to the REST API, the hosted page and the control API, and owns the shared state.
//!
//! The handlers themselves live in [`crate::api`], [`crate::page`] and [`crate::control`];
//! webhook sending in [`crate::webhook`].

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use recur_domain::Timestamp;
use serde_json::Value;

use crate::config::{Faults, SandboxConfig, SandboxError};
use crate::delivery::DeliveryRecord;
use crate::events::StoredEvent;
use crate::http::{Req, Resp};
use crate::state::State;
use crate::webhook::Dispatcher;
use crate::{api, control, page};

/// HTTP worker threads.
const HTTP_WORKERS: usize = 8;
/// Bodies larger than this are refused: nothing in Recur's API comes close.
const MAX_BODY: u64 = 1 << 20;

/// A running sandbox. Dropping it (or [`Sandbox::shutdown`]) stops its threads and frees the port.
pub struct Sandbox {
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    port: u16,
}

/// What every handler may use.
pub struct Shared {
    pub base_url: String,
    pub secret_key: String,
    pub webhook_secret: String,
    pub rate_limit: Option<u32>,
    state: Mutex<State>,
    dice: Mutex<FaultDice>,
    pub dispatcher: Dispatcher,
}

/// The current faults and the randomness that decides when they strike.
pub struct FaultDice {
    pub faults: Faults,
    pub rng: fastrand::Rng,
}

impl FaultDice {
    pub fn new(faults: Faults, seed: Option<u64>) -> FaultDice {
        let rng = seed.map(fastrand::Rng::with_seed).unwrap_or_default();
        FaultDice { faults, rng }
    }

    /// True with probability `rate` (never for 0, so no randomness is used up when off).
    pub fn roll(&mut self, rate: f64) -> bool {
        rate > 0.0 && self.rng.f64() < rate
    }

    /// A delay drawn from the `delay_ms` fault.
    pub fn delay(&mut self) -> Duration {
        let (min, max) = self.faults.delay_ms;
        if max == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(self.rng.u64(min.min(max)..=max))
    }
}

impl Shared {
    fn new(config: SandboxConfig, port: u16) -> Shared {
        let base_url = format!("http://127.0.0.1:{port}");
        let state = State::new(
            config.catalog,
            base_url.clone(),
            config.session_ttl,
            config.webhook_urls,
        );
        Shared {
            base_url,
            dispatcher: Dispatcher::start(
                config.webhook_secret.clone(),
                config.webhook_timeout,
                config.retry_schedule,
            ),
            secret_key: config.secret_key,
            webhook_secret: config.webhook_secret,
            rate_limit: config.rate_limit_per_min.filter(|n| *n > 0),
            state: Mutex::new(state),
            dice: Mutex::new(FaultDice::new(config.faults, config.seed)),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn dice(&self) -> MutexGuard<'_, FaultDice> {
        self.dice.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends freshly emitted events to every endpoint (faults apply).
    pub fn emit(&self, events: &[Arc<StoredEvent>]) {
        let urls = self.state().webhook_urls.clone();
        let mut dice = self.dice();
        self.dispatcher.send(events, &urls, &mut dice, Instant::now());
    }
}

impl Sandbox {
    pub fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        check(&config)?;
        let addr = format!("127.0.0.1:{}", config.port);
        let server = tiny_http::Server::http(&addr).map_err(|e| SandboxError::Bind {
            addr: addr.clone(),
            message: e.to_string(),
        })?;
        let port = server.server_addr().to_ip().map(|a| a.port()).unwrap_or(config.port);
        let mut sandbox = Sandbox {
            shared: Arc::new(Shared::new(config, port)),
            server: Arc::new(server),
            stop: Arc::new(AtomicBool::new(false)),
            workers: Vec::new(),
            port,
        };
        for i in 0..HTTP_WORKERS {
            // On failure `sandbox` is dropped, which stops the workers already started.
            sandbox.spawn_worker(i)?;
        }
        tracing::info!(base_url = %sandbox.shared.base_url, "Recur sandbox listening");
        Ok(sandbox)
    }

    fn spawn_worker(&mut self, i: usize) -> Result<(), SandboxError> {
        let (shared, server, stop) = (self.shared.clone(), self.server.clone(), self.stop.clone());
        let handle = std::thread::Builder::new()
            .name(format!("sandbox-http-{i}"))
            .spawn(move || serve_loop(&shared, &server, &stop))
            .map_err(|e| SandboxError::Config(format!("cannot start a thread: {e}")))?;
        self.workers.push(handle);
        Ok(())
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash or `/v1`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn secret_key(&self) -> &str {
        &self.shared.secret_key
    }

    pub fn webhook_secret(&self) -> &str {
        &self.shared.webhook_secret
    }

    /// Adds an endpoint that receives every event from now on (no-op if already there).
    pub fn add_webhook_url(&self, url: &str) {
        let mut state = self.shared.state();
        if !state.webhook_urls.iter().any(|u| u == url) {
            state.webhook_urls.push(url.to_owned());
        }
    }

    pub fn webhook_urls(&self) -> Vec<String> {
        self.shared.state().webhook_urls.clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.dice().faults = faults;
    }

    pub fn faults(&self) -> Faults {
        self.shared.dice().faults.clone()
    }

    /// The session as `GET /v1/checkout/sessions/{id}` would answer it.
    pub fn session_json(&self, id: &str) -> Option<Value> {
        self.shared.state().session(id, Timestamp::now()).map(|s| s.to_json())
    }

    /// Every session id, newest last.
    pub fn session_ids(&self) -> Vec<String> {
        self.shared.state().session_ids()
    }

    /// Every emitted event's envelope, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.shared.state().events().iter().map(|e| e.json()).collect()
    }

    /// How many requests reached `/v1` (authenticated or not, faults included).
    pub fn api_request_count(&self) -> u64 {
        self.shared.state().api_requests
    }

    /// The delivery log: every attempt, oldest first.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.shared.dispatcher.deliveries()
    }

    /// True once no delivery is pending or in flight (retries included).
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        self.shared.dispatcher.wait_idle(timeout)
    }

    /// Answers a request without a socket (same routing as over HTTP), for in-process callers.
    pub fn handle(&self, method: &str, path_and_query: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> Resp {
        let req = Req::new(method, path_and_query, headers, body);
        route(&self.shared, &req, Timestamp::now(), Instant::now())
    }

    pub fn shutdown(mut self) {
        self.stop_threads();
    }

    fn stop_threads(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for _ in 0..self.workers.len() {
            self.server.unblock();
        }
        for handle in self.workers.drain(..) {
            let _ = handle.join();
        }
        self.shared.dispatcher.shutdown();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop_threads();
    }
}

/// What must hold before anything is bound.
fn check(config: &SandboxConfig) -> Result<(), SandboxError> {
    config.catalog.validate().map_err(|message| SandboxError::Catalog {
        source_name: "config".into(),
        message,
    })?;
    if config.secret_key.trim().is_empty() || config.webhook_secret.is_empty() {
        return Err(SandboxError::Config(
            "the secret key and the webhook secret must not be empty".into(),
        ));
    }
    Ok(())
}

fn serve_loop(shared: &Shared, server: &tiny_http::Server, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        match server.recv() {
            Ok(request) => serve(shared, request),
            Err(e) if !stop.load(Ordering::SeqCst) => tracing::debug!("accept failed: {e}"),
            Err(_) => break,
        }
    }
}

fn serve(shared: &Shared, mut request: tiny_http::Request) {
    let started = Instant::now();
    let resp = match read_request(&mut request) {
        Ok(req) => {
            // A bug in one handler must answer 500, not take a worker thread down with it.
            let resp = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                route(shared, &req, Timestamp::now(), started)
            }))
            .unwrap_or_else(|_| Resp::error(500, "internal_error", "the sandbox failed on this request"));
            let ms = started.elapsed().as_millis() as u64;
            tracing::debug!(method = %req.method, path = %req.path, status = resp.status, ms, "request");
            resp
        }
        Err(resp) => resp,
    };
    let mut response = tiny_http::Response::from_data(resp.body).with_status_code(resp.status);
    for (name, value) in resp.headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response = response.with_header(header);
        }
    }
    if let Err(e) = request.respond(response) {
        tracing::debug!("could not send a response: {e}");
    }
}

/// Reads the whole request into a [`Req`], refusing bodies over [`MAX_BODY`].
fn read_request(request: &mut tiny_http::Request) -> Result<Req, Resp> {
    let headers = request
        .headers()
        .iter()
        .map(|h| (h.field.as_str().as_str().to_owned(), h.value.as_str().to_owned()))
        .collect();
    let mut body = Vec::new();
    if request.as_reader().take(MAX_BODY + 1).read_to_end(&mut body).is_err() {
        return Err(Resp::error(400, "invalid_request", "could not read the request body"));
    }
    if body.len() as u64 > MAX_BODY {
        return Err(Resp::error(413, "invalid_request", "the request body is too large"));
    }
    Ok(Req::new(request.method().as_str(), request.url(), headers, body))
}

/// The top-level router.
pub fn route(shared: &Shared, req: &Req, now: Timestamp, instant: Instant) -> Resp {
    match req.segments().first().copied() {
        Some("v1") => api::handle(shared, req, now, instant),
        Some("checkout") => page::handle(shared, req, now),
        Some("_sandbox") => control::handle(shared, req, now),
        None if req.method == "GET" => page::index(shared),
        _ => crate::http::not_found(&format!("no route for {} {}", req.method, req.path)),
    }
}
