//! `recur-pos backup`, `recur-pos restore` and `recur-pos diagnostics`: thin views of
//! `recur_pos_app::backups` and `recur_pos_app::diagnostics`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use recur_domain::ErrorCode;
use recur_pos_app::{backups, AppError, Station};
use recur_pos_core::Counter;
use serde_json::json;

use crate::output::write_json;

/// Exit 5: the file given to restore cannot replace the ledger; 6: the ledger is open.
pub(crate) fn exit_code(error: &AppError) -> u8 {
    match error.code() {
        ErrorCode::BackupNotALedger | ErrorCode::BackupCorrupt | ErrorCode::LedgerTooNew => 5,
        ErrorCode::LedgerInUse => 6,
        _ => 1,
    }
}

pub(crate) async fn backup(
    station: &Arc<Station>,
    counter: &Counter,
    file: Option<PathBuf>,
    json: bool,
    out: &mut dyn Write,
) -> Result<u8, AppError> {
    let report = backups::back_up_now(counter, station.env(), file).await?;
    if json {
        write_json(
            out,
            &json!({
                "path": report.path.display().to_string(),
                "bytes": report.bytes,
                "sales": report.sales,
                "schema_version": report.schema_version,
                "ms": report.took.as_millis() as u64,
            }),
        );
    } else {
        eprintln!(
            "backed up {} sales ({} bytes) in {} ms",
            report.sales,
            report.bytes,
            report.took.as_millis()
        );
        let _ = writeln!(out, "{}", report.path.display());
    }
    Ok(0)
}

pub(crate) async fn restore(
    station: &Arc<Station>,
    file: &Path,
    json: bool,
    out: &mut dyn Write,
) -> Result<u8, AppError> {
    let report = backups::restore(&station.ledger_path().await, file)?;
    let replaced = report.replaced.as_ref().map(|p| p.display().to_string());
    if json {
        write_json(
            out,
            &json!({
                "ledger": report.ledger.display().to_string(),
                "replaced": replaced,
                "sales": report.sales,
                "from_schema": report.from_schema,
            }),
        );
    } else {
        let _ = writeln!(out, "restored {} sales into {}", report.sales, report.ledger.display());
        if let Some(replaced) = replaced {
            let _ = writeln!(out, "the replaced ledger is kept at {replaced}");
        }
    }
    Ok(0)
}

/// Opens the counter as any subcommand does (so the environment and the ledger's counts are
/// real); a counter that cannot open is itself in the text.
pub(crate) async fn diagnostics(station: &Arc<Station>, out: &mut dyn Write) -> Result<u8, AppError> {
    if let Err(e) = crate::opening::open(station, recur_pos_app::Plan::counter_only()).await {
        eprintln!("note: the counter did not open ({}); diagnostics without it", e.code());
    }
    let station = Arc::clone(station);
    let text = tokio::task::spawn_blocking(move || recur_pos_app::diagnostics::gather(&station))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let _ = write!(out, "{text}");
    Ok(0)
}
