//! The customer display window.

use tauri::{AppHandle, State};

use crate::display;
use crate::dto::CommandError;
use crate::dto::CustomerViewDto;
use crate::state::AppState;

/// Opens the customer-facing window (main window only).
#[tauri::command]
pub async fn open_customer_display(app: AppHandle) -> Result<(), CommandError> {
    display::open(&app)
}

/// What the customer window shows now (the one command that window may call).
#[tauri::command]
pub async fn customer_view(state: State<'_, AppState>) -> Result<CustomerViewDto, CommandError> {
    Ok(display::view(&state))
}
