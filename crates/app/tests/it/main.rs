//! The app crate's one integration-test binary: the [`recur_pos_app::Station`] on real sandboxes,
//! ledgers and tunnels over loopback, and the project's invariants (read from its files).

mod backups;
mod diagnostics;
mod invariants;
mod station;
