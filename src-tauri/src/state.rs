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
use recur_pos_core::Counter;
use recur_secrets::SecretStore;

use crate::app_settings::SettingsFile;
use crate::dto::{StatusDto, TunnelDto};
use crate::error::CommandError;
use crate::keys::KeyInfo;
use crate::tunnel::PublicTunnel;

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
    /// The tunnel program, what it last said, and a public URL change not yet acknowledged.
    pub tunnel: PublicTunnel,
    /// The periodic sweep of open sales of the open counter.
    sweeper: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The shop name, the tunnel command and the last public URL (settings.json).
    pub settings: SettingsFile,
    /// One open runs at a time, so two never race for the webhook port.
    pub open_lock: tokio::sync::Mutex<()>,
    /// The previous counter's listener and tunnel, being stopped: the next open waits for
    /// this before it binds the port again.
    retiring: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// A running session watcher: the task to stop when the Pay screen leaves its sale.
pub struct Watch {
    pub task: tauri::async_runtime::JoinHandle<()>,
}

impl AppState {
    pub fn new(store: Arc<dyn SecretStore>, settings: SettingsFile) -> AppState {
        AppState {
            phase: RwLock::new(Phase::Starting("keys")),
            generation: AtomicU64::new(0),
            store,
            keys: RwLock::new(KeyInfo::default()),
            watch: Mutex::new(None),
            display: Mutex::new(None),
            listener: Mutex::new(None),
            tunnel: PublicTunnel::default(),
            sweeper: Mutex::new(None),
            settings,
            open_lock: tokio::sync::Mutex::new(()),
            retiring: Mutex::new(None),
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
        // The generation moves first, under the phase lock: an older open handing over its
        // services after this point sees it is stale (see `set_ready`).
        let generation = {
            let mut phase = self.phase.write().expect("phase lock");
            *phase = Phase::Starting("keys");
            self.generation.fetch_add(1, Ordering::SeqCst) + 1
        };
        self.stop_watch();
        if let Some(sweeper) = self.sweeper.lock().expect("sweeper lock").take() {
            sweeper.abort();
        }
        let tunnel = self.tunnel.reset();
        let listener = self.listener.lock().expect("listener lock").take();
        // Joining their threads can take a moment: never on the caller's thread. The tunnel
        // goes first: it points at the listener's port. An earlier retirement still running is
        // joined first, so whoever waits for this one waits for all.
        let mut retiring = self.retiring.lock().expect("retiring lock");
        let earlier = retiring.take();
        *retiring = Some(std::thread::spawn(move || {
            if let Some(earlier) = earlier {
                let _ = earlier.join();
            }
            if let Some(tunnel) = tunnel {
                tunnel.stop();
            }
            if let Some(listener) = listener {
                listener.shutdown();
            }
        }));
        drop(retiring);
        generation
    }

    /// Waits (off the async workers) until the previous counter's listener and tunnel stopped.
    pub async fn wait_retired(&self) {
        let retiring = self.retiring.lock().expect("retiring lock").take();
        if let Some(handle) = retiring {
            let _ = tauri::async_runtime::spawn_blocking(move || handle.join()).await;
        }
    }

    /// The open in progress (or done): events of older counters are not heard.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
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

    /// Marks the open of `generation` ready and keeps its listener and sweeper (stopped by the
    /// next [`Self::begin_open`]), in one step under the phase lock. A newer open started
    /// meanwhile gets them back to stop: `Err` carries the listener.
    pub fn set_ready(
        &self,
        generation: u64,
        counter: Arc<Counter>,
        listener: Option<Listener>,
        sweeper: tokio::task::JoinHandle<()>,
    ) -> Result<(), Option<Listener>> {
        let mut phase = self.phase.write().expect("phase lock");
        if self.generation.load(Ordering::SeqCst) != generation {
            sweeper.abort();
            return Err(listener);
        }
        *phase = Phase::Ready(counter);
        *self.listener.lock().expect("listener lock") = listener;
        if let Some(old) = self.sweeper.lock().expect("sweeper lock").replace(sweeper) {
            old.abort();
        }
        Ok(())
    }

    /// The tunnel as the top bar, the banner and Settings show it.
    pub fn tunnel_dto(&self) -> TunnelDto {
        let command = self.settings.tunnel_command();
        self.tunnel.dto(command.value, command.from_env)
    }

    /// The listener's port, webhook URL and counters, when it runs.
    pub fn listener(&self) -> Option<(u16, String, ListenerStats)> {
        self.listener
            .lock()
            .expect("listener lock")
            .as_ref()
            .map(|l| (l.port(), l.webhook_url(), l.stats()))
    }

    /// The shop name: `RECUR_POS_SHOP_NAME`, else the saved one, else "Recur POS".
    pub fn shop_name(&self) -> String {
        self.settings.shop_name().value
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
            tunnel: self.tunnel_dto(),
            shop_name: self.shop_name(),
            version: env!("CARGO_PKG_VERSION"),
            keyring: self.keys().keyring,
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
