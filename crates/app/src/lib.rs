//! The Recur POS app without its window: what the counter window, the `recur-pos` command line
//! and the headless hub share above the use cases of `recur-pos-core`.
//!
//! - [`keys`]: where the keys come from (environment → OS keyring → embedded sandbox), checking
//!   typed keys, saving and clearing them;
//! - [`settings`]: the non-secret settings in `settings.json` beside the ledger;
//! - [`tunnel`]: the tunnel as shown, with the rule for when its public URL "changed";
//! - [`services`]: the listener, the sweep and the tunnel of one open counter;
//! - [`printing`]: receipts, the day's report, the test page and the drawer on the shop's
//!   printer, every job kept in the ledger;
//! - [`backups`]: the backups folder, the daily backup and how many are kept;
//! - [`logging`], [`diagnostics`]: log files (redacted by `recur_domain::redact`), "Copy diagnostics";
//! - [`qr`]: checkout URLs as QR codes, for the screen and the terminal;
//! - [`Station`]: opening (with progress), re-opening and stopping the counter and its services.
//!
//! A rule that the window follows lives here (or lower), so `recur-pos <subcommand>` follows
//! it too. Not here: any use of Tauri, and any rule about sales or money (the core).

pub mod backups;
pub mod diagnostics;
pub mod env;
pub mod error;
pub mod keys;
pub mod logging;
pub mod printing;
pub mod qr;
pub mod services;
pub mod settings;
pub mod shop;
mod station;
pub mod tunnel;

pub use env::Env;
pub use error::AppError;
pub use services::{ListenerInfo, Plan, Port};
pub use station::{ManagerStatus, Phase, Station, StationEvent, Step, MANAGER_SESSION};
