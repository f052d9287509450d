//! A PostgreSQL cluster of one test's own, for the tests that stop or restart the server: the
//! shared test server (`RECUR_POS_TEST_PG`) is used by every other test running at the same
//! time, and stopping it under them would fail them. `scripts/pg.sh` makes it (it honours
//! `RECUR_POS_PG_DIR` and `RECUR_POS_PG_PORT`) in a folder of this process's own under /tmp, on
//! a free port; dropping it stops the server and removes the folder.
//!
//! Each such test takes a cluster of its own (about 3 s for initdb), not one shared behind a
//! lock: two test binaries (the app's and the command line's) may run at once, and a lock
//! across processes would need more than this. The cluster's database `recur` is new with it,
//! so a test needs no database of its own there.
//!
//! Shared by the app's and the command line's integration tests (the latter include this file
//! by path). Not here: the shared test server's fresh databases (`recur-ledger`'s tests).

// Each of the two test binaries uses a part of it (only the shop test restarts).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

pub struct OwnCluster {
    dir: PathBuf,
    port: u16,
}

/// `scripts/pg.sh`, found from the crate being tested (both crates sit two folders down).
fn script() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg.sh");
    assert!(path.exists(), "{} is missing", path.display());
    path
}

impl OwnCluster {
    /// Initialises and starts a cluster named for `test` (short: the socket path is limited).
    pub fn start(test: &str) -> OwnCluster {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = PathBuf::from(format!("/tmp/recur-pos-pg-{test}-{}", std::process::id()));
        let cluster = OwnCluster { dir, port };
        // A folder left by an earlier process with the same pid (a run killed before its drop).
        cluster.remove_folder();
        cluster.run("start");
        cluster
    }

    /// The admin URL of the cluster's own database (`recur`, new with the cluster).
    pub fn url(&self) -> String {
        format!("postgres://recur:recur@127.0.0.1:{}/recur", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Fast shutdown: every session is cut, new connections are refused.
    pub fn stop(&self) {
        self.run("stop");
    }

    /// Starts it again after [`OwnCluster::stop`]; returns once it takes connections.
    pub fn start_again(&self) {
        self.run("start");
    }

    /// A fast restart (sessions are cut); returns once it takes connections again.
    pub fn restart(&self) {
        self.run("restart");
    }

    fn run(&self, action: &str) {
        let out = Command::new("bash")
            .arg(script())
            .arg(action)
            .env("RECUR_POS_PG_DIR", &self.dir)
            .env("RECUR_POS_PG_PORT", self.port.to_string())
            .output()
            .unwrap_or_else(|e| panic!("scripts/pg.sh {action} could not run: {e}"));
        assert!(
            out.status.success(),
            "scripts/pg.sh {action} (RECUR_POS_PG_DIR={}, port {}) failed: {}",
            self.dir.display(),
            self.port,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn remove_folder(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let mut lock = self.dir.clone().into_os_string();
        lock.push(".lock");
        let _ = std::fs::remove_file(lock);
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        // No assertion here: a drop while a test is already failing must not panic again.
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .env("RECUR_POS_PG_DIR", &self.dir)
            .env("RECUR_POS_PG_PORT", self.port.to_string())
            .output();
        self.remove_folder();
    }
}
