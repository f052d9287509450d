//! Opening the counter without ever blocking the window, and handing what the core says to the
//! UI: the station opens on the async runtime (keys → ledger → catalogue → services) while the
//! UI shows each step; each new counter's events are forwarded for as long as it is the current
//! one (the window's generation guard). Not here: what opening means (`Station::open`).

use recur_pos_app::{Plan, StationEvent};
use tauri::{AppHandle, Manager};
use tokio::sync::broadcast::error::RecvError;

use crate::events;
use crate::state::AppState;

/// Opens (or re-opens, after Settings changed the keys) the counter in the background.
pub fn open(app: AppHandle) {
    let state = app.state::<AppState>();
    // The Pay screen's watch belongs to the counter being replaced.
    state.stop_watch();
    let station = state.station.clone();
    tauri::async_runtime::spawn(async move {
        if let Ok(counter) = station.open(Plan::window(station.env())).await {
            events::forward(app, counter, station.generation());
        }
    });
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
