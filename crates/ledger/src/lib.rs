//! The ledger of Recur POS (a SQLite file of the counter's own, or the shop's PostgreSQL): sales, their checkouts, every state transition, the
//! webhook journal, refunds, subscriptions and renewals, and the print jobs of receipts.
//!
//! The ledger's one promise is that it never loses or invents money:
//! - a sale is written (DRAFT) before Recur is called, and every checkout ever created for it
//!   stays mapped to it, so a late payment on an old checkout credits this sale and no other;
//! - facts from Recur are matched to a sale **only** by checkout id or by our transaction id in
//!   `metadata` — never by email, customer or product (recur-api.md §7);
//! - every state change goes through [`recur_domain::state::decide`] and is recorded with its
//!   cause; a webhook is journaled, deduplicated and applied in one SQLite transaction, so the
//!   listener acknowledges only what is durably stored;
//! - what cannot be matched is kept (journal outcome `unmatched`), never dropped or guessed.
//!
//! Not here: HTTP, signature verification (the listener verifies: a [`WebhookReceipt`] is a
//! verified delivery, an [`UnverifiedDelivery`] the digest of one that was not), calling Recur,
//! or any UI serialization.

mod backup;
mod batch;
mod cached;
mod checkpoint;
mod closes;
mod db;
mod einvoices;
mod error;
mod facts;
mod history;
mod journal;
mod legacy;
mod manager;
mod matching;
mod migrations;
mod outbox;
mod outcome;
mod pg;
mod print_jobs;
mod query;
mod refunds;
mod rows;
mod sales;
mod seed;
mod sql;
mod subscriptions;
mod trend;
mod types;
mod waiting;

pub use backup::{check_backup, in_use, restore, BackupInfo, BackupReport, Census, Pace, RestoreReport};
pub use closes::{Adjustment, CloseRecord, DayReport, Tally, Total};
pub use db::{is_shared_location, Ledger};
pub use error::LedgerError;
pub use history::{Cursor, HistoryFilter, HistoryPage, HistoryTotals, Sort, PAGE_MAX};
pub use manager::{AuditEntry, PinRecord, AUDIT_PAGE_MAX};
pub use migrations::SCHEMA_VERSION;
pub use pg::{Change, Changes, CHANNEL};
pub use print_jobs::{NewPrintJob, PrintJob, PrintState};
pub use seed::SeedReport;
pub use sql::{Dialect, SqlError};
pub use trend::{TrendDay, TREND_MAX_DAYS};
pub use types::*;
