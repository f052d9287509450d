//! Start-up status and Settings: keys (saved to the OS keyring, shown masked), environment, the
//! shop name, the webhook listener and the tunnel (started, stopped and self-tested here), about.

use recur_domain::Secret;
use recur_pos_core::TUNNEL_PRESETS;
use recur_secrets::{RECUR_SECRET_KEY, WEBHOOK_SECRET};
use tauri::{AppHandle, Manager, State};

use crate::app_settings::clean;
use crate::dto::{ListenerDto, PresetDto, SelfTestDto, SettingsDto, StatusDto, TunnelDto};
use crate::error::{codes, CommandError};
use crate::state::AppState;
use crate::{display, events, startup, tunnel};

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
    let keys = state.keys();
    let ledger_path = counter.as_ref().map(|c| c.ledger().path().to_path_buf());
    Ok(SettingsDto {
        environment: counter.as_ref().map(|c| c.environment().as_str()),
        embedded: counter.as_ref().is_some_and(|c| c.is_embedded_sandbox()),
        api_base: counter.as_ref().map(|c| c.api_base().to_owned()),
        secret_key: keys.secret_key,
        webhook_secret: keys.webhook_secret,
        keyring: keys.keyring,
        version: env!("CARGO_PKG_VERSION"),
        data_dir: ledger_path
            .as_ref()
            .and_then(|p| p.parent())
            .map(|p| p.display().to_string()),
        ledger_path: ledger_path.map(|p| p.display().to_string()),
        settings_path: state.settings.path().display().to_string(),
        shop_name: state.shop_name(),
        shop_name_from_env: state.settings.shop_name().from_env,
        listener: state
            .listener()
            .map(|(port, url, stats)| ListenerDto::new(port, url, stats)),
        tunnel: state.tunnel_dto(),
        tunnel_presets: TUNNEL_PRESETS
            .iter()
            .map(|&(name, command)| PresetDto { name, command })
            .collect(),
    })
}

/// Sends a signed test event through the tunnel's public URL and checks it was journaled.
#[tauri::command]
pub async fn tunnel_self_test(state: State<'_, AppState>) -> Result<SelfTestDto, CommandError> {
    let url = state
        .tunnel
        .public_url()
        .ok_or_else(|| CommandError::new(codes::NO_TUNNEL, "the tunnel has no public URL yet"))?;
    Ok(SelfTestDto::from(&state.counter()?.self_test(&url).await?))
}

/// Saves the shop name (blank = the default) to settings.json; the top bar and the customer
/// display follow at once.
#[tauri::command]
pub async fn save_shop_name(
    app: AppHandle,
    state: State<'_, AppState>,
    name: Option<String>,
) -> Result<StatusDto, CommandError> {
    state.settings.update(|s| s.shop_name = clean(name))?;
    events::status(&app);
    display::refresh(&app, &state);
    Ok(state.status())
}

/// Saves the tunnel command typed in Settings and (re)starts the tunnel with it (the old
/// program is stopped first); a blank command stops it.
#[tauri::command]
pub async fn start_tunnel(
    app: AppHandle,
    state: State<'_, AppState>,
    command: Option<String>,
) -> Result<TunnelDto, CommandError> {
    let counter = state.counter()?;
    let handle = app.clone();
    blocking(move || tunnel::start_configured(&handle.state::<AppState>(), &counter, command)).await?;
    events::tunnel_changed(&app);
    Ok(state.tunnel_dto())
}

/// Stops the tunnel until it is started again (from Settings, or at the next start-up).
#[tauri::command]
pub async fn stop_tunnel(app: AppHandle, state: State<'_, AppState>) -> Result<TunnelDto, CommandError> {
    let counter = state.counter()?;
    let handle = app.clone();
    blocking(move || {
        tunnel::stop(&handle.state::<AppState>(), &counter);
        Ok(())
    })
    .await?;
    events::tunnel_changed(&app);
    Ok(state.tunnel_dto())
}

/// The owner has given Recur's dashboard the new webhook URL: the red banner goes.
#[tauri::command]
pub async fn dismiss_url_change(app: AppHandle, state: State<'_, AppState>) -> Result<TunnelDto, CommandError> {
    state.tunnel.dismiss_change();
    events::tunnel_changed(&app);
    Ok(state.tunnel_dto())
}

