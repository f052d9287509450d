//! The UI's event names — one per core event (`CoreEvent`, `StationEvent`) plus the shell's
//! own — and sending them to the counter window.
//!
//! JavaScript never polls for what the core knows: it listens to these. Not here: deciding
//! anything about a sale (the payloads are plain DTOs of what the core said).

use recur_pos_core::WatchStatus;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

/// `CoreEvent::SaleChanged`, with a [`SaleDto`].
pub const SALE_CHANGED: &str = "sale-changed";
/// `CoreEvent::CatalogueChanged` (no payload: the UI asks for the products it shows).
pub const CATALOGUE_CHANGED: &str = "catalogue-changed";
/// `CoreEvent::JournalChanged`: a webhook delivery was journaled (no payload).
pub const JOURNAL_CHANGED: &str = "journal-changed";
/// `StationEvent::Tunnel`: the tunnel started, stopped, changed its URL, or the change was
/// acknowledged: with a [`crate::dto::TunnelDto`].
pub const TUNNEL_CHANGED: &str = "tunnel-changed";
/// Events were lost (a slow listener); the UI reloads what it shows.
pub const RESYNC: &str = "resync";
/// The app is starting / ready / failed, with a `StatusDto`.
pub const APP_STATUS: &str = "app-status";
/// The Pay screen's session watcher: reading works, or fails and retries, with a [`WatchStatus`].
pub const WATCH_STATUS: &str = "watch-status";
/// An export's progress, with a `ProgressDto` (rows written of the filter's total).
pub const EXPORT_PROGRESS: &str = "export-progress";
/// A cross-check's progress, with a `ProgressDto` (Recur sessions read of the day's total).
pub const CROSS_CHECK_PROGRESS: &str = "cross-check-progress";
/// The window's close button was pressed while the manager is locked: the UI asks for the PIN.
pub const QUIT_REQUESTED: &str = "quit-requested";
/// The receipt printer's state for the top bar (after each job, and once a minute), with a
/// `PrinterStatusDto`.
pub const PRINTER_STATUS: &str = "printer-status";
/// `CoreEvent::SharedLedger`: the shop's shared ledger went away or came back, with a
/// [`SharedLedgerDto`].
pub const SHARED_LEDGER: &str = "shared-ledger";
/// The counter window's label (tauri.conf.json).
pub const MAIN_WINDOW: &str = "main";

/// The shop's shared ledger as this counter last heard it (the top bar's database dot).
#[derive(Clone, Debug, Serialize)]
pub struct SharedLedgerDto {
    /// The ledger is the shop's PostgreSQL (false: a file of this counter's own: no dot).
    pub shared: bool,
    pub reachable: bool,
    /// Cash sales kept on this counter until the database is back.
    pub waiting: u64,
}

impl From<&recur_pos_core::SharedStatus> for SharedLedgerDto {
    fn from(s: &recur_pos_core::SharedStatus) -> Self {
        SharedLedgerDto {
            shared: s.shared,
            reachable: s.reachable,
            waiting: s.waiting,
        }
    }
}

/// How the Pay screen's watch is doing.
#[derive(Clone, Debug, Serialize)]
pub struct WatchStatusDto {
    pub sale_id: String,
    pub ok: bool,
    /// The error code of the last failed read.
    pub code: Option<&'static str>,
    /// When the watch reads again.
    pub retry_in_ms: Option<u64>,
}

impl From<&WatchStatus> for WatchStatusDto {
    fn from(s: &WatchStatus) -> WatchStatusDto {
        WatchStatusDto {
            sale_id: s.sale.to_string(),
            ok: s.ok,
            code: s.code.map(|c| c.as_str()),
            retry_in_ms: s.retry_in.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        }
    }
}

/// Sends the UI the tunnel as it is now.
pub fn tunnel_changed(app: &AppHandle) {
    let tunnel = app.state::<AppState>().tunnel_dto();
    emit(app, TUNNEL_CHANGED, tunnel);
}

/// Sends an event to the counter window only. The customer window may not listen to events at
/// all (its capability); its view comes on its own channel (see `display.rs`).
pub fn emit<S: Serialize + Clone>(app: &AppHandle, event: &str, payload: S) {
    if let Err(e) = app.emit_to(MAIN_WINDOW, event, payload) {
        tracing::warn!(event, error = %e, "could not emit to the UI");
    }
}

/// Tells the main window where start-up is.
pub fn status(app: &AppHandle) {
    let status = app.state::<AppState>().status();
    emit(app, APP_STATUS, status);
}
