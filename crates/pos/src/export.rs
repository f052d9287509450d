//! The accountant's export: exactly the sales of a history filter as CSV, one header row and one
//! row per sale, oldest first — UTF-8 with a byte-order mark (so Excel opens zh-TW text
//! correctly) and CRLF line ends (what Excel on Windows expects), amounts as whole-TWD integers,
//! times on the shop's clock with their offset. The window and `recur-pos export` both write
//! through here.
//!
//! It streams (a million rows never sit in memory), reports progress, and stops when asked.
//! `export_to_file` writes beside the target and renames only a complete file, so a cancelled
//! or failed export never leaves a half file where the accountant would look.
//! Not here: choosing the file (the views), or any other format.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use recur_ledger::{HistoryFilter, Sale};

use crate::counter::Counter;
use crate::error::PosError;

/// The columns, in order. The first eight are promised to outside scripts.
pub const COLUMNS: [&str; 21] = [
    "id",
    "created_at",
    "state",
    "tender",
    "mode",
    "product_id",
    "amount",
    "checkout_id",
    "product_name",
    "currency",
    "paid_amount",
    "refunded_amount",
    "cash_tendered",
    "customer_email",
    "customer_name",
    "order_id",
    "subscription_id",
    "paid_at",
    "attention",
    "shop",
    "counter",
];

/// Progress is reported every this many rows.
const PROGRESS_EVERY: u64 = 2_000;

/// What an export wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportReport {
    pub rows: u64,
    /// Stopped by `cancel` before the end.
    pub cancelled: bool,
}

impl Counter {
    /// Writes the sales of `filter` to `out` as CSV. `progress(written, total)` is called as
    /// rows go out; `cancel` stops the export between two rows (the file is then incomplete:
    /// the caller removes it).
    pub fn export_csv(
        &self,
        filter: &HistoryFilter,
        out: &mut dyn Write,
        mut progress: impl FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<ExportReport, PosError> {
        let total = self.ledger().history_totals(filter)?.count;
        progress(0, total);
        out.write_all("\u{feff}".as_bytes()).map_err(io)?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        writer.write_record(COLUMNS).map_err(csv_error)?;
        let mut rows = 0;
        let mut failed = None;
        let handed = self.ledger().each_sale(filter, |sale| {
            if cancel.load(Ordering::Relaxed) {
                return false;
            }
            if let Err(e) = writer.write_record(row(sale)) {
                failed = Some(e);
                return false;
            }
            rows += 1;
            if rows % PROGRESS_EVERY == 0 {
                progress(rows, total);
            }
            true
        })?;
        if let Some(e) = failed {
            return Err(csv_error(e));
        }
        writer.flush().map_err(io)?;
        let cancelled = cancel.load(Ordering::Relaxed) && rows < handed.max(total);
        progress(rows, total);
        Ok(ExportReport { rows, cancelled })
    }
}

impl Counter {
    /// `export_csv` into `path`, which appears only once the export is complete: rows go to
    /// `.NAME.partial` beside it, synced, then renamed over it. On failure or cancel the
    /// partial file is removed and `path` is untouched.
    pub fn export_to_file(
        &self,
        filter: &HistoryFilter,
        path: &Path,
        progress: impl FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<ExportReport, PosError> {
        let name = path
            .file_name()
            .ok_or_else(|| PosError::Export(format!("{}: not a file name", path.display())))?;
        let partial = path.with_file_name(format!(".{}.partial", name.to_string_lossy()));
        let failed = |e: std::io::Error| PosError::Export(format!("{}: {e}", path.display()));
        let file = std::fs::File::create(&partial).map_err(failed)?;
        let mut writer = BufWriter::with_capacity(1 << 16, file);
        let done = self
            .export_csv(filter, &mut writer, progress, cancel)
            .and_then(|report| {
                if report.cancelled {
                    return Ok(report);
                }
                writer.flush().map_err(failed)?;
                writer.get_ref().sync_all().map_err(failed)?;
                std::fs::rename(&partial, path).map_err(failed)?;
                Ok(report)
            });
        if !matches!(done, Ok(ExportReport { cancelled: false, .. })) {
            let _ = std::fs::remove_file(&partial);
        }
        done
    }
}

fn row(s: &Sale) -> [String; 21] {
    let opt = |v: Option<String>| v.unwrap_or_default();
    [
        s.id.to_string(),
        s.created_at.to_shop_rfc3339(),
        s.state.as_str().to_owned(),
        s.tender.as_str().to_owned(),
        s.mode.as_str().to_owned(),
        s.product_id.to_string(),
        s.amount.get().to_string(),
        opt(s.checkout_id.as_ref().map(ToString::to_string)),
        s.product_name.clone(),
        s.currency.to_string(),
        opt(s.paid_amount.map(|m| m.get().to_string())),
        s.refunded_amount.get().to_string(),
        opt(s.cash_tendered.map(|m| m.get().to_string())),
        opt(s.customer_email.clone()),
        opt(s.customer_name.clone()),
        opt(s.order_id.as_ref().map(ToString::to_string)),
        opt(s.subscription_id.as_ref().map(ToString::to_string)),
        opt(s.paid_at.map(|t| t.to_shop_rfc3339())),
        s.attention
            .iter()
            .map(|n| n.code().as_str())
            .collect::<Vec<_>>()
            .join(" "),
        s.shop.clone(),
        s.counter.clone(),
    ]
}

fn io(e: std::io::Error) -> PosError {
    PosError::Export(e.to_string())
}

fn csv_error(e: csv::Error) -> PosError {
    PosError::Export(e.to_string())
}
