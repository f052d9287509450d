//! What the command-line tests share: the binary, an isolated keyring namespace per test, the
//! fake tunnel, free ports, reading one JSON document.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

/// The headless binary under test (it links no WebKit).
pub const CLI: &str = env!("CARGO_BIN_EXE_recur-pos-cli");

/// A keyring namespace no other test (and never the shop's own keys) uses.
pub fn keyring_service() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "tw.recur.pos.test.cli.{}.{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// A command of the binary with nothing from the outside environment that could pick keys.
pub fn cli(db: &Path, keyring: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(CLI);
    cmd.env("RECUR_POS_DB", db)
        .env("RECUR_POS_KEYRING_SERVICE", keyring)
        .env("RECUR_POS_POLL_MS", "100");
    for name in [
        "RECUR_SECRET_KEY",
        "RECUR_WEBHOOK_SECRET",
        "RECUR_API_BASE",
        "RECUR_POS_SUCCESS_URL",
        "RECUR_POS_CANCEL_URL",
        "RECUR_POS_TUNNEL",
        "RECUR_POS_LISTEN_PORT",
    ] {
        cmd.env_remove(name);
    }
    cmd
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `fake-tunnel` is built with the workspace (it is `recur-tunnel`'s test program).
pub fn fake_tunnel() -> PathBuf {
    let path = Path::new(CLI).with_file_name("fake-tunnel");
    assert!(
        path.exists(),
        "{} is missing: build the workspace (cargo test --workspace)",
        path.display()
    );
    path
}

pub fn parse_one_document(stdout: &[u8]) -> Value {
    let text = std::str::from_utf8(stdout).expect("stdout is UTF-8");
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let first = stream.next().expect("one JSON document").expect("valid JSON");
    assert!(
        stream.next().is_none(),
        "exactly one JSON document on stdout, got: {text}"
    );
    first
}
