//! The receipt printer as the UI sees it: its settings, a print job's outcome, its status.

use recur_ledger::{PrintJob, PrintState};
use recur_print::PrinterSettings;
use recur_print::{Lang, Paper, PrintMode, PrinterStatus};
use serde::{Deserialize, Serialize};

/// Settings → Receipt printer, both ways.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrinterSettingsDto {
    pub uri: Option<String>,
    /// `58` or `80`.
    pub paper: String,
    /// `raster` or `text`.
    pub mode: String,
    pub auto_print: bool,
    /// Open the drawer after a cash sale's receipt.
    pub drawer: bool,
    pub address: Vec<String>,
    pub footer: Option<String>,
    /// `zh-TW` or `en`.
    pub lang: String,
}

impl From<&PrinterSettings> for PrinterSettingsDto {
    fn from(s: &PrinterSettings) -> Self {
        PrinterSettingsDto {
            uri: s.uri.clone(),
            paper: s.paper.mm().to_string(),
            mode: s.mode.as_str().to_owned(),
            auto_print: s.auto_print,
            drawer: !s.no_drawer,
            address: s.address.clone(),
            footer: s.footer.clone(),
            lang: if s.lang == Lang::En { "en" } else { "zh-TW" }.to_owned(),
        }
    }
}

impl PrinterSettingsDto {
    /// The settings to save; `None` when a field is not one of its words.
    pub fn to_settings(&self) -> Option<PrinterSettings> {
        let clean = |t: &Option<String>| t.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        Some(PrinterSettings {
            uri: clean(&self.uri),
            paper: Paper::parse(&self.paper)?,
            mode: PrintMode::parse(&self.mode)?,
            auto_print: self.auto_print,
            no_drawer: !self.drawer,
            address: self
                .address
                .iter()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
                .take(4)
                .collect(),
            footer: clean(&self.footer),
            lang: Lang::parse(&self.lang)?,
        })
    }
}

/// A print job as done.
#[derive(Clone, Debug, Serialize)]
pub struct PrintJobDto {
    pub id: i64,
    pub kind: String,
    pub printer: String,
    pub printed: bool,
    pub attempts: u32,
}

impl From<&PrintJob> for PrintJobDto {
    fn from(j: &PrintJob) -> Self {
        PrintJobDto {
            id: j.id,
            kind: j.job.kind.clone(),
            printer: j.job.printer.clone(),
            printed: j.state == PrintState::Printed,
            attempts: j.attempts,
        }
    }
}

/// The top bar's printer dot: `off` (none set), `ok`, or `error` with the code of why.
#[derive(Clone, Debug, Serialize)]
pub struct PrinterStatusDto {
    pub state: &'static str,
    pub code: Option<&'static str>,
}

impl PrinterStatusDto {
    pub fn off() -> Self {
        PrinterStatusDto {
            state: "off",
            code: None,
        }
    }

    pub fn of(result: &Result<PrinterStatus, recur_pos_app::AppError>) -> Self {
        use recur_domain::ErrorCode;
        match result {
            Ok(s) if s.paper_out => PrinterStatusDto {
                state: "error",
                code: Some(ErrorCode::PrinterPaperOut.as_str()),
            },
            Ok(s) if s.offline => PrinterStatusDto {
                state: "error",
                code: Some(ErrorCode::PrinterOffline.as_str()),
            },
            Ok(_) => PrinterStatusDto {
                state: "ok",
                code: None,
            },
            Err(e) if e.code() == ErrorCode::PrinterNotSet => PrinterStatusDto::off(),
            Err(e) => PrinterStatusDto {
                state: "error",
                code: Some(e.code().as_str()),
            },
        }
    }
}
