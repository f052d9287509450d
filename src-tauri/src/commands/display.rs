//! The customer display window.

use tauri::ipc::Channel;
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

/// What the customer window shows now (the one command that window may call); every later
/// view goes to `on_view`, the window's own channel.
#[tauri::command]
pub async fn customer_view(
    state: State<'_, AppState>,
    on_view: Channel<CustomerViewDto>,
) -> Result<CustomerViewDto, CommandError> {
    state.add_customer_channel(on_view);
    Ok(display::view(&state))
}