/// Runs `work` on the blocking pool (stopping a tunnel program joins its threads).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError::new(codes::INTERNAL, e.to_string()))?
}

/// Saves the keys given (blank ones are left as they are) to the OS keyring, then re-opens
/// the counter with them. Nothing is saved unless every given key is well formed.
#[tauri::command]
pub async fn save_keys(
    app: AppHandle,
    state: State<'_, AppState>,
    secret_key: Option<String>,
    webhook_secret: Option<String>,
) -> Result<(), CommandError> {
    let secret_key = non_blank(secret_key).map(checked_secret_key).transpose()?;
    let webhook_secret = non_blank(webhook_secret).map(checked_webhook_secret).transpose()?;
    let store = state.store.clone();
    with_keyring(move || {
        if let Some(key) = &secret_key {
            store.set(RECUR_SECRET_KEY, key)?;
        }
        if let Some(key) = &webhook_secret {
            store.set(WEBHOOK_SECRET, key)?;
        }
        Ok(())
    })
    .await?;
    startup::open(app);
    Ok(())
}

/// Forgets both keys in the keyring; the counter re-opens on the embedded sandbox (unless the
/// environment sets a key).
#[tauri::command]
pub async fn clear_keys(app: AppHandle, state: State<'_, AppState>) -> Result<(), CommandError> {
    let store = state.store.clone();
    with_keyring(move || {
        store.delete(RECUR_SECRET_KEY)?;
        store.delete(WEBHOOK_SECRET)
    })
    .await?;
    startup::open(app);
    Ok(())
}

/// Runs a keyring call off the async workers, giving up after [`startup::KEYRING_TIMEOUT`]: a
/// locked collection can wait forever on a prompt nobody sees.
async fn with_keyring(
    call: impl FnOnce() -> Result<(), recur_secrets::SecretsError> + Send + 'static,
) -> Result<(), CommandError> {
    let work = tauri::async_runtime::spawn_blocking(call);
    match tokio::time::timeout(startup::KEYRING_TIMEOUT, work).await {
        Ok(joined) => Ok(joined.map_err(|e| CommandError::new(codes::INTERNAL, e.to_string()))??),
        Err(_) => Err(CommandError::new(
            "keyring_locked",
            "the keyring did not answer in time",
        )),
    }
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn checked_secret_key(key: String) -> Result<Secret, CommandError> {
    match recur_client::environment_of(&key) {
        Ok(_) => Ok(Secret::new(key)),
        Err(e) => Err(CommandError::new(codes::INVALID_KEY, e.to_string())),
    }
}

fn checked_webhook_secret(key: String) -> Result<Secret, CommandError> {
    if key.starts_with("whsec_") && key.len() > "whsec_".len() && key.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(Secret::new(key))
    } else {
        Err(CommandError::new(
            codes::INVALID_KEY,
            "a webhook secret starts with whsec_",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_keys_are_saved() {
        let secret_keys = [
            ("sk_test_abc123", true),
            ("sk_live_abc123", true),
            ("pk_test_abc123", false),
            ("sk_test_", false),
            ("sk_test_has space", false),
            ("whsec_abc", false),
        ];
        for (key, ok) in secret_keys {
            assert_eq!(checked_secret_key(key.to_owned()).is_ok(), ok, "{key}");
        }
        let webhook_secrets = [
            ("whsec_abc", true),
            ("whsec_", false),
            ("sk_test_abc", false),
            ("whsec_a b", false),
        ];
        for (key, ok) in webhook_secrets {
            assert_eq!(checked_webhook_secret(key.to_owned()).is_ok(), ok, "{key}");
        }
        let error = checked_secret_key("pk_live_x".to_owned()).unwrap_err();
        assert_eq!(error.code, codes::INVALID_KEY);
        assert!(
            !error.message.contains("pk_live_x"),
            "the key never comes back in an error"
        );
    }

    #[test]
    fn blank_means_leave_as_is() {
        assert_eq!(non_blank(Some("  ".into())), None);
        assert_eq!(non_blank(None), None);
        assert_eq!(non_blank(Some(" sk_test_x ".into())).as_deref(), Some("sk_test_x"));
    }
}
