//! Start-up status and Settings: keys (saved to the OS keyring, shown masked), environment, about.

use recur_domain::Secret;
use recur_secrets::{RECUR_SECRET_KEY, WEBHOOK_SECRET};
use tauri::{AppHandle, State};

use crate::dto::{ListenerDto, SelfTestDto, SettingsDto, StatusDto, TunnelInfoDto};
use crate::error::{codes, CommandError};
use crate::state::AppState;
use crate::startup;

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
        data_dir: ledger_path.as_ref().and_then(|p| p.parent()).map(|p| p.display().to_string()),
        ledger_path: ledger_path.map(|p| p.display().to_string()),
        shop_name: state.shop_name.clone(),
        listener: state.listener().map(|(url, stats)| ListenerDto::new(url, stats)),
        tunnel: state.tunnel().map(|(command, state)| TunnelInfoDto { command, state }),
    })
}

/// Sends a signed test event through the tunnel's public URL and checks it was journaled.
#[tauri::command]
pub async fn tunnel_self_test(state: State<'_, AppState>) -> Result<SelfTestDto, CommandError> {
    let url = state.tunnel().and_then(|(_, s)| s?.url).ok_or_else(|| CommandError::new(codes::NO_TUNNEL, "the tunnel has no public URL yet"))?;
    Ok(SelfTestDto::from(&state.counter()?.self_test(&url).await?))
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
    tauri::async_runtime::spawn_blocking(move || {
        if let Some(key) = &secret_key {
            store.set(RECUR_SECRET_KEY, key)?;
        }
        if let Some(key) = &webhook_secret {
            store.set(WEBHOOK_SECRET, key)?;
        }
        Ok::<_, recur_secrets::SecretsError>(())
    })
    .await
    .map_err(|e| CommandError::new(codes::INTERNAL, e.to_string()))??;
    startup::open(app);
    Ok(())
}

/// Forgets both keys in the keyring; the counter re-opens on the embedded sandbox (unless the
/// environment sets a key).
#[tauri::command]
pub async fn clear_keys(app: AppHandle, state: State<'_, AppState>) -> Result<(), CommandError> {
    let store = state.store.clone();
    tauri::async_runtime::spawn_blocking(move || {
        store.delete(RECUR_SECRET_KEY)?;
        store.delete(WEBHOOK_SECRET)
    })
    .await
    .map_err(|e| CommandError::new(codes::INTERNAL, e.to_string()))??;
    startup::open(app);
    Ok(())
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
        Err(CommandError::new(codes::INVALID_KEY, "a webhook secret starts with whsec_"))
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
        let webhook_secrets = [("whsec_abc", true), ("whsec_", false), ("sk_test_abc", false), ("whsec_a b", false)];
        for (key, ok) in webhook_secrets {
            assert_eq!(checked_webhook_secret(key.to_owned()).is_ok(), ok, "{key}");
        }
        let error = checked_secret_key("pk_live_x".to_owned()).unwrap_err();
        assert_eq!(error.code, codes::INVALID_KEY);
        assert!(!error.message.contains("pk_live_x"), "the key never comes back in an error");
    }

    #[test]
    fn blank_means_leave_as_is() {
        assert_eq!(non_blank(Some("  ".into())), None);
        assert_eq!(non_blank(None), None);
        assert_eq!(non_blank(Some(" sk_test_x ".into())).as_deref(), Some("sk_test_x"));
    }
}
