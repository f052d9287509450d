//! The owner's half: History (pages and totals of a filter), the day's close (Z report, close,
//! 30-day trend, the cross-check with Recur), the printable report's window, and the CSV export
//! of exactly the filtered set — written off the async runtime's threads, with progress and a
//! cancel. The rules and figures are the core's (`Counter::history`, `day_report`, …).

use std::path::PathBuf;

use recur_domain::{Day, ErrorCode, Money, Timestamp};
use recur_ledger::{Cursor, Sort, PAGE_MAX};
use recur_pos_core::{Guarded, PosError};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::dto::{parse_day, CommandError};
use crate::dto::{
    CrossCheckDto, DayReportDto, DifferenceDto, ExportDto, FilterInput, HistoryPageDto, HistoryTotalsDto, ProgressDto,
    SaleDto, TrendDayDto,
};
use crate::events::{self, CROSS_CHECK_PROGRESS, EXPORT_PROGRESS};
use crate::print;
use crate::state::AppState;

/// How many days the trend chart shows.
const TREND_DAYS: u32 = 30;

fn today() -> Day {
    Day::containing(Timestamp::now())
}

fn invalid(message: &str) -> CommandError {
    CommandError::from(PosError::InvalidInput(message.to_owned()))
}

/// Runs a read of the ledger on the blocking pool: a slow filter never holds an async worker.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
}

#[tauri::command]
pub async fn history(
    state: State<'_, AppState>,
    filter: FilterInput,
    sort: Option<String>,
    after: Option<String>,
    limit: Option<usize>,
) -> Result<HistoryPageDto, CommandError> {
    let filter = filter.into_filter(today())?;
    let counter = readable(&state, &filter)?;
    let sort = sort
        .as_deref()
        .map_or(Some(Sort::Newest), Sort::parse)
        .ok_or_else(|| invalid("unknown sort"))?;
    let after = after
        .as_deref()
        .map(|a| Cursor::decode(a).ok_or_else(|| invalid("bad page cursor")))
        .transpose()?;
    let limit = limit.unwrap_or(100).min(PAGE_MAX);
    blocking(move || {
        let page = counter.history(&filter, sort, after.as_ref(), limit)?;
        Ok(HistoryPageDto {
            sales: page.sales.iter().map(SaleDto::from).collect(),
            next: page.next.map(|c| c.encode()),
        })
    })
    .await
}

#[tauri::command]
pub async fn history_totals(state: State<'_, AppState>, filter: FilterInput) -> Result<HistoryTotalsDto, CommandError> {
    let filter = filter.into_filter(today())?;
    let counter = readable(&state, &filter)?;
    blocking(move || Ok(HistoryTotalsDto::of(&counter.history_totals(&filter)?, &filter))).await
}

/// The counter, when the sales of `filter` may be read: a cashier reads today's only, as on
/// the Today screen; other days are the manager's.
fn readable(
    state: &AppState,
    filter: &recur_ledger::HistoryFilter,
) -> Result<std::sync::Arc<recur_pos_core::Counter>, CommandError> {
    if recur_pos_core::manager::cashier_may_read(filter, today()) {
        Ok(state.counter()?)
    } else {
        Ok(state.station.guard(Guarded::Reports, "")?)
    }
}

/// The Z report of `date` (`YYYY-MM-DD`; today when none): the manager's, as the close is.
#[tauri::command]
pub async fn day_report(state: State<'_, AppState>, date: Option<String>) -> Result<DayReportDto, CommandError> {
    let day = date.as_deref().map_or(Ok(today()), parse_day)?;
    let counter = state.station.guard(Guarded::Reports, "")?;
    blocking(move || Ok(DayReportDto::from(&counter.day_report(day)?))).await
}

