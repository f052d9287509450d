//! Copies of the ledger: an online backup while the counter sells, the checks a copy must pass
//! before it may replace anything, and the restore itself.
//!
//! - [`Ledger::backup_to`] copies the open ledger with SQLite's online backup API from a read
//!   connection of the pool, [`PAGES_PER_STEP`] pages at a time with a short pause between
//!   steps, so a sale or a webhook commit never waits for it (in WAL mode a reader never
//!   blocks the writer). A write by another connection between two steps makes SQLite start
//!   the copy again; after [`RESTARTS_BEFORE_ONE_STEP`] such restarts (a busy counter) the rest
//!   is copied in one step, which is one read transaction: still no lock the writer waits for.
//!   The copy is written to `FILE.partial-…`, checked (`PRAGMA integrity_check`), synced and only
//!   then renamed to `FILE`: a backup file is always complete.
//! - [`check_backup`] says whether a file may replace the ledger: an SQLite file that passes
//!   `integrity_check`, holds the ledger's own tables, and has a schema this program knows
//!   (not newer). It opens the file read-only and changes nothing.
//! - [`restore`] replaces the ledger at a path by a checked copy: refused while any connection
//!   (this process or another: the window, `listen`) has the ledger open; the copy is migrated
//!   to this program's schema before it takes the ledger's place; the replaced ledger is kept
//!   beside it, renamed with the time (`ledger.db.replaced-20261202T031500Z`), never deleted.
//!
//! Not here: where backups go, when they are taken and how many are kept (`recur-pos-app`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::db::Ledger;
use crate::error::LedgerError;
use crate::migrations::SCHEMA_VERSION;

/// Pages copied per step (4 KiB pages: 4 MiB), then a pause.
pub const PAGES_PER_STEP: i32 = 1024;
/// The pause between two steps: the writer and the checkpointer get the disk.
pub const STEP_PAUSE: Duration = Duration::from_millis(20);
/// Restarts (the ledger changed under the copy) before the rest is copied in one step.
pub const RESTARTS_BEFORE_ONE_STEP: u32 = 3;
/// Tables every Recur POS ledger has had since its first schema.
const LEDGER_TABLES: [&str; 4] = ["sales", "checkouts", "transitions", "webhook_journal"];

/// How fast [`Ledger::backup_paced`] copies: pages per step and the pause between steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pace {
    pub pages_per_step: i32,
    pub pause: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            pages_per_step: PAGES_PER_STEP,
            pause: STEP_PAUSE,
        }
    }
}

/// A backup that was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub schema_version: i64,
    pub sales: u64,
    /// Times SQLite started the copy again because the ledger changed under it.
    pub restarts: u32,
    pub took: Duration,
}

/// What [`check_backup`] found in a file that may replace the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    pub schema_version: i64,
    pub sales: u64,
    pub bytes: u64,
}

/// What a ledger holds, in counts (for diagnostics): no sale's content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Census {
    pub schema_version: i64,
    /// Sales by state (`PAID`, `OPEN`, …), in the state's name order.
    pub sales_by_state: Vec<(String, u64)>,
    /// Webhook journal rows: verified, and unverified digests.
    pub journal_verified: u64,
    pub journal_unverified: u64,
    pub closes: u64,
}

/// A restore that happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreReport {
    /// The ledger, now the restored copy.
    pub ledger: PathBuf,
    /// Where the ledger that was replaced now is; `None` when there was none.
    pub replaced: Option<PathBuf>,
    /// The copy's schema before it was migrated, and the sales it holds.
    pub from_schema: i64,
    pub sales: u64,
}

impl Ledger {
    /// Writes a complete, checked copy of the ledger to `path` (replacing a file there, never a
    /// half-written one), while sales and webhooks go on. See the module's notes.
    pub fn backup_to(&self, path: &Path) -> Result<BackupReport, LedgerError> {
        self.backup_paced(path, Pace::default())
    }

    /// [`Ledger::backup_to`] at another pace (tests copy a small ledger in many steps).
    pub fn backup_paced(&self, path: &Path, pace: Pace) -> Result<BackupReport, LedgerError> {
        let started = Instant::now();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| folder_error(parent, source))?;
        }
        let partial = partial_path(path);
        let copied = self.read_file(|source| copy_online(source, &partial, pace));
        let restarts = match copied {
            Ok(restarts) => restarts,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        let info = match check_backup(&partial) {
            Ok(info) => info,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        sync_file(&partial)?;
        std::fs::rename(&partial, path).map_err(|e| io_error("rename the backup into place", path, e))?;
        if let Some(parent) = path.parent() {
            sync_dir(parent);
        }
        let report = BackupReport {
            path: path.to_path_buf(),
            bytes: info.bytes,
            schema_version: info.schema_version,
            sales: info.sales,
            restarts,
            took: started.elapsed(),
        };
        tracing::info!(
            path = %path.display(),
            bytes = report.bytes,
            sales = report.sales,
            restarts,
            ms = report.took.as_millis() as u64,
            "ledger backed up"
        );
        Ok(report)
    }
}

