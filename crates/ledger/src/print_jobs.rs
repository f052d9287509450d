//! Print jobs: one row per receipt, day report, test page or drawer opening sent to a printer,
//! with what was printed (the laid-out lines as the print crate made them, JSON, a few hundred
//! bytes: the image is drawn again from them), where, and how it went. A receipt whose printer
//! failed stays `FAILED` with the reason until a person prints it again, so it is never lost.
//! Not here: laying out or sending (`recur-print`), or deciding when to print (`recur-pos-app`).

use crate::sql::{args, Db, Optional, Row, SqlError, SqlResult};

use recur_domain::{Timestamp, TxnId};

use crate::db::Ledger;
use crate::error::LedgerError;

/// How a job went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintState {
    /// Being sent.
    Sending,
    /// The printer took every byte.
    Printed,
    /// It did not; `error` says why.
    Failed,
}

impl PrintState {
    pub fn as_str(self) -> &'static str {
        match self {
            PrintState::Sending => "SENDING",
            PrintState::Printed => "PRINTED",
            PrintState::Failed => "FAILED",
        }
    }

    fn parse(text: &str) -> PrintState {
        match text {
            "PRINTED" => PrintState::Printed,
            "FAILED" => PrintState::Failed,
            _ => PrintState::Sending,
        }
    }
}

/// A job about to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPrintJob {
    /// `receipt`, `day`, `test` or `drawer`.
    pub kind: String,
    pub sale_id: Option<TxnId>,
    /// `YYYY-MM-DD` for a day report.
    pub day: Option<String>,
    pub printer: String,
    /// 58 or 80.
    pub paper: u16,
    /// `raster` or `text`.
    pub mode: String,
    /// Open the cash drawer after the job.
    pub kick: bool,
    /// What is printed (the print crate's sheet, JSON).
    pub lines: String,
}

/// A job as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintJob {
    pub id: i64,
    pub job: NewPrintJob,
    pub state: PrintState,
    pub error: Option<String>,
    pub attempts: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const COLUMNS: &str =
    "id, kind, sale_id, day, printer, paper, mode, kick, lines, state, error, attempts, created_at, updated_at";

fn row(r: &Row<'_>) -> SqlResult<PrintJob> {
    Ok(PrintJob {
        id: r.get(0)?,
        job: NewPrintJob {
            kind: r.get(1)?,
            sale_id: r.get::<Option<String>>(2)?.map(TxnId::new),
            day: r.get(3)?,
            printer: r.get(4)?,
            paper: u16::try_from(r.get::<i64>(5)?).map_err(|e| SqlError::column(5, e.to_string()))?,
            mode: r.get(6)?,
            kick: r.get(7)?,
            lines: r.get(8)?,
        },
        state: PrintState::parse(&r.get::<String>(9)?),
        error: r.get(10)?,
        attempts: r.get(11)?,
        created_at: Timestamp::from_unix_ms(r.get(12)?),
        updated_at: Timestamp::from_unix_ms(r.get(13)?),
    })
}

fn one(conn: &Db<'_>, id: i64) -> Result<Option<PrintJob>, LedgerError> {
    Ok(conn
        .row(&format!("SELECT {COLUMNS} FROM print_jobs WHERE id = ?1"), [id], row)
        .optional()?)
}

impl Ledger {
    /// Keeps a job as `SENDING` before it is sent (a crash mid-send leaves it visible).
    pub fn add_print_job(&self, job: &NewPrintJob, now: Timestamp) -> Result<PrintJob, LedgerError> {
        self.write(|tx| {
            if let Some(sale) = &job.sale_id {
                let known: bool = tx.row(
                    "SELECT EXISTS(SELECT 1 FROM sales WHERE id = ?1)",
                    [sale.as_str()],
                    |r| r.get(0),
                )?;
                if !known {
                    return Err(LedgerError::SaleNotFound(sale.clone()));
                }
            }
            let id: i64 = tx.row(
                "INSERT INTO print_jobs (kind, sale_id, day, printer, paper, mode, kick, lines, state, attempts, \
                 created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'SENDING', 1, ?9, ?9) RETURNING id",
                args![
                    job.kind,
                    job.sale_id.as_ref().map(TxnId::as_str),
                    job.day,
                    job.printer,
                    job.paper,
                    job.mode,
                    job.kick,
                    job.lines,
                    now.unix_ms()
                ],
                |r| r.get(0),
            )?;
            Ok(one(tx, id)?.expect("the row just inserted"))
        })
    }

    /// Records how a send went (`error` for a failure).
    pub fn finish_print_job(&self, id: i64, error: Option<&str>, now: Timestamp) -> Result<PrintJob, LedgerError> {
        let state = if error.is_some() {
            PrintState::Failed
        } else {
            PrintState::Printed
        };
        self.write(|tx| {
            let n = tx.exec(
                "UPDATE print_jobs SET state = ?2, error = ?3, updated_at = ?4 WHERE id = ?1",
                args![id, state.as_str(), error, now.unix_ms()],
            )?;
            if n == 0 {
                return Err(LedgerError::PrintJobNotFound(id));
            }
            Ok(one(tx, id)?.expect("the row just updated"))
        })
    }

    /// Marks a job as being sent again (one more attempt), on `printer`.
    pub fn retry_print_job(&self, id: i64, printer: &str, now: Timestamp) -> Result<PrintJob, LedgerError> {
        self.write(|tx| {
            let n = tx.exec(
                "UPDATE print_jobs SET state = 'SENDING', error = NULL, printer = ?2, attempts = attempts + 1, \
                 updated_at = ?3 WHERE id = ?1",
                args![id, printer, now.unix_ms()],
            )?;
            if n == 0 {
                return Err(LedgerError::PrintJobNotFound(id));
            }
            Ok(one(tx, id)?.expect("the row just updated"))
        })
    }

    pub fn print_job(&self, id: i64) -> Result<Option<PrintJob>, LedgerError> {
        self.read(|conn| one(conn, id))
    }

    /// A sale's jobs, oldest first.
    pub fn print_jobs_of_sale(&self, sale: &TxnId) -> Result<Vec<PrintJob>, LedgerError> {
        self.read(|conn| {
            let rows = conn.rows(
                &format!("SELECT {COLUMNS} FROM print_jobs WHERE sale_id = ?1 ORDER BY sale_id, id"),
                [sale.as_str()],
                row,
            )?;
            Ok(rows)
        })
    }

    /// The newest failed jobs (what still waits for a person), newest first.
    pub fn failed_print_jobs(&self, limit: usize) -> Result<Vec<PrintJob>, LedgerError> {
        self.read(|conn| {
            let rows = conn.rows(
                &format!("SELECT {COLUMNS} FROM print_jobs WHERE state = 'FAILED' ORDER BY id DESC LIMIT ?1"),
                [limit as i64],
                row,
            )?;
            Ok(rows)
        })
    }
}
