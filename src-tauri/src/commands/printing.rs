//! The receipt printer: Settings → Receipt printer, printing a sale's receipt (on the Pay
//! screen when paid, or again from History), the day's report and the test page, opening the
//! drawer, and the printer's status on the top bar. The rules are `recur_pos_app::printing`'s;
//! each job is sent on a blocking thread with a deadline, so nothing here holds the window.

use recur_domain::{ErrorCode, TxnId};
use recur_pos_app::printing::{self, PrintOptions};
use recur_pos_core::{Guarded, PosError};
use tauri::{AppHandle, Manager, State};

use crate::dto::{parse_day, CommandError, PrintJobDto, PrinterSettingsDto, PrinterStatusDto};
use crate::events::{self, PRINTER_STATUS};
use crate::state::AppState;

/// How often the shell asks the printer how it is, while one is set.
const STATUS_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

#[tauri::command]
pub async fn printer_settings(state: State<'_, AppState>) -> Result<PrinterSettingsDto, CommandError> {
    Ok(PrinterSettingsDto::from(&state.station.settings().get().printer))
}

#[tauri::command]
pub async fn save_printer(
    app: AppHandle,
    state: State<'_, AppState>,
    printer: PrinterSettingsDto,
) -> Result<PrinterSettingsDto, CommandError> {
    let next = printer
        .to_settings()
        .ok_or_else(|| CommandError::from(PosError::InvalidInput("printer settings".to_owned())))?;
    if let Some(uri) = &next.uri {
        recur_print::PrinterUri::parse(uri).map_err(recur_pos_app::AppError::from)?;
    }
    state.station.guard(Guarded::Settings, "receipt printer")?;
    let saved = state.station.settings().update(|s| s.printer = next)?;
    check_status(app);
    Ok(PrinterSettingsDto::from(&saved.printer))
}

/// Prints the receipt of `id`. With `auto`, only when Settings print on payment (else `None`).
#[tauri::command]
pub async fn print_receipt(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    auto: bool,
) -> Result<Option<PrintJobDto>, CommandError> {
    let settings = state.station.settings();
    if auto && !printing::auto_print(settings) {
        return Ok(None);
    }
    let counter = state.counter()?;
    let done = printing::print_receipt(&counter, settings, &TxnId::new(id.trim()), &PrintOptions::default()).await;
    finished(&app, done).map(Some)
}

#[tauri::command]
pub async fn print_day(app: AppHandle, state: State<'_, AppState>, date: String) -> Result<PrintJobDto, CommandError> {
    let day = parse_day(&date)?;
    let counter = state.station.guard(Guarded::Reports, "")?;
    let done = printing::print_day(&counter, state.station.settings(), day, &PrintOptions::default()).await;
    finished(&app, done)
}

#[tauri::command]
pub async fn print_test(app: AppHandle, state: State<'_, AppState>) -> Result<PrintJobDto, CommandError> {
    let counter = state.counter()?;
    let done = printing::print_test(&counter, state.station.settings(), &PrintOptions::default()).await;
    finished(&app, done)
}

#[tauri::command]
pub async fn open_drawer(app: AppHandle, state: State<'_, AppState>) -> Result<PrintJobDto, CommandError> {
    let counter = state.station.guard(Guarded::OpenDrawer, "")?;
    let done = printing::open_drawer(&counter, state.station.settings(), &PrintOptions::default()).await;
    finished(&app, done)
}

/// The printer's status now (the top bar also hears it after every job and once a minute).
#[tauri::command]
pub async fn printer_status(state: State<'_, AppState>) -> Result<PrinterStatusDto, CommandError> {
    let status = printing::status(state.station.settings(), &PrintOptions::default()).await;
    Ok(PrinterStatusDto::of(&status))
}

/// The lines of a sale's receipt (the thermal layout) and its QR as SVG, for the HTML print
/// window.
#[tauri::command]
pub async fn receipt_sheet(state: State<'_, AppState>, id: String) -> Result<serde_json::Value, CommandError> {
    let counter = state.counter()?;
    let settings = state.station.settings();
    let sheet = printing::receipt_sheet(&counter, settings, &TxnId::new(id.trim()), recur_print::Paper::Mm80)?;
    let qr = sheet.lines.iter().find_map(|l| match l {
        recur_print::Line::Qr { data } => crate::dto::QrDto::of(data).map(|q| q.data_url),
        _ => None,
    });
    Ok(serde_json::json!({ "lines": sheet.lines, "qr_url": qr }))
}

/// Opens the print window on `id`'s receipt (for an ordinary printer).
#[tauri::command]
pub async fn open_receipt_view(app: AppHandle, state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    let counter = state.counter()?;
    let sale = counter.sale(&TxnId::new(id.trim()))?;
    crate::print::open_receipt(&app, sale.sale.id.as_str())
}

/// A job's outcome to the caller, and the printer's state to the top bar.
fn finished(
    app: &AppHandle,
    done: Result<recur_ledger::PrintJob, recur_pos_app::AppError>,
) -> Result<PrintJobDto, CommandError> {
    let status = match &done {
        Ok(_) => PrinterStatusDto {
            state: "ok",
            code: None,
        },
        Err(e) if e.code() == ErrorCode::PrinterNotSet => PrinterStatusDto::off(),
        Err(e) if e.code().as_str().starts_with("printer_") => PrinterStatusDto {
            state: "error",
            code: Some(e.code().as_str()),
        },
        Err(_) => return done.map(|j| PrintJobDto::from(&j)).map_err(CommandError::from),
    };
    events::emit(app, PRINTER_STATUS, status);
    done.map(|j| PrintJobDto::from(&j)).map_err(CommandError::from)
}

/// Asks the printer's status once and tells the top bar.
pub fn check_status(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let status = printing::status(state.station.settings(), &PrintOptions::default()).await;
        events::emit(&app, PRINTER_STATUS, PrinterStatusDto::of(&status));
    });
}

/// Asks the printer's status now and every [`STATUS_EVERY`] while the app runs.
pub fn watch_status(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            let state = app.state::<AppState>();
            let status = printing::status(state.station.settings(), &PrintOptions::default()).await;
            events::emit(&app, PRINTER_STATUS, PrinterStatusDto::of(&status));
            tokio::time::sleep(STATUS_EVERY).await;
        }
    });
}
