//! Start-up status and Settings: keys (checked and saved to the OS keyring by the core, shown
//! masked), the shop name, the webhook listener and the tunnel (started, stopped and
//! self-tested by the core), about.

use recur_pos_app::backups;
use recur_pos_app::env::clean;
use recur_pos_app::keys::{self, KeyName};
use recur_pos_core::Guarded;
use recur_tunnel::PRESETS;
use tauri::{AppHandle, State};

use crate::dto::CommandError;
use crate::dto::{BackupsDto, KeyDto, PresetDto, SelfTestDto, SettingsDto, StatusDto, TunnelDto};
use crate::state::AppState;
use crate::{display, events, startup};

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Result<StatusDto, CommandError> {
    Ok(state.status())
}

/// Opens the counter again (after a failed start, or to retry the keyring).
#[tauri::command]
pub async fn reopen(app: AppHandle) -> Result<(), CommandError> {
    startup::open(app);
    Ok(())
}

#[tauri::command]
pub async fn settings(state: State<'_, AppState>) -> Result<SettingsDto, CommandError> {
    let counter = state.counter().ok();
    let keys = state.station.keys();
    let settings = state.station.settings();
    let ledger_path = counter.as_ref().map(|c| c.ledger().path().to_path_buf());
    let backups = backups::status(
        state.station.env(),
        &ledger_path
            .clone()
            .unwrap_or_else(|| backups::ledger_path(state.station.env())),
    );
    Ok(SettingsDto {
        environment: counter.as_ref().map(|c| c.environment().as_str()),
        embedded: counter.as_ref().is_some_and(|c| c.is_embedded_sandbox()),
        api_base: counter.as_ref().map(|c| c.api_base().to_owned()),
        secret_key: KeyDto::from(&keys.secret_key),
        webhook_secret: KeyDto::from(&keys.webhook_secret),
        keyring: keys.keyring_error.map_or("ok", |c| c.as_str()),
        version: env!("CARGO_PKG_VERSION"),
        // The counter's own folder: the ledger file's, or RECUR_POS_HOME beside a shared ledger.
        data_dir: ledger_path.as_ref().map(|p| {
            recur_pos_app::env::local_folder(state.station.env(), p)
                .display()
                .to_string()
        }),
        ledger_path: ledger_path.map(|p| p.display().to_string()),
        settings_path: settings.path().display().to_string(),
        shop_name: state.shop_name(),
        shop_name_from_env: settings.shop_name().from_env,
        phone_test: settings.phone_test().value,
        phone_test_from_env: settings.phone_test().from_env,
        lan_url: counter.as_ref().and_then(|c| c.lan_base_url()),
        listener: state.listener_dto(),
        tunnel: state.tunnel_dto(),
        tunnel_presets: PRESETS
            .iter()
            .map(|&(name, command)| PresetDto { name, command })
            .collect(),
        backups: BackupsDto::from(&backups),
    })
}

/// "Back up now": a backup of the open ledger into the backups folder (sales go on meanwhile).
#[tauri::command]
pub async fn back_up_now(state: State<'_, AppState>) -> Result<BackupsDto, CommandError> {
    let counter = state.station.guard(Guarded::Settings, "backup now")?;
    backups::back_up_now(&counter, state.station.env(), None).await?;
    // The newest backup is now the one just taken.
    Ok(BackupsDto::from(&backups::status(
        state.station.env(),
        counter.ledger().path(),
    )))
}

/// "Copy diagnostics": the redacted text (see `recur_pos_app::diagnostics`).
#[tauri::command]
pub async fn diagnostics(state: State<'_, AppState>) -> Result<String, CommandError> {
    state.station.guard(Guarded::Settings, "diagnostics copied")?;
    let station = std::sync::Arc::clone(&state.station);
    tauri::async_runtime::spawn_blocking(move || recur_pos_app::diagnostics::gather(&station))
        .await
        .map_err(|e| CommandError::from(recur_pos_app::AppError::Internal(e.to_string())))
}

/// Sends a signed test event through the tunnel's public URL and checks it was journaled.
#[tauri::command]
pub async fn tunnel_self_test(state: State<'_, AppState>) -> Result<SelfTestDto, CommandError> {
    Ok(SelfTestDto::from(&state.station.self_test().await?))
}

