//! `recur-pos-cli`: the `recur-pos` subcommands without the window, for machines with no
//! desktop (a server running `listen`, a back office running `export`). It links no WebKit.

fn main() -> std::process::ExitCode {
    recur_pos_cli::main_with_args(std::env::args_os().collect())
}
