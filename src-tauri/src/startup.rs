//! Opening the counter without ever blocking the window: keys, ledger, sandbox and catalogue
//! are opened on the async runtime while the UI shows each step (`app-status` events).
//!
//! Also the re-open after Settings changed the keys. Not here: what opening means (the core's
//! `Counter::open`).

use std::sync::Arc;
use std::time::Duration;

use recur_pos_core::Counter;
use tauri::{AppHandle, Manager};

use crate::error::{codes, CommandError};
use crate::events;
use crate::keys::{self, Keys};
use crate::state::{AppState, Phase};
use crate::tunnel;

/// A keyring that does not answer (a locked collection waiting on a prompt no one sees)
/// must not hold the counter closed.
pub(crate) const KEYRING_TIMEOUT: Duration = Duration::from_secs(5);
/// How often open sales are read again in the background.
const SWEEP_EVERY: Duration = Duration::from_secs(180);
/// A fixed port for the webhook listener (a tunnel points at it); default any free port.
const ENV_LISTEN_PORT: &str = "RECUR_POS_LISTEN_PORT";
/// Where webhooks are received unless `RECUR_POS_LISTEN_PORT` says otherwise.
const DEFAULT_LISTEN_PORT: u16 = 8787;

/// Opens (or re-opens) the counter in the background.
pub fn open(app: AppHandle) {
    let generation = app.state::<AppState>().begin_open();
    events::status(&app);
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let _one_at_a_time = state.open_lock.lock().await;
        if state.generation() != generation {
            return; // a newer open was asked for while this one waited
        }
        state.wait_retired().await;
        if let Err(error) = run(&app, generation).await {
            tracing::error!(code = %error.code, message = %error.message, "the counter could not open");
            if app.state::<AppState>().set_phase(generation, Phase::Failed(error)) {
                events::status(&app);
            }
        }
    });
}

async fn run(app: &AppHandle, generation: u64) -> Result<(), CommandError> {
    let state = app.state::<AppState>();
    let keys = read_keys(state.store.clone()).await;
    state.set_keys(keys.info());
    step(app, generation, "ledger");
    let config = keys.config(&|name| std::env::var(name).ok());
    let counter = tauri::async_runtime::spawn_blocking(move || Counter::open(config))
        .await
        .map_err(|e| CommandError::new(codes::INTERNAL, e.to_string()))?
        .map_err(|e| CommandError::new(codes::START_FAILED, format!("{}: {e}", e.code())))?;
    let counter = Arc::new(counter);
    events::forward(app.clone(), counter.subscribe(), generation);
    step(app, generation, "catalogue");
    // A catalogue that cannot load now is not fatal: the Sell screen asks again and shows
    // the error with a retry button.
    if let Err(e) = counter.products(false).await {
        tracing::warn!(code = %e.code(), "the catalogue could not be loaded at start-up");
    }
    let listener = start_listener(&counter);
    let port = listener.as_ref().map(recur_listener::Listener::port);
    // Sweeps open sales now and every few minutes: nothing paid is missed, even with no
    // webhook at all (and with one, a missed delivery is caught up).
    let sweeper = counter.spawn_sweeper(SWEEP_EVERY);
    if let Err(stale) = state.set_ready(generation, counter.clone(), listener, sweeper) {
        // A newer open waits on the open lock: free the port before it binds.
        if let Some(listener) = stale {
            let _ = tauri::async_runtime::spawn_blocking(move || listener.shutdown()).await;
        }
        return Ok(());
    }
    if let (Some(port), Some(command)) = (port, state.settings.tunnel_command().value) {
        // The owner's tunnel command (`{port}` = the listener's port); a bad one is shown in
        // Settings, never fatal.
        if let Err(e) = tunnel::start(&state, &counter, command, port) {
            tracing::warn!(code = %e.code, error = %e.message, "the tunnel command could not start");
        }
    }
    events::status(app);
    Ok(())
}

/// The webhook listener, when webhooks can be verified (the embedded sandbox's own secret, or
/// a configured one). Without it the counter still confirms by reading sessions.
fn start_listener(counter: &Arc<Counter>) -> Option<recur_listener::Listener> {
    counter.webhook_secret()?;
    let configured = std::env::var(ENV_LISTEN_PORT).ok().and_then(|p| p.trim().parse().ok());
    // A stable default port, so a named tunnel's fixed target keeps working across restarts;
    // if another program holds it, any free port still receives webhooks (a quick tunnel
    // follows the port it is started with).
    let first = counter.start_listener(configured.unwrap_or(DEFAULT_LISTEN_PORT));
    let started = match (first, configured) {
        (Err(e), None) => {
            tracing::warn!(code = %e.code(), error = %e, port = DEFAULT_LISTEN_PORT, "the default webhook port is taken; using any free port");
            counter.start_listener(0)
        }
        (result, _) => result,
    };
    match started {
        Ok(listener) => {
            tracing::info!(url = %listener.webhook_url(), "webhook listener started");
            Some(listener)
        }
        Err(e) => {
            tracing::warn!(code = %e.code(), error = %e, "the webhook listener could not start; confirming by session reads");
            None
        }
    }
}

fn step(app: &AppHandle, generation: u64, name: &'static str) {
    if app.state::<AppState>().set_phase(generation, Phase::Starting(name)) {
        events::status(app);
    }
}

async fn read_keys(store: Arc<dyn recur_secrets::SecretStore>) -> Keys {
    let read =
        tauri::async_runtime::spawn_blocking(move || keys::load(store.as_ref(), &|name| std::env::var(name).ok()));
    match tokio::time::timeout(KEYRING_TIMEOUT, read).await {
        Ok(Ok(keys)) => keys,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "reading the keys panicked");
            env_only("keyring_unavailable")
        }
        Err(_) => {
            tracing::warn!("the keyring did not answer in time; using the environment only");
            env_only("keyring_locked")
        }
    }
}

/// The keys from the environment alone, when the keyring cannot be asked.
fn env_only(keyring_error: &str) -> Keys {
    let mut keys = keys::load(&recur_secrets::MemoryStore::new(), &|name| std::env::var(name).ok());
    keys.keyring_error = Some(keyring_error.to_owned());
    keys
}
