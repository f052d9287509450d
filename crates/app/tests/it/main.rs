//! The app crate's one integration-test binary: the [`recur_pos_app::Station`] on real sandboxes,
//! ledgers and tunnels over loopback, and the project's invariants (read from its files).
//!
//! `shared_ledger`: a counter of a shop with its PostgreSQL stopped and started again, on a
//! cluster of the test's own (`own_pg`).

mod backups;
mod diagnostics;
mod invariants;
mod own_pg;
mod shared_ledger;
mod station;
