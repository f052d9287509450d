//! The command line's one integration-test binary: the real `recur-pos-cli` (no WebKit) against
//! real sandboxes over loopback, real ledger files and the real OS keyring.
//!
//! `cli`: the subcommands and their JSON; `confirm`: confirmation across processes (a SIGKILLed
//! listener, no webhooks at all, return pages, renewals); `keys`: the keyring from the command
//! line; `listen`: the services and the tunnel; `print`: receipts, the day report and the test
//! page on the fake ESC/POS printer; `shop`: two counters and the hub as processes on one
//! PostgreSQL through a killed hub and a restarted database, on a cluster of the test's own
//! (`own_pg`, the app's tests' module, included by path).

mod backup;
mod billing;
mod cli;
mod confirm;
mod flood;
mod keys;
mod listen;
#[path = "../../../app/tests/it/own_pg.rs"]
mod own_pg;
mod owner;
mod print;
mod shop;
mod support;
mod tls;
