//! The ledger's integration tests: one binary, real SQLite files in temporary folders.

mod backup;
mod events;
mod lifecycle;
mod manager;
mod migrations;
mod origin;
mod owner;
mod print_jobs;
mod property;
mod race;
mod review;
mod subscriptions;
mod support;
mod unverified;
