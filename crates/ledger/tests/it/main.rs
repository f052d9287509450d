//! The ledger's integration tests: one binary, real SQLite files in temporary folders.

mod backup;
mod events;
mod lifecycle;
mod migrations;
mod owner;
mod property;
mod race;
mod review;
mod subscriptions;
mod support;
mod unverified;
