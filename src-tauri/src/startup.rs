//! Opening the counter without ever blocking the window, and handing what the core says to the
//! UI: the station opens on the async runtime (keys → ledger → catalogue → services) while the
//! UI shows each step; each new counter's events are forwarded for as long as it is the current
//! one (the window's generation guard). Not here: what opening means (`Station::open`).

use std::sync::Arc;

use recur_pos_app::{Plan, StationEvent};
use recur_pos_core::{CoreEvent, Counter};
use tauri::{AppHandle, Manager};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::display;
use crate::dto::SaleDto;
use crate::events::{self, emit, CATALOGUE_CHANGED, JOURNAL_CHANGED, RESYNC, SALE_CHANGED, SHARED_LEDGER};
use crate::state::AppState;

/// Opens (or re-opens, after Settings changed the keys) the counter in the background.
pub fn open(app: AppHandle) {
    let state = app.state::<AppState>();
    // The Pay screen's watch belongs to the counter being replaced.
    state.stop_watch();
    let station = state.station.clone();
    tauri::async_runtime::spawn(async move {
        if let Ok(counter) = station.open(Plan::window(station.env())).await {
            forward(app, counter, station.generation());
        }
    });
}

/// Forwards the counter the station re-opened by itself (joining or leaving a shop), if it is
/// open: the generation is read first, so a newer open's counter is never taken for it.
pub fn forward_current(app: &AppHandle) {
    let station = &app.state::<AppState>().station;
    let generation = station.generation();
    if let Ok(counter) = station.counter() {
        forward(app.clone(), counter, generation);
    }
}

/// Forwards the station's own events (start-up progress, the tunnel) for the app's lifetime.
pub fn forward_station(app: AppHandle) {
    let mut station_events = app.state::<AppState>().station.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match station_events.recv().await {
                Ok(StationEvent::Phase) => events::status(&app),
                Ok(StationEvent::Tunnel) => events::tunnel_changed(&app),
                Err(RecvError::Lagged(_)) => {
                    events::status(&app);
                    events::tunnel_changed(&app);
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// Forwards `counter`'s events until it is gone or no longer the current one (`generation`
/// is the open that made it: an older counter still finishing its work is not heard).
pub fn forward(app: AppHandle, counter: Arc<Counter>, generation: u64) {
    let mut events = counter.subscribe();
    drop(counter);
    tauri::async_runtime::spawn(async move {
        loop {
            let event = events.recv().await;
            if app.state::<AppState>().station.generation() != generation {
                break;
            }
            match event {
                Ok(CoreEvent::SaleChanged(sale)) => {
                    emit(&app, SALE_CHANGED, SaleDto::from(&sale));
                    let state = app.state::<AppState>();
                    if state.display().as_ref() == Some(&sale.id) {
                        display::publish_sale(&app, &state, Some(&sale));
                    }
                }
                Ok(CoreEvent::CatalogueChanged) => emit(&app, CATALOGUE_CHANGED, ()),
                Ok(CoreEvent::JournalChanged) => emit(&app, JOURNAL_CHANGED, ()),
                Ok(CoreEvent::Resync) => emit(&app, RESYNC, ()),
                Ok(CoreEvent::SharedLedger(status)) => {
                    emit(&app, SHARED_LEDGER, events::SharedLedgerDto::from(&status))
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "the UI fell behind the core's events; asking it to reload");
                    emit(&app, RESYNC, ());
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
