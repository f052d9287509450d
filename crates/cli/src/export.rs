//! `recur-pos export --out FILE`: the core's file export, with progress on a terminal.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use recur_ledger::HistoryFilter;
use recur_pos_app::AppError;
use recur_pos_core::{Counter, ExportReport};

pub fn to_file(counter: &Counter, filter: &HistoryFilter, path: &Path) -> Result<ExportReport, AppError> {
    let terminal = std::io::stderr().is_terminal();
    let result = counter.export_to_file(
        filter,
        path,
        |done, total| {
            if terminal && total > 0 {
                eprint!("\rexporting {done} of {total}");
            }
        },
        &AtomicBool::new(false),
    );
    if terminal {
        eprintln!();
    }
    Ok(result?)
}