/// Closes `date` once, with the cash counted; answers the day's report as closed. A second
/// close is the core's `day_closed`.
#[tauri::command]
pub async fn close_day(
    state: State<'_, AppState>,
    date: String,
    counted_cash: Option<i64>,
    closed_by: Option<String>,
) -> Result<DayReportDto, CommandError> {
    let day = parse_day(&date)?;
    let counter = state.station.guard(Guarded::CloseDay, &date)?;
    if counted_cash.is_some_and(|c| c < 0) {
        return Err(invalid("the cash counted cannot be negative"));
    }
    let by = closed_by
        .map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty())
        .or_else(|| state.station.env().get("USER"));
    blocking(move || {
        counter.close_day(day, counted_cash.map(Money::new), by.as_deref())?;
        Ok(DayReportDto::from(&counter.day_report(day)?))
    })
    .await
}

/// The net by tender of the 30 days that end with `date`.
#[tauri::command]
pub async fn trend(state: State<'_, AppState>, date: String) -> Result<Vec<TrendDayDto>, CommandError> {
    let day = parse_day(&date)?;
    let counter = state.station.guard(Guarded::Reports, "")?;
    blocking(move || Ok(counter.trend(day, TREND_DAYS)?.iter().map(TrendDayDto::from).collect())).await
}

/// Reads Recur's session of each of the day's Recur sales and lists every difference, with
/// `cross-check-progress` as sessions come back.
#[tauri::command]
pub async fn cross_check(
    app: AppHandle,
    state: State<'_, AppState>,
    date: String,
) -> Result<CrossCheckDto, CommandError> {
    let day = parse_day(&date)?;
    let counter = state.station.guard(Guarded::Reports, "")?;
    let check = counter
        .cross_check(day, |done, total| {
            events::emit(&app, CROSS_CHECK_PROGRESS, ProgressDto { done, total });
        })
        .await?;
    Ok(CrossCheckDto {
        day: day.date(),
        checked: check.checked,
        differences: check.differences.iter().map(DifferenceDto::from).collect(),
    })
}

/// Opens (or brings forward) the printable Z report of `date` on `paper` (`a4` or `80mm`).
#[tauri::command]
pub async fn open_print_view(app: AppHandle, date: String, paper: String) -> Result<(), CommandError> {
    let day = parse_day(&date)?;
    if !matches!(paper.as_str(), "a4" | "80mm") {
        return Err(invalid("paper is a4 or 80mm"));
    }
    print::open(&app, &day.date(), &paper)
}

/// Exports exactly the sales of `filter` as CSV to the file the owner picks (or to
/// `RECUR_POS_EXPORT_PATH`), off the async runtime, with `export-progress`; `cancel_export`
/// stops it and leaves no file.
#[tauri::command]
pub async fn export_history(
    app: AppHandle,
    state: State<'_, AppState>,
    filter: FilterInput,
) -> Result<ExportDto, CommandError> {
    let filter = filter.into_filter(today())?;
    let counter = state.station.guard(Guarded::Export, "history export")?;
    let name = format!("recur-pos-{}.csv", today().date());
    let Some(path) = export_path(&app, &state, &name).await else {
        return Ok(ExportDto {
            rows: 0,
            cancelled: true,
            path: String::new(),
        });
    };
    let cancel = state.start_export();
    let shown = path.display().to_string();
    let progress_app = app.clone();
    let report = blocking(move || {
        let progress = |done, total| events::emit(&progress_app, EXPORT_PROGRESS, ProgressDto { done, total });
        Ok(counter.export_to_file(&filter, &path, progress, &cancel)?)
    })
    .await;
    state.end_export();
    let report = report?;
    Ok(ExportDto {
        rows: report.rows,
        cancelled: report.cancelled,
        path: shown,
    })
}

#[tauri::command]
pub async fn cancel_export(state: State<'_, AppState>) -> Result<(), CommandError> {
    state.cancel_export();
    Ok(())
}

/// `RECUR_POS_EXPORT_PATH` when set, else the platform's save dialog (none when dismissed).
async fn export_path(app: &AppHandle, state: &AppState, name: &str) -> Option<PathBuf> {
    if let Some(path) = state.station.env().get(recur_pos_app::env::EXPORT_PATH) {
        return Some(PathBuf::from(path));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(name)
        .add_filter("CSV", &["csv"])
        .save_file(move |picked| {
            let _ = tx.send(picked);
        });
    rx.await.ok().flatten().and_then(|p| p.into_path().ok())
}