impl Ledger {
    /// Counts of what the ledger holds (see [`Census`]); a few indexed counts, off the writer.
    pub fn census(&self) -> Result<Census, LedgerError> {
        self.read(|conn| {
            let sales_by_state = conn.rows(
                "SELECT state, count(*) FROM sales GROUP BY state ORDER BY state",
                (),
                |row| Ok((row.get::<String>(0)?, row.get::<i64>(1)?.max(0) as u64)),
            )?;
            let count = |sql: &str| -> Result<u64, LedgerError> {
                Ok(conn.row(sql, (), |row| row.get::<i64>(0))?.max(0) as u64)
            };
            Ok(Census {
                schema_version: self.schema_version()?,
                sales_by_state,
                journal_verified: count("SELECT count(*) FROM webhook_journal WHERE verified = 1")?,
                journal_unverified: count("SELECT count(*) FROM webhook_journal WHERE verified = 0")?,
                closes: count("SELECT count(*) FROM closes")?,
            })
        })
    }
}

/// Steps the online backup of `source` into a new file at `to`; returns how often it restarted.
fn copy_online(source: &Connection, to: &Path, pace: Pace) -> Result<u32, LedgerError> {
    let mut dest = Connection::open(to)?;
    let backup = Backup::new(source, &mut dest)?;
    let mut restarts = 0;
    let mut last_remaining = i32::MAX;
    loop {
        let pages = if restarts >= RESTARTS_BEFORE_ONE_STEP {
            -1
        } else {
            pace.pages_per_step.max(1)
        };
        match backup.step(pages)? {
            StepResult::Done => break,
            StepResult::More => {
                let progress = backup.progress();
                if progress.remaining > last_remaining {
                    restarts += 1;
                }
                last_remaining = progress.remaining;
                std::thread::sleep(pace.pause);
            }
            // The writer holds a lock the step needs (not in WAL mode, but possible): wait.
            _ => std::thread::sleep(pace.pause),
        }
    }
    drop(backup);
    // A backup is one file: no WAL beside it.
    dest.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
    Ok(restarts)
}

/// Whether the file at `path` may replace a ledger (see the module's notes). Changes nothing.
pub fn check_backup(path: &Path) -> Result<BackupInfo, LedgerError> {
    let bytes = std::fs::metadata(path)
        .map_err(|e| io_error("read the backup", path, e))?
        .len();
    let refuse = |why: String| LedgerError::NotALedger {
        path: path.display().to_string(),
        why,
    };
    if bytes == 0 {
        return Err(refuse("the file is empty".into()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| refuse(e.to_string()))?;
    let integrity: Vec<String> = (|| {
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
        rows.collect::<Result<Vec<_>, _>>()
    })()
    .map_err(|e| refuse(e.to_string()))?;
    if integrity != ["ok"] {
        let first = integrity.into_iter().next().unwrap_or_default();
        return Err(LedgerError::BackupCorrupt {
            path: path.display().to_string(),
            why: first,
        });
    }
    let schema_version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|e| refuse(e.to_string()))?;
    for table in LEDGER_TABLES {
        let found: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [table],
                |row| row.get(0),
            )
            .map_err(|e| refuse(e.to_string()))?;
        if found == 0 {
            return Err(refuse(format!("it has no `{table}` table")));
        }
    }
    if schema_version < 1 {
        return Err(refuse("it has no ledger schema version".into()));
    }
    if schema_version > SCHEMA_VERSION {
        return Err(LedgerError::SchemaTooNew {
            found: schema_version,
            known: SCHEMA_VERSION,
        });
    }
    let sales: i64 = conn
        .query_row("SELECT count(*) FROM sales", [], |row| row.get(0))
        .map_err(|e| refuse(e.to_string()))?;
    Ok(BackupInfo {
        schema_version,
        sales: sales.max(0) as u64,
        bytes,
    })
}

/// Replaces the ledger at `ledger` by the backup at `backup` (see the module's notes). `stamp`
/// names the replaced file (`20261202T031500Z`). Refused, with nothing changed, when the backup
/// does not pass [`check_backup`] or the ledger is open anywhere.
pub fn restore(backup: &Path, ledger: &Path, stamp: &str) -> Result<RestoreReport, LedgerError> {
    let info = check_backup(backup)?;
    if in_use(ledger)? {
        return Err(LedgerError::InUse(ledger.display().to_string()));
    }
    let incoming = ledger.with_file_name(format!("{}.restoring", file_name(ledger)));
    remove_with_sidecars(&incoming);
    std::fs::copy(backup, &incoming).map_err(|e| io_error("copy the backup beside the ledger", &incoming, e))?;
    // Migrated (and checked once more) as the program will open it, before it replaces anything.
    let replacing = stamped_environment(ledger);
    let migrated = Ledger::open(&incoming).and_then(|opened| {
        let version = opened.schema_version()?;
        // Live and sandbox never mix: a backup of the other environment never replaces this one.
        if let (Some(ledger), Some(wanted)) = (replacing, opened.environment()?) {
            if ledger != wanted {
                return Err(LedgerError::OtherEnvironment { ledger, wanted });
            }
        }
        drop(opened);
        Ok(version)
    });
    if let Err(e) = migrated {
        remove_with_sidecars(&incoming);
        return Err(e);
    }
    sync_file(&incoming)?;
    let replaced = match set_aside(ledger, stamp) {
        Ok(replaced) => replaced,
        Err(e) => {
            remove_with_sidecars(&incoming);
            return Err(e);
        }
    };
    std::fs::rename(&incoming, ledger).map_err(|e| io_error("move the restored ledger into place", ledger, e))?;
    if let Some(parent) = ledger.parent() {
        sync_dir(parent);
    }
    tracing::info!(
        backup = %backup.display(),
        ledger = %ledger.display(),
        replaced = ?replaced,
        sales = info.sales,
        "ledger restored"
    );
    Ok(RestoreReport {
        ledger: ledger.to_path_buf(),
        replaced,
        from_schema: info.schema_version,
        sales: info.sales,
    })
}

