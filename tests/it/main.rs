//! The root package's one integration-test binary: the real `recur-pos` binary end to end.
//!
//! `cli` runs the headless command line against a real sandbox over loopback; `e2e` drives the
//! real app in a WebKit window through tauri-driver.

mod cli;
mod confirm;
mod e2e;
mod invariants;
