//! Logs, for the window and the command line alike: to stderr, and to rotating files in the
//! data folder (`logs/` beside the ledger, one file a day, the last [`KEEP_FILES`] kept), which
//! "Copy diagnostics" reads the tail of.
//!
//! - stderr: `RECUR_POS_LOG` is the filter (`info`, `recur_ledger=debug`, …; each view has its
//!   own default), colours only when stderr is a terminal, so a log redirected to a file or a
//!   journal reads as plain text;
//! - files: `RECUR_POS_FILE_LOG` is the filter (default `info`), never colours, and every
//!   line passes through [`recur_domain::redact::redact`] on its way to the disk, so a key, a tunnel
//!   token or a customer's e-mail never lands in a file even if some code logged it.
//!
//! Not here: what is logged (never a secret: `Secret` has a redacted `Debug`).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::env::{self, Env};

/// Daily log files kept.
pub const KEEP_FILES: usize = 14;
const FILE_PREFIX: &str = "recur-pos";
const FILE_SUFFIX: &str = "log";
/// How much of a log file's end [`tail`] reads at most.
const TAIL_BYTES: u64 = 256 * 1024;
/// The file filter unless `RECUR_POS_FILE_LOG` says otherwise.
const FILE_DEFAULT: &str = "info";

/// `logs/` in the data folder: beside the ledger `env` names.
pub fn logs_dir(env: &Env) -> PathBuf {
    let ledger = crate::backups::ledger_path(env);
    env::local_folder(env, &ledger).join("logs")
}

/// Installs the subscriber once; a second call (the window's binary also runs the CLI) is a
/// no-op. A log folder that cannot be made leaves stderr only (and says so there).
pub fn init(default_filter: &str) {
    let env = Env::process();
    let stderr_filter = EnvFilter::try_from_env(env::LOG).unwrap_or_else(|_| EnvFilter::new(default_filter));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(stderr_filter);
    let dir = logs_dir(&env);
    let files = match file_writer(&dir) {
        Ok(writer) => {
            let filter = EnvFilter::try_from_env(env::FILE_LOG).unwrap_or_else(|_| EnvFilter::new(FILE_DEFAULT));
            Some(
                tracing_subscriber::fmt::layer()
                    .with_writer(writer)
                    .with_ansi(false)
                    .with_filter(filter),
            )
        }
        Err(e) => {
            eprintln!("note: no log files in {} ({e}); logging to stderr only", dir.display());
            None
        }
    };
    let _ = tracing_subscriber::registry().with(stderr).with(files).try_init();
}

/// The rotating files in `dir`, behind the redaction.
pub fn file_writer(dir: &Path) -> Result<RedactingFiles, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix(FILE_SUFFIX)
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map(RedactingFiles)
        .map_err(|e| e.to_string())
}

/// The log files in `dir`, oldest first.
pub fn log_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(FILE_PREFIX) && n.ends_with(&format!(".{FILE_SUFFIX}")))
        })
        .collect();
    // `recur-pos.2026-12-02.log`: the names sort by day.
    files.sort();
    files
}

/// The last `lines` lines logged in `dir` (across files, newest last).
pub fn tail(dir: &Path, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for file in log_files(dir).iter().rev() {
        let Some(text) = read_end(file) else {
            continue;
        };
        let text = String::from_utf8_lossy(&text);
        let mut these: Vec<String> = text.lines().rev().take(lines - out.len()).map(str::to_owned).collect();
        these.reverse();
        these.append(&mut out);
        out = these;
        if out.len() >= lines {
            break;
        }
    }
    out
}

/// The last [`TAIL_BYTES`] of `file` (a day's log can be large): from the first whole line.
fn read_end(file: &Path) -> Option<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(file).ok()?;
    let len = f.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).ok()?;
    if start > 0 {
        let first_line = bytes.iter().position(|&b| b == b'\n').map_or(bytes.len(), |n| n + 1);
        bytes.drain(..first_line);
    }
    Some(bytes)
}

/// The rolling files, each event redacted before it is written.
pub struct RedactingFiles(RollingFileAppender);

impl<'a> MakeWriter<'a> for RedactingFiles {
    type Writer = Redacting<<RollingFileAppender as MakeWriter<'a>>::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Redacting {
            inner: self.0.make_writer(),
            pending: Vec::new(),
        }
    }
}

/// Collects one event (the fmt layer writes an event to a writer of its own, then drops it)
/// and writes it redacted.
pub struct Redacting<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Redacting<W> {
    fn write_pending(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let raw = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        // Logging must never take the logging thread down: a line the redaction cannot handle
        // is withheld, not written raw.
        let text = std::panic::catch_unwind(|| recur_domain::redact::redact(&raw))
            .unwrap_or_else(|_| "[a log line was withheld: it could not be redacted]\n".to_owned());
        self.inner.write_all(text.as_bytes())
    }
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.write_pending()?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Redacting<W> {
    fn drop(&mut self) {
        let _ = self.write_pending();
    }
}
