//! `recur-pos`: the counter window, or with a subcommand the headless CLI (`recur-pos --help`).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if recur_pos_cli::wants_cli(&args) {
        return recur_pos_cli::main_with_args(args);
    }
    recur_pos_window::run();
    std::process::ExitCode::SUCCESS
}
