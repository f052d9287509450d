//! "Copy diagnostics" and `recur-pos diagnostics`: one text a shop owner can paste into a
//! support message — the app's version and OS, sandbox or live (never a key), the ledger
//! (path, size, schema, counts), the last backup, the listener and the tunnel, and the last
//! lines of the log — all of it passed through [`recur_domain::redact::redact`].
//!
//! Not here: the log files themselves (see `logging`).

use std::fmt::Write as _;
use std::path::Path;

use recur_domain::Timestamp;

use crate::station::{Phase, Station};
use recur_domain::redact;

use crate::{backups, logging};

/// Log lines at the end of the text.
pub const LOG_LINES: usize = 200;

/// The whole text, redacted. Reads files and the ledger: call it off the async workers.
pub fn gather(station: &Station) -> String {
    let env = station.env();
    let mut text = String::new();
    let w = &mut text;
    let _ = writeln!(w, "Recur POS diagnostics, {}", Timestamp::now().to_rfc3339());
    let _ = writeln!(w, "version: {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        w,
        "os: {} {} ({})",
        std::env::consts::OS,
        std::env::consts::ARCH,
        std::env::consts::FAMILY
    );

    let phase = station.phase();
    let counter = match &phase {
        Phase::Ready(counter) => Some(counter.clone()),
        _ => None,
    };
    let _ = writeln!(w, "counter: {}", phase_text(&phase));
    let keys = station.keys();
    let _ = writeln!(
        w,
        "keys: secret key from {}, webhook secret from {}{}",
        keys.secret_key.source.as_str(),
        keys.webhook_secret.source.as_str(),
        keys.keyring_error
            .map(|code| format!(", keyring error {code}"))
            .unwrap_or_default()
    );
    match &counter {
        Some(counter) => {
            let sandbox = if counter.is_embedded_sandbox() {
                " (embedded)"
            } else {
                ""
            };
            let _ = writeln!(w, "environment: {}{sandbox}", counter.environment().as_str());
        }
        None => {
            let _ = writeln!(w, "environment: not open");
        }
    }

    let ledger_path = match &counter {
        Some(counter) => counter.ledger().path().to_path_buf(),
        None => backups::ledger_path(env),
    };
    let shared = recur_ledger::is_shared_location(&ledger_path.to_string_lossy());
    if shared {
        // The address as the ledger shows it (never a password; redacted again below).
        let status = counter.as_ref().map(|c| c.shared_status());
        let _ = writeln!(
            w,
            "ledger: {} (the shop's shared ledger, PostgreSQL; {})",
            ledger_path.display(),
            match &status {
                Some(s) if s.reachable => format!("answering, {} cash sales waiting here", s.waiting),
                Some(s) => format!("not answering, {} cash sales waiting here", s.waiting),
                None => "not open".to_owned(),
            }
        );
    } else {
        let _ = writeln!(w, "ledger: {} ({})", ledger_path.display(), file_sizes(&ledger_path));
    }
    if let Some(counter) = &counter {
        match counter.ledger().census() {
            Ok(census) => {
                let _ = writeln!(
                    w,
                    "schema: {} (this program: {})",
                    census.schema_version,
                    recur_ledger::SCHEMA_VERSION
                );
                let sales: Vec<String> = census
                    .sales_by_state
                    .iter()
                    .map(|(state, n)| format!("{state} {n}"))
                    .collect();
                let total: u64 = census.sales_by_state.iter().map(|(_, n)| n).sum();
                let _ = writeln!(w, "sales: {total} ({})", sales.join(", "));
                let _ = writeln!(
                    w,
                    "webhook journal: {} verified, {} unverified digests; closes: {}",
                    census.journal_verified, census.journal_unverified, census.closes
                );
            }
            Err(e) => {
                let _ = writeln!(w, "ledger counts: unreadable ({})", e.code());
            }
        }
    }

    let status = backups::status(env, &ledger_path);
    match &status.last {
        _ if shared => {
            let _ = writeln!(w, "backups: on the database server (pg_dump); none from this counter");
        }
        Some(last) => {
            let _ = writeln!(
                w,
                "last backup: {} at {} ({} bytes; keeping {})",
                last.taken_at.to_rfc3339(),
                last.path.display(),
                last.bytes,
                status.keep
            );
        }
        None => {
            let _ = writeln!(w, "last backup: none yet in {}", status.folder.display());
        }
    }

    match station.listener() {
        Some(listener) => {
            let s = listener.stats;
            let _ = writeln!(
                w,
                "listener: port {}; received {}, applied {}, duplicates {}, rejected {}, failed {}, unverified {} ({} not journaled), evicted {}, refused {}",
                listener.port, s.received, s.applied, s.duplicates, s.rejected, s.failed, s.unverified, s.unverified_dropped, s.evicted, s.refused
            );
        }
        None => {
            let _ = writeln!(w, "listener: not running");
        }
    }
    let tunnel = station.tunnel_view();
    let _ = writeln!(
        w,
        "tunnel: {}; command {}; public URL {}",
        tunnel.state.as_str(),
        tunnel.command.as_deref().unwrap_or("none"),
        tunnel.url.as_deref().unwrap_or("none")
    );

    let logs = logging::logs_dir(env);
    let lines = logging::tail(&logs, LOG_LINES);
    let _ = writeln!(w, "\nlast {} log lines ({}):", lines.len(), logs.display());
    for line in lines {
        let _ = writeln!(w, "{line}");
    }
    redact::redact(&text)
}

fn phase_text(phase: &Phase) -> String {
    match phase {
        Phase::Starting(step) => format!("starting ({})", step.as_str()),
        Phase::Ready(_) => "open".into(),
        Phase::Failed(code, _) => format!("failed ({code})"),
    }
}

/// `1234567 bytes, WAL 4096` or `missing`.
fn file_sizes(path: &Path) -> String {
    let size = |p: &Path| std::fs::metadata(p).ok().map(|m| m.len());
    match size(path) {
        Some(bytes) => {
            let wal = path.with_file_name(format!(
                "{}-wal",
                path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
            ));
            match size(&wal) {
                Some(wal) => format!("{bytes} bytes, WAL {wal} bytes"),
                None => format!("{bytes} bytes"),
            }
        }
        None => "missing".into(),
    }
}
