//! The root package's one integration-test binary: the real `recur-pos` app in a real WebKit
//! window, driven through tauri-driver (the WebKit lane). The command line's tests live in
//! `crates/cli`, the project's invariants in `crates/app`; both run without WebKit.

mod e2e;
