//! The printable Z report: a top-level window (label `print`) with `print.html`, which reads
//! the day's report itself and prints through `window.print()` — Tauri has no print API of its
//! own. Its capability allows it to read the report and the trend, nothing else. It also prints
//! one sale's receipt (`?sale=ID`), laid out by the thermal printer's layout (`receipt_sheet`).

use recur_domain::ErrorCode;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

use crate::dto::CommandError;

pub const LABEL: &str = "print";

/// Opens the print window on `date` (`YYYY-MM-DD`) and `paper` (`a4` or `80mm`), both checked
/// by the caller, or shows that day in the window already open.
pub fn open(app: &AppHandle, date: &str, paper: &str) -> Result<(), CommandError> {
    show(app, &format!("print.html?date={date}&paper={paper}"))
}

/// Opens the print window on the receipt of `sale` (an id the ledger knows), on 80 mm paper.
pub fn open_receipt(app: &AppHandle, sale: &str) -> Result<(), CommandError> {
    show(app, &format!("print.html?sale={sale}&paper=80mm"))
}

fn show(app: &AppHandle, page: &str) -> Result<(), CommandError> {
    let failed = |e: tauri::Error| CommandError::new(ErrorCode::WindowFailed, e.to_string());
    if let Some(window) = app.get_webview_window(LABEL) {
        window.eval(format!("location.replace({page:?})")).map_err(failed)?;
        return window.set_focus().map_err(failed);
    }
    WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App(page.to_owned().into()))
        .title("列印日結 Print the day's close — Recur POS")
        .inner_size(900.0, 760.0)
        .min_inner_size(420.0, 480.0)
        .build()
        .map(|_| ())
        .map_err(failed)
}
