//! TODO(skeleton)
use std::ffi::OsString;
pub fn wants_cli(args: &[OsString]) -> bool { args.len() > 1 }
pub fn main_with_args(_args: Vec<OsString>) -> std::process::ExitCode { std::process::ExitCode::SUCCESS }
