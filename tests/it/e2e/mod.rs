//! End-to-end tests of the counter window: the real `recur-pos` binary on its embedded
//! sandbox, in a real WebKit webview driven through tauri-driver + WebKitWebDriver under Xvfb.
//!
//! Each test starts its own app (fresh ledger, empty keyring namespace, no key), one at a
//! time, pays through the sandbox's control API as a customer would, and saves screenshots of
//! what it saw in `$RECUR_POS_ARTIFACTS/screenshots` (default `test-artifacts/screenshots`).
//! Run with the README's test command (scripts/test.sh); they need a display and tauri-driver
//! (and `shop`, the test PostgreSQL of `RECUR_POS_TEST_PG`).

mod app;
mod backups;
mod billing;
mod driver;
mod flows;
mod manager;
mod measure;
mod owner;
mod print;
mod qr;
mod review;
mod shop;
mod tunnel;
