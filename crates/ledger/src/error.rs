//! The ledger's errors, each with a stable code for the UI boundary.
//!
//! SQL text and file paths go into the message (for the log); people see the code, translated.

use recur_domain::{CheckoutId, EventId, Money, TransitionError, TxnId};

use crate::sql::SqlError;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("the ledger database failed: {0}")]
    Database(#[from] SqlError),
    #[error("the shop's ledger at {at} cannot be reached: {why}")]
    Unreachable { at: String, why: String },
    #[error("a shared ledger cannot {0} here: use PostgreSQL's own tools (pg_dump) on the server")]
    SharedLedger(&'static str),
    #[error("cannot prepare the ledger folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("the ledger file has schema version {found}, newer than this program's {known}")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("no sale {0}")]
    SaleNotFound(TxnId),
    #[error("no journaled event {0}")]
    EventNotFound(EventId),
    #[error("checkout {checkout} already belongs to sale {owner}")]
    CheckoutConflict { checkout: CheckoutId, owner: TxnId },
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("the ledger holds a value it cannot read: {0}")]
    Corrupt(String),
    #[error("{tendered} tendered is less than the {amount} asked")]
    CashShort { amount: Money, tendered: Money },
    #[error("the day {day} was closed already (close #{seq})")]
    DayClosed { day: String, seq: i64 },
    #[error("this ledger file belongs to the {ledger} environment; the counter runs on {wanted}")]
    OtherEnvironment { ledger: String, wanted: String },
    #[error("the ledger already holds {0} sales; seeding needs an empty one")]
    NotEmpty(u64),
    #[error("no print job {0}")]
    PrintJobNotFound(i64),
    #[error("{path} is not a Recur POS ledger: {why}")]
    NotALedger { path: String, why: String },
    #[error("{path} is damaged (integrity check: {why})")]
    BackupCorrupt { path: String, why: String },
    #[error("the ledger {0} is open in another program (the window or `recur-pos listen`); close it first")]
    InUse(String),
    #[error("cannot {what} ({path}): {source}")]
    File {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
}

impl LedgerError {
    /// Stable, for the UI to translate; never parse the message instead.
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::Database(_) => "ledger_database",
            LedgerError::Unreachable { .. } => "ledger_unreachable",
            LedgerError::SharedLedger(_) => "ledger_shared",
            LedgerError::Folder { .. } => "ledger_folder",
            LedgerError::SchemaTooNew { .. } => "ledger_schema_too_new",
            LedgerError::SaleNotFound(_) => "sale_not_found",
            LedgerError::EventNotFound(_) => "event_not_found",
            LedgerError::CheckoutConflict { .. } => "checkout_conflict",
            LedgerError::Transition(_) => "invalid_transition",
            LedgerError::Corrupt(_) => "ledger_corrupt",
            LedgerError::CashShort { .. } => "cash_short",
            LedgerError::DayClosed { .. } => "day_closed",
            LedgerError::NotEmpty(_) => "ledger_not_empty",
            LedgerError::OtherEnvironment { .. } => "ledger_other_environment",
            LedgerError::PrintJobNotFound(_) => "print_job_not_found",
            LedgerError::NotALedger { .. } => "backup_not_a_ledger",
            LedgerError::BackupCorrupt { .. } => "backup_corrupt",
            LedgerError::InUse(_) => "ledger_in_use",
            LedgerError::File { .. } => "backup_failed",
        }
    }
}

impl From<rusqlite::Error> for LedgerError {
    fn from(e: rusqlite::Error) -> LedgerError {
        LedgerError::Database(SqlError::Sqlite(e))
    }
}
