//! The headless `recur-pos` command line: the counter without a window, for a back-office PC,
//! a server, scripts and tests. Built into the app binary (`recur-pos <subcommand>`) and on its
//! own as `recur-pos-cli`, which links no WebKit.
//!
//! Every subcommand opens the counter exactly as the window does (`recur_pos_app::Station`):
//! keys from the environment, then the OS keyring, else the embedded sandbox. With `--json`
//! exactly one JSON document goes to stdout (a sale is an object, a list of sales an array);
//! logs and progress go to stderr.

mod args;
mod backup;
mod day;
mod export;
mod keys;
mod listen;
mod opening;
mod output;
mod print;
mod run;
mod shop;

use std::ffi::OsString;
use std::process::ExitCode;

pub use args::{Cli, Command};

/// Whether these process arguments ask for the command line rather than the window: any
/// argument at all does (`recur-pos` alone opens the window).
pub fn wants_cli(args: &[OsString]) -> bool {
    args.len() > 1
}

/// Parses `args` (with the program name first), runs the command, and returns the exit code.
pub fn main_with_args(args: Vec<OsString>) -> ExitCode {
    use clap::Parser as _;
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let mut stdout = std::io::stdout().lock();
    let code = runtime.block_on(run::run(cli, &mut stdout));
    ExitCode::from(code)
}

fn init_logging() {
    recur_pos_app::logging::init("warn");
}
