//! Logs to stderr, for the window and the command line alike: `RECUR_POS_LOG` is the filter
//! (`info`, `recur_ledger=debug`, …; each view has its own default), and colours only when
//! stderr is a terminal, so a log redirected to a file or a journal reads as plain text.
//! Not here: what is logged (never a secret: `Secret` has a redacted `Debug`).

use std::io::IsTerminal;

use crate::env;

/// Installs the subscriber once; a second call (the window's binary also runs the CLI) is a
/// no-op.
pub fn init(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env(env::LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
