//! The ledger's integration tests: one binary. The rules' suite runs twice, one body on both
//! engines — `on_sqlite` (a real file in a temporary folder) and `on_postgres` (a fresh database
//! on the test PostgreSQL that scripts/test.sh starts) — and the file-only tests (backups,
//! migrations) once; `reconnect` (PostgreSQL only) the shared ledger after its sessions were cut.

// On purpose: each rule's test file is compiled twice, once per engine (`suite!`).
#![allow(clippy::duplicate_mod)]

mod backup;
mod migrations;
mod reconnect;
mod support;

/// Declares the suite in the module it is invoked in (`on_sqlite`, `on_postgres`), with a
/// `support` that hands out that engine's ledger.
macro_rules! suite {
    ($ledger:path) => {
        mod support {
            pub use crate::support::*;
            /// A new ledger on this suite's engine.
            pub fn ledger() -> TestLedger {
                $ledger()
            }
        }
        #[path = "events.rs"]
        mod events;
        #[path = "lifecycle.rs"]
        mod lifecycle;
        #[path = "manager.rs"]
        mod manager;
        #[path = "origin.rs"]
        mod origin;
        #[path = "owner.rs"]
        mod owner;
        #[path = "print_jobs.rs"]
        mod print_jobs;
        #[path = "property.rs"]
        mod property;
        #[path = "race.rs"]
        mod race;
        #[path = "review.rs"]
        mod review;
        #[path = "subscriptions.rs"]
        mod subscriptions;
        #[path = "unverified.rs"]
        mod unverified;
    };
}
pub(crate) use suite;

mod on_postgres;
mod on_sqlite;
