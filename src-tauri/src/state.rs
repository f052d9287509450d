//! [`AppState`]: what the window keeps between commands, registered once with `.manage()`: the
//! [`Station`] (the app without its window), the session watch of the sale on the Pay screen,
//! and the sale on the customer display. Not here: any rule — those are the core's.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use recur_domain::TxnId;
use recur_pos_app::{Phase, Station};
use recur_pos_core::Counter;

use crate::dto::CommandError;
use crate::dto::{ListenerDto, StatusDto, TunnelDto};

/// How many of the customer window's channels are kept (the newest).
const CUSTOMER_CHANNELS: usize = 4;

pub struct AppState {
    pub station: Arc<Station>,
    /// The watch of the sale on the Pay screen, if any.
    watch: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
    /// The sale on the customer display, if any.
    display: Mutex<Option<TxnId>>,
    /// The customer window's own channels (one per `customer_view` call, the newest few: a
    /// reloaded page makes a new one): its updates go there, never through events, which it
    /// may not listen to.
    customer: Mutex<Vec<tauri::ipc::Channel<crate::dto::CustomerViewDto>>>,
    /// The cancel flag of the export that is running, if any.
    export: Mutex<Option<Arc<AtomicBool>>>,
}

impl AppState {
    pub fn new(station: Arc<Station>) -> AppState {
        AppState {
            station,
            watch: Mutex::new(None),
            display: Mutex::new(None),
            customer: Mutex::new(Vec::new()),
            export: Mutex::new(None),
        }
    }

    /// The open counter, or why there is none (still starting, or the open's own error).
    pub fn counter(&self) -> Result<Arc<Counter>, CommandError> {
        Ok(self.station.counter()?)
    }

    pub fn tunnel_dto(&self) -> TunnelDto {
        TunnelDto::from(&self.station.tunnel_view())
    }

    pub fn listener_dto(&self) -> Option<ListenerDto> {
        self.station.listener().as_ref().map(ListenerDto::from)
    }

    pub fn shop_name(&self) -> String {
        self.station.settings().shop_name().value
    }

    pub fn status(&self) -> StatusDto {
        let (phase, step, error, counter) = match self.station.phase() {
            Phase::Starting(step) => ("starting", Some(step.as_str()), None, None),
            Phase::Ready(counter) => ("ready", None, None, Some(counter)),
            Phase::Failed(code, message) => ("failed", None, Some(CommandError::new(code, message)), None),
        };
        StatusDto {
            phase,
            step,
            error,
            environment: counter.as_ref().map(|c| c.environment().as_str()),
            embedded: counter.as_ref().is_some_and(|c| c.is_embedded_sandbox()),
            listener: self.station.listener().is_some(),
            tunnel: self.tunnel_dto(),
            shop_name: self.shop_name(),
            version: env!("CARGO_PKG_VERSION"),
            keyring: self.station.keys().keyring_error.map_or("ok", |c| c.as_str()),
            lan_url: counter.as_ref().and_then(|c| c.lan_base_url()),
        }
    }

    /// Replaces the watch (stopping the old one).
    pub fn set_watch(&self, task: tauri::async_runtime::JoinHandle<()>) {
        if let Some(old) = self.watch.lock().expect("watch lock").replace(task) {
            old.abort();
        }
    }

    pub fn stop_watch(&self) {
        if let Some(old) = self.watch.lock().expect("watch lock").take() {
            old.abort();
        }
    }

    pub fn add_customer_channel(&self, channel: tauri::ipc::Channel<crate::dto::CustomerViewDto>) {
        let mut channels = self.customer.lock().expect("customer lock");
        channels.push(channel);
        let extra = channels.len().saturating_sub(CUSTOMER_CHANNELS);
        channels.drain(..extra);
    }

    pub fn customer_channels(&self) -> Vec<tauri::ipc::Channel<crate::dto::CustomerViewDto>> {
        self.customer.lock().expect("customer lock").clone()
    }

    pub fn set_display(&self, sale: Option<TxnId>) {
        *self.display.lock().expect("display lock") = sale;
    }

    pub fn display(&self) -> Option<TxnId> {
        self.display.lock().expect("display lock").clone()
    }

    /// A new export's cancel flag (an export still running is cancelled: one at a time).
    pub fn start_export(&self) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        if let Some(old) = self.export.lock().expect("export lock").replace(flag.clone()) {
            old.store(true, Ordering::Relaxed);
        }
        flag
    }

    pub fn end_export(&self) {
        self.export.lock().expect("export lock").take();
    }

    pub fn cancel_export(&self) {
        if let Some(flag) = self.export.lock().expect("export lock").as_ref() {
            flag.store(true, Ordering::Relaxed);
        }
    }
}
