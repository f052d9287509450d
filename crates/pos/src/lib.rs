//! Recur POS use cases: charge, confirm, reconcile — the core that the window and the CLI share.
//!
//! [`Counter`] wires the Recur client, the ledger and (when no key is configured) the embedded
//! sandbox. It owns the order of operations that keeps money exact: the sale is written to the
//! ledger *before* Recur is called, its id travels in `metadata.transaction_id`, and every
//! confirmation — webhook or session read — goes through the ledger's one state machine.
//! Nothing here knows about windows or JSON for a UI.

mod cash;
pub mod config;
mod confirm;
pub mod counter;
pub mod error;
mod export;
pub mod manager;
mod owner;
mod period;
mod review;
mod session_fact;
mod shared;
mod shared_status;
mod tunnel;
mod watch;

pub use cash::change_due;
pub use config::{Backend, Config, DEFAULT_API_BASE};
pub use confirm::SweepReport;
pub use counter::{ChargeRequest, CoreEvent, Counter};
pub use error::{recur_code, PosError};
pub use export::{ExportReport, COLUMNS as EXPORT_COLUMNS};
pub use manager::Guarded;
pub use owner::{CrossCheck, Difference};
pub use period::Period;
pub use review::Today;
pub use session_fact::fact_from_session;
pub use shared::Follower;
pub use shared_status::SharedStatus;
pub use tunnel::SelfTestReport;
pub use watch::{Until, WatchStatus};