/// Saves the shop name (blank = the default); the top bar and the customer display follow.
#[tauri::command]
pub async fn save_shop_name(
    app: AppHandle,
    state: State<'_, AppState>,
    name: Option<String>,
) -> Result<StatusDto, CommandError> {
    state.station.guard(Guarded::Settings, "shop name")?;
    state.station.settings().update(|s| s.shop_name = name)?;
    events::status(&app);
    display::refresh(&app, &state);
    Ok(state.status())
}

/// Turns phone-test mode on or off (saved in settings.json) and re-opens the counter, whose
/// embedded sandbox then serves its checkout pages on the LAN address (or stops doing so).
#[tauri::command]
pub async fn save_phone_test(app: AppHandle, state: State<'_, AppState>, on: bool) -> Result<(), CommandError> {
    state
        .station
        .guard(Guarded::Settings, if on { "phone test on" } else { "phone test off" })?;
    state.station.settings().update(|s| s.phone_test = on)?;
    startup::open(app);
    Ok(())
}

/// Saves the typed tunnel command and (re)starts the tunnel with it; blank stops it.
#[tauri::command]
pub async fn start_tunnel(state: State<'_, AppState>, command: Option<String>) -> Result<TunnelDto, CommandError> {
    state.station.guard(Guarded::Settings, "tunnel started")?;
    let station = state.station.clone();
    blocking(move || station.start_tunnel(command)).await?;
    Ok(state.tunnel_dto())
}

/// Stops the tunnel until it is started again (from Settings, or at the next start-up).
#[tauri::command]
pub async fn stop_tunnel(state: State<'_, AppState>) -> Result<TunnelDto, CommandError> {
    state.station.guard(Guarded::Settings, "tunnel stopped")?;
    let station = state.station.clone();
    blocking(move || {
        station.stop_tunnel();
        Ok(())
    })
    .await?;
    Ok(state.tunnel_dto())
}

/// The owner has given Recur's dashboard the new webhook URL: the red banner goes.
#[tauri::command]
pub async fn dismiss_url_change(state: State<'_, AppState>) -> Result<TunnelDto, CommandError> {
    state.station.dismiss_url_change();
    Ok(state.tunnel_dto())
}

/// Checks the keys given (blank ones are left as they are: a secret key with a call to Recur, a
/// webhook secret by its form), saves them to the OS keyring, then re-opens the counter with
/// them. Nothing is saved unless every given key passes.
#[tauri::command]
pub async fn save_keys(
    app: AppHandle,
    state: State<'_, AppState>,
    secret_key: Option<String>,
    webhook_secret: Option<String>,
) -> Result<(), CommandError> {
    let which = match (
        clean(secret_key.clone()).is_some(),
        clean(webhook_secret.clone()).is_some(),
    ) {
        (true, true) => "secret key and webhook secret saved",
        (true, false) => "secret key saved",
        _ => "webhook secret saved",
    };
    state.station.guard(Guarded::Keys, which)?;
    let webhook_secret = clean(webhook_secret)
        .map(|t| keys::check_webhook_secret(&t))
        .transpose()?;
    let secret_key = match clean(secret_key) {
        Some(text) => Some(
            keys::check_secret_key(&text, state.station.settings().api_base().as_deref())
                .await?
                .0,
        ),
        None => None,
    };
    if let Some(key) = secret_key {
        state.station.save_key(KeyName::SecretKey, key).await?;
    }
    if let Some(key) = webhook_secret {
        state.station.save_key(KeyName::WebhookSecret, key).await?;
    }
    startup::open(app);
    Ok(())
}

/// Forgets both keys in the keyring; the counter re-opens on the embedded sandbox (unless the
/// environment sets a key).
#[tauri::command]
pub async fn clear_keys(app: AppHandle, state: State<'_, AppState>) -> Result<(), CommandError> {
    state.station.guard(Guarded::Keys, "keys forgotten")?;
    state.station.clear_keys().await?;
    startup::open(app);
    Ok(())
}

/// Runs `work` on the blocking pool (stopping a tunnel program joins its threads).
async fn blocking(
    work: impl FnOnce() -> Result<(), recur_pos_app::AppError> + Send + 'static,
) -> Result<(), CommandError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError::new(recur_domain::ErrorCode::Internal, e.to_string()))??;
    Ok(())
}
