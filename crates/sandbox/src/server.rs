//! The running sandbox: binds 127.0.0.1 (and, in phone-test mode, a LAN address for the hosted
//! pages only), routes requests to the REST API, the hosted page and the control API, and owns
//! the shared state.
//!
//! The handlers themselves live in [`crate::api`], [`crate::page`] and [`crate::control`], and
//! what they share in [`crate::shared`]; sockets in [`crate::listen`]; webhook sending in
//! [`crate::webhook`].

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use recur_domain::Timestamp;
use serde_json::Value;

use crate::config::{Faults, Quirks, SandboxConfig};
use crate::delivery::DeliveryRecord;
use crate::error::SandboxError;
use crate::http::{Req, Resp};
use crate::listen::{Handler, Listener};
use crate::shared::Shared;
use crate::{api, control, page};

/// HTTP worker threads on loopback, and on the LAN address in phone-test mode.
const HTTP_WORKERS: usize = 8;
const LAN_WORKERS: usize = 2;

/// A running sandbox. Dropping it (or [`Sandbox::shutdown`]) stops its threads and frees the ports.
pub struct Sandbox {
    shared: Arc<Shared>,
    loopback: Listener,
    lan: Option<Listener>,
}

impl Sandbox {
    pub fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        check(&config)?;
        // Bound before the state exists, so that session URLs can carry the real ports.
        let mut loopback = Listener::bind(IpAddr::V4(Ipv4Addr::LOCALHOST), config.port)?;
        let port = loopback.addr().port();
        let mut lan = match config.lan {
            // The loopback port when it is free there too, so both addresses read alike.
            Some(ip) => Some(Listener::bind(ip, port).or_else(|_| Listener::bind(ip, 0))?),
            None => None,
        };
        let lan_addr = lan.as_ref().map(|l| (l.addr().ip(), l.addr().port()));
        let shared = Arc::new(Shared::new(config, port, lan_addr));
        loopback.spawn(HTTP_WORKERS, "sandbox-http", handler(&shared, route))?;
        if let Some(lan) = lan.as_mut() {
            lan.spawn(LAN_WORKERS, "sandbox-lan", handler(&shared, route_lan))?;
        }
        tracing::info!(base_url = %shared.base_url, lan = ?shared.lan_base, "Recur sandbox listening");
        Ok(Sandbox { shared, loopback, lan })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash or `/v1`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// In phone-test mode, `http://LAN-ADDRESS:PORT` where the hosted pages are also served.
    pub fn lan_base_url(&self) -> Option<String> {
        self.shared.lan_base.clone()
    }

    /// Where customers' pages live: the LAN base in phone-test mode, else [`Sandbox::base_url`].
    /// Session URLs start with it, and so should return pages meant for a phone.
    pub fn page_base_url(&self) -> String {
        self.shared.lan_base.clone().unwrap_or_else(|| self.base_url())
    }

    pub fn port(&self) -> u16 {
        self.loopback.addr().port()
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

    pub fn set_quirks(&self, quirks: Quirks) {
        self.shared.state().quirks = quirks;
    }

    pub fn quirks(&self) -> Quirks {
        self.shared.state().quirks.clone()
    }

    /// The session as `GET /v1/checkout/sessions/{id}` would answer it (same casing).
    pub fn session_json(&self, id: &str) -> Option<Value> {
        self.shared.session_json(id, Timestamp::now())
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

    /// Answers a request without a socket (same routing as over loopback), for in-process callers.
    pub fn handle(&self, method: &str, path_and_query: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> Resp {
        let req = Req::new(method, path_and_query, headers, body);
        route(&self.shared, &req, Timestamp::now(), Instant::now())
    }

    pub fn shutdown(mut self) {
        self.stop_threads();
    }

    fn stop_threads(&mut self) {
        self.loopback.stop();
        if let Some(lan) = self.lan.as_mut() {
            lan.stop();
        }
        self.shared.dispatcher.shutdown();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop_threads();
    }
}

type Router = fn(&Shared, &Req, Timestamp, Instant) -> Resp;

/// A socket handler for `router`.
fn handler(shared: &Arc<Shared>, router: Router) -> Arc<Handler> {
    let shared = shared.clone();
    Arc::new(move |req: &Req, instant: Instant| router(&shared, req, Timestamp::now(), instant))
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
    if config.lan.is_some_and(|ip| ip.is_unspecified()) {
        return Err(SandboxError::Config(
            "the LAN address must be one address, not 0.0.0.0 or ::: the API must stay on loopback".into(),
        ));
    }
    Ok(())
}

/// The top-level router of the loopback listener.
pub fn route(shared: &Shared, req: &Req, now: Timestamp, instant: Instant) -> Resp {
    match req.segments().first().copied() {
        Some("v1") => api::handle(shared, req, now, instant),
        Some("checkout") => page::handle(shared, req, now),
        Some("_sandbox") => control::handle(shared, req, now),
        None if req.method == "GET" => page::index(shared),
        _ => crate::http::not_found(&format!("no route for {} {}", req.method, req.path)),
    }
}

/// The LAN listener serves what a customer's phone needs and nothing else: the hosted pages
/// and the small return pages. Never `/v1`, never a control route.
fn route_lan(shared: &Shared, req: &Req, now: Timestamp, _instant: Instant) -> Resp {
    let get = req.method == "GET" || req.method == "HEAD";
    match req.segments().as_slice() {
        ["checkout", ..] => page::handle(shared, req, now),
        ["_sandbox", "return", which] if get => page::return_page(which, req),
        _ => crate::http::not_found("only the hosted checkout pages are served on the LAN address"),
    }
}
