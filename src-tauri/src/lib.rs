//! The Tauri shell: the only code in the workspace that imports `tauri`.
//!
//! It opens the core (`recur_pos_core::Counter`) off the UI thread, exposes it to the web UI
//! in `ui/` as one-line commands with small DTOs, forwards the core's events as UI events,
//! watches the session of the sale on the Pay screen, renders QR codes, keeps the keys in the
//! OS keyring, keeps the app's non-secret settings (settings.json), runs the tunnel and drives
//! the customer display window. Not here: any rule about sales, money or Recur — those live in
//! `crates/`.

mod app_settings;
mod commands;
mod display;
mod dto;
mod error;
mod events;
mod keys;
mod qr;
mod startup;
mod state;
mod tunnel;
mod watch;

use std::sync::Arc;

use recur_secrets::{KeyringStore, SecretStore};
use tauri::Manager;

use crate::app_settings::SettingsFile;
use crate::state::AppState;

/// Another keyring namespace (tests use one of their own, never the real one).
const ENV_KEYRING_SERVICE: &str = "RECUR_POS_KEYRING_SERVICE";

pub fn run() {
    init_logging();
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(tauri::generate_handler![
            commands::settings::app_status,
            commands::settings::reopen,
            commands::settings::settings,
            commands::settings::save_keys,
            commands::settings::clear_keys,
            commands::settings::tunnel_self_test,
            commands::settings::save_shop_name,
            commands::settings::start_tunnel,
            commands::settings::stop_tunnel,
            commands::settings::dismiss_url_change,
            commands::review::journal,
            commands::review::reapply_event,
            commands::review::subscriptions,
            commands::review::sale_detail,
            commands::sale::products,
            commands::sale::charge,
            commands::sale::new_checkout,
            commands::sale::cancel_sale,
            commands::sale::pay_view,
            commands::sale::today,
            commands::sale::watch_sale,
            commands::sale::unwatch_sale,
            commands::sale::open_checkout,
            commands::display::open_customer_display,
            commands::display::customer_view,
        ])
        .setup(|app| {
            app.manage(AppState::new(secret_store(), settings_file()));
            startup::open(app.handle().clone());
            Ok(())
        })
        .on_window_event(|window, event| {
            // The customer display never outlives the counter window.
            if window.label() == "main" && matches!(event, tauri::WindowEvent::Destroyed) {
                window.app_handle().exit(0);
            }
        })
        .build(tauri::generate_context!())
        .expect("error while building the Recur POS window")
        .run(|app, event| {
            // The tunnel program is our child: stop it, or a cloudflared/ngrok would outlive the
            // app (and a second ngrok session may be refused at the next start).
            if let tauri::RunEvent::Exit = event {
                if let Some(tunnel) = app.state::<AppState>().tunnel.reset() {
                    tunnel.stop();
                }
            }
        });
}

fn secret_store() -> Arc<dyn SecretStore> {
    match std::env::var(ENV_KEYRING_SERVICE).ok().filter(|s| !s.trim().is_empty()) {
        Some(service) => Arc::new(KeyringStore::with_service(service)),
        None => Arc::new(KeyringStore::new()),
    }
}

/// settings.json beside the ledger the counter will open (`RECUR_POS_DB`, else the default).
fn settings_file() -> SettingsFile {
    let ledger = recur_pos_core::Config::from_env().db_path;
    SettingsFile::open_beside(&ledger, |name| std::env::var(name).ok())
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second init (the CLI already set one up) is harmless.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
