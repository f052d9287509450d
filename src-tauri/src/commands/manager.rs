//! The manager: the PIN (set, unlock, lock), the audit log, and leaving the app. Which actions
//! need the manager, the PIN's hash and its lock-out are the core's (`recur_pos_core::manager`,
//! `Station::guard`); these are one-line adapters.

use serde::Serialize;
use tauri::{AppHandle, State};

use crate::dto::CommandError;
use crate::state::AppState;
use recur_pos_core::Guarded;

#[derive(Clone, Debug, Serialize)]
pub struct ManagerDto {
    pub pin_set: bool,
    pub unlocked: bool,
    /// Unix ms: when the unlock ends unless a guarded action extends it.
    pub unlocked_until: Option<i64>,
    /// Unix ms: no PIN is taken before this (after too many wrong ones).
    pub locked_until: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditEntryDto {
    pub seq: i64,
    /// Unix ms.
    pub at: i64,
    pub who: String,
    pub action: String,
    pub detail: String,
}

fn status(state: &AppState) -> Result<ManagerDto, CommandError> {
    let status = state.station.manager_status()?;
    Ok(ManagerDto {
        pin_set: status.pin_set,
        unlocked: status.unlocked(),
        unlocked_until: status.unlocked_until.map(|t| t.unix_ms()),
        locked_until: status.locked_until.map(|t| t.unix_ms()),
    })
}

#[tauri::command]
pub async fn manager_status(state: State<'_, AppState>) -> Result<ManagerDto, CommandError> {
    status(&state)
}

/// Sets the first PIN, or changes it given the current one; the manager is then unlocked.
#[tauri::command]
pub async fn set_manager_pin(
    state: State<'_, AppState>,
    pin: String,
    current: Option<String>,
) -> Result<ManagerDto, CommandError> {
    state.station.set_manager_pin(pin, current).await?;
    status(&state)
}

#[tauri::command]
pub async fn unlock_manager(state: State<'_, AppState>, pin: String) -> Result<ManagerDto, CommandError> {
    state.station.unlock_manager(pin).await?;
    status(&state)
}

/// Back to cashier mode.
#[tauri::command]
pub async fn lock_manager(state: State<'_, AppState>) -> Result<ManagerDto, CommandError> {
    state.station.lock_manager();
    status(&state)
}

/// The newest 200 lines of the audit log (the manager's only).
#[tauri::command]
pub async fn audit_log(state: State<'_, AppState>) -> Result<Vec<AuditEntryDto>, CommandError> {
    let counter = state.station.guard(Guarded::AuditLog, "")?;
    Ok(counter
        .audit_log(200)?
        .into_iter()
        .map(|e| AuditEntryDto {
            seq: e.seq,
            at: e.at.unix_ms(),
            who: e.who,
            action: e.action,
            detail: e.detail,
        })
        .collect())
}

/// Leaves the app (the window's close button asks for this when the manager is locked).
#[tauri::command]
pub async fn quit_app(app: AppHandle, state: State<'_, AppState>) -> Result<(), CommandError> {
    state.station.guard(Guarded::Quit, "")?;
    app.exit(0);
    Ok(())
}