/// Whether some connection (in any process) has the ledger at `path` open. False when there is
/// no file.
/// The environment a ledger file is stamped with, read without migrating or holding it; `None`
/// when there is no file, no stamp yet, or it cannot be read (a damaged ledger is replaced).
fn stamped_environment(path: &Path) -> Option<String> {
    if !path.exists() {
        return None;
    }
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX).ok()?;
    conn.query_row("SELECT value FROM ledger_meta WHERE key = 'environment'", [], |r| {
        r.get(0)
    })
    .ok()
}

pub fn in_use(path: &Path) -> Result<bool, LedgerError> {
    if !path.exists() {
        return Ok(false);
    }
    Ok(matches!(hold(path)?, Hold::Busy))
}

/// What an attempt to hold the ledger exclusively found.
enum Hold {
    /// Held: every other connection is refused while this one lives.
    Exclusive(Connection),
    /// Another connection has it open (in WAL mode each holds a shared lock).
    Busy,
    /// Not an SQLite file any more (the very case a restore is for): nothing has it open as a
    /// ledger.
    Unreadable,
}

fn hold(path: &Path) -> Result<Hold, LedgerError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::ZERO)?;
    let taken = conn
        .pragma_update(None, "locking_mode", "EXCLUSIVE")
        .and_then(|()| conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;"));
    match taken {
        Ok(()) => Ok(Hold::Exclusive(conn)),
        Err(rusqlite::Error::SqliteFailure(e, message)) => match e.code {
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => Ok(Hold::Busy),
            rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt => Ok(Hold::Unreadable),
            _ => Err(rusqlite::Error::SqliteFailure(e, message).into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// Renames the ledger (and a WAL beside it) to `NAME.replaced-STAMP`; refused while it is open.
fn set_aside(ledger: &Path, stamp: &str) -> Result<Option<PathBuf>, LedgerError> {
    if !ledger.exists() {
        return Ok(None);
    }
    match hold(ledger)? {
        Hold::Busy => return Err(LedgerError::InUse(ledger.display().to_string())),
        Hold::Exclusive(conn) => {
            // Fold the WAL into the file, so the file set aside is whole by itself.
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "the replaced ledger's WAL could not be folded in; it is kept beside it");
            }
        }
        // A damaged ledger is set aside as it is.
        Hold::Unreadable => tracing::warn!(ledger = %ledger.display(), "the ledger being replaced is not readable"),
    }
    let mut aside = ledger.with_file_name(format!("{}.replaced-{stamp}", file_name(ledger)));
    let mut n = 1;
    while aside.exists() {
        aside = ledger.with_file_name(format!("{}.replaced-{stamp}-{n}", file_name(ledger)));
        n += 1;
    }
    std::fs::rename(ledger, &aside).map_err(|e| io_error("set the replaced ledger aside", ledger, e))?;
    for suffix in ["-wal", "-shm"] {
        let side = sidecar(ledger, suffix);
        if side.exists() {
            let _ = std::fs::rename(&side, sidecar(&aside, suffix));
        }
    }
    Ok(Some(aside))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger.db".into())
}

/// `FILE.partial-<random>`: two backups to the same file at once (the daily one and "Back up
/// now", or two processes) never write into, or delete, each other's copy.
fn partial_path(path: &Path) -> PathBuf {
    path.with_file_name(format!("{}.partial-{:016x}", file_name(path), fastrand::u64(..)))
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    path.with_file_name(format!("{}{suffix}", file_name(path)))
}

fn remove_with_sidecars(path: &Path) {
    for p in [path.to_path_buf(), sidecar(path, "-wal"), sidecar(path, "-shm")] {
        let _ = std::fs::remove_file(p);
    }
}

fn sync_file(path: &Path) -> Result<(), LedgerError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_error("sync the copy", path, e))
}

/// Best effort: the rename itself is durable once the folder is synced.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn folder_error(path: &Path, source: std::io::Error) -> LedgerError {
    LedgerError::Folder {
        path: path.display().to_string(),
        source,
    }
}

fn io_error(what: &'static str, path: &Path, source: std::io::Error) -> LedgerError {
    LedgerError::File {
        what,
        path: path.display().to_string(),
        source,
    }
}
