//! [`Shared`]: what every request handler of the sandbox may use — its addresses and keys, the
//! emulated Recur state, the fault dice and the webhook dispatcher. Below the handlers (`api`,
//! `page`, `control`) and the server that routes to them, so none of them imports another.

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use recur_domain::Timestamp;
use serde_json::Value;

use crate::config::SandboxConfig;
use crate::dice::FaultDice;
use crate::events::StoredEvent;
use crate::state::State;
use crate::webhook::Dispatcher;

/// What every handler may use.
pub struct Shared {
    pub base_url: String,
    /// `http://LAN:PORT` in phone-test mode.
    pub lan_base: Option<String>,
    /// The LAN address as a URL host (`192.168.1.20`, `[fe80::1]`), where return URLs may be http.
    pub lan_host: Option<String>,
    pub secret_key: String,
    pub webhook_secret: String,
    pub rate_limit: Option<u32>,
    state: Mutex<State>,
    dice: Mutex<FaultDice>,
    pub dispatcher: Dispatcher,
}

impl Shared {
    pub(crate) fn new(config: SandboxConfig, port: u16, lan: Option<(IpAddr, u16)>) -> Shared {
        let base_url = format!("http://127.0.0.1:{port}");
        let lan_host = lan.map(|(ip, _)| url_host(ip));
        let lan_base = lan
            .zip(lan_host.as_ref())
            .map(|((_, p), host)| format!("http://{host}:{p}"));
        let mut state = State::new(
            config.catalog,
            lan_base.clone().unwrap_or_else(|| base_url.clone()),
            config.session_ttl,
            config.webhook_urls,
        );
        state.quirks = config.quirks;
        Shared {
            base_url,
            lan_base,
            lan_host,
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

    /// The session as `GET /v1/checkout/sessions/{id}` answers it, in the current casing.
    pub fn session_json(&self, id: &str, now: Timestamp) -> Option<Value> {
        let mut state = self.state();
        let camel = state.quirks.camel_case;
        state.session(id, now).map(|s| s.to_json(camel))
    }

    /// Sends freshly emitted events to every endpoint (faults apply).
    pub fn emit(&self, events: &[Arc<StoredEvent>]) {
        let urls = self.state().webhook_urls.clone();
        let mut dice = self.dice();
        self.dispatcher.send(events, &urls, &mut dice, Instant::now());
    }
}

/// An IP as the host part of a URL.
fn url_host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}
