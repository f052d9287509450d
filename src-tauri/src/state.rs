//! [`AppState`]: what the shell keeps between commands, registered once with `.manage()`.
//!
//! The counter itself lives behind a short `RwLock`: commands clone the `Arc<Counter>` out and
//! release the lock before awaiting anything. A generation number lets a re-open (after keys
//! change in Settings) win over an older open still in flight. Not here: any business rule —
//! those are the core's.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use recur_domain::TxnId;
use recur_listener::{Listener, ListenerStats};
use recur_tunnel::Tunnel;
use recur_pos_core::Counter;
use recur_secrets::SecretStore;

use crate::dto::{StatusDto, TunnelDto};
use crate::error::CommandError;
use crate::keys::KeyInfo;

/// Where the counter is in its life.
pub enum Phase {
    /// Opening; the step is shown as progress (`keys`, `ledger`, `catalogue`).
    Starting(&'static str),
    Ready(Arc<Counter>),
    Failed(CommandError),
}

pub struct AppState {
    phase: RwLock<Phase>,
    generation: AtomicU64,
    /// Where Settings saves keys (the OS keyring).
    pub store: Arc<dyn SecretStore>,
    /// Masked key information for Settings, from the last open.
    keys: RwLock<KeyInfo>,
    /// The session watcher of the sale on the Pay screen, if any.
    watch: Mutex<Option<Watch>>,
    /// The sale on the customer display, if any.
    display: Mutex<Option<TxnId>>,
    /// The webhook listener of the open counter (the embedded sandbox delivers to it).
    listener: Mutex<Option<Listener>>,
    /// The tunnel program (`RECUR_POS_TUNNEL`), and what it last said.
    tunnel: Mutex<Option<(String, Tunnel)>>,
    tunnel_state: Mutex<Option<TunnelDto>>,
    /// The periodic sweep of open sales of the open counter.
    sweeper: Mutex<Option<tokio::task::JoinHandle<()>>>,
    pub shop_name: String,
}

/// A running session watcher: the task to stop when the Pay screen leaves its sale.
pub struct Watch {
    pub task: tauri::async_runtime::JoinHandle<()>,
}

impl AppState {
    pub fn new(store: Arc<dyn SecretStore>, shop_name: String) -> AppState {
        AppState {
            phase: RwLock::new(Phase::Starting("keys")),
            generation: AtomicU64::new(0),
            store,
            keys: RwLock::new(KeyInfo::default()),
            watch: Mutex::new(None),
            display: Mutex::new(None),
            listener: Mutex::new(None),
            tunnel: Mutex::new(None),
            tunnel_state: Mutex::new(None),
            sweeper: Mutex::new(None),
            shop_name,
        }
    }

    /// The open counter, or `starting` / the start-up error.
    pub fn counter(&self) -> Result<Arc<Counter>, CommandError> {
        match &*self.phase.read().expect("phase lock") {
            Phase::Ready(counter) => Ok(counter.clone()),
            Phase::Starting(_) => Err(CommandError::starting()),
            Phase::Failed(error) => Err(error.clone()),
        }
    }

    /// Starts a new open; older opens still running will find their generation stale. The
    /// old counter's watcher, sweeper and listener stop, so nothing keeps it alive.
    pub fn begin_open(&self) -> u64 {
        self.stop_watch();
        if let Some(sweeper) = self.sweeper.lock().expect("sweeper lock").take() {
            sweeper.abort();
        }
        let tunnel = self.tunnel.lock().expect("tunnel lock").take();
        *self.tunnel_state.lock().expect("tunnel lock") = None;
        if let Some(listener) = self.listener.lock().expect("listener lock").take() {
            // The tunnel goes first: it points at the listener's port.
            drop(tunnel);
            // Joining its threads can take a moment: never on the caller's thread.
            std::thread::spawn(move || listener.shutdown());
        }
        *self.phase.write().expect("phase lock") = Phase::Starting("keys");
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Moves the open of `generation` on; false when a newer open has started meanwhile.
    pub fn set_phase(&self, generation: u64, phase: Phase) -> bool {
        let mut current = self.phase.write().expect("phase lock");
        if self.generation.load(Ordering::SeqCst) != generation {
            return false;
        }
        *current = phase;
        true
    }

    /// Keeps the open counter's listener and sweeper (stopped by the next [`Self::begin_open`]).
    pub fn set_services(&self, listener: Option<Listener>, sweeper: tokio::task::JoinHandle<()>) {
        *self.listener.lock().expect("listener lock") = listener;
        if let Some(old) = self.sweeper.lock().expect("sweeper lock").replace(sweeper) {
            old.abort();
        }
    }

    /// Keeps the tunnel started for the open counter (stopped by the next [`Self::begin_open`]).
    pub fn set_tunnel(&self, command: String, tunnel: Tunnel) {
        *self.tunnel.lock().expect("tunnel lock") = Some((command, tunnel));
    }

    pub fn set_tunnel_state(&self, state: TunnelDto) {
        let mut current = self.tunnel_state.lock().expect("tunnel lock");
        // A status without a URL (e.g. `starting`) keeps the last known public URL.
        let url = state.url.clone().or_else(|| current.as_ref().and_then(|c| c.url.clone()));
        *current = Some(TunnelDto { url, ..state });
    }

    /// The tunnel command and its last state, when one is configured.
    pub fn tunnel(&self) -> Option<(String, Option<TunnelDto>)> {
        let command = self.tunnel.lock().expect("tunnel lock").as_ref().map(|(c, _)| c.clone())?;
        Some((command, self.tunnel_state.lock().expect("tunnel lock").clone()))
    }

    /// The listener's webhook URL and counters, when it runs.
    pub fn listener(&self) -> Option<(String, ListenerStats)> {
        self.listener.lock().expect("listener lock").as_ref().map(|l| (l.webhook_url(), l.stats()))
    }

    pub fn set_keys(&self, info: KeyInfo) {
        *self.keys.write().expect("keys lock") = info;
    }

    pub fn keys(&self) -> KeyInfo {
        self.keys.read().expect("keys lock").clone()
    }

    pub fn status(&self) -> StatusDto {
        let phase = self.phase.read().expect("phase lock");
        let (name, step, error, counter) = match &*phase {
            Phase::Starting(step) => ("starting", Some(*step), None, None),
            Phase::Ready(counter) => ("ready", None, None, Some(counter.clone())),
            Phase::Failed(error) => ("failed", None, Some(error.clone()), None),
        };
        StatusDto {
            phase: name,
            step,
            error,
            environment: counter.as_ref().map(|c| c.environment().as_str()),
            embedded: counter.as_ref().is_some_and(|c| c.is_embedded_sandbox()),
            listener: self.listener().is_some(),
            tunnel: self.tunnel().map(|(_, state)| state.map_or("starting", |s| s.status)),
            shop_name: self.shop_name.clone(),
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// Replaces the watcher (stopping the old one).
    pub fn set_watch(&self, watch: Watch) {
        if let Some(old) = self.watch.lock().expect("watch lock").replace(watch) {
            old.task.abort();
        }
    }

    pub fn stop_watch(&self) {
        if let Some(old) = self.watch.lock().expect("watch lock").take() {
            old.task.abort();
        }
    }

    pub fn set_display(&self, sale: Option<TxnId>) {
        *self.display.lock().expect("display lock") = sale;
    }

    pub fn display(&self) -> Option<TxnId> {
        self.display.lock().expect("display lock").clone()
    }
}
