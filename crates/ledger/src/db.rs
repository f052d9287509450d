//! Opening the ledger (a file, or the shop's PostgreSQL: `pg`) and running work in short
//! transactions.
//!
//! One writer connection behind a mutex: a single writer keeps every transaction trivially
//! serializable, and the webhook listener's group commit already batches its writes. Reads go to
//! a small pool of read-only connections instead: in WAL mode a reader never blocks the writer
//! nor waits for it, so the Events screen, a history search or the listener's reactions never
//! hold up a webhook's commit. Locks are held only for one transaction, never across I/O to
//! Recur. Not here: any query or rule about sales.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use crate::cached::STATEMENT_CACHE;
use crate::checkpoint::Checkpointer;
use crate::error::LedgerError;
use crate::migrations;
use crate::pg::Shared;
use crate::sql::{Db, Dialect};
use crate::types::Origin;

/// The ledger, on a file of this counter's own or on the shop's PostgreSQL. `Send + Sync`:
/// share it as `Arc<Ledger>` or Tauri state.
pub struct Ledger {
    /// The shop and counter this handle writes new sales as.
    origin: Origin,
    engine: Engine,
}

// One per open ledger, made once and never moved on a hot path: boxing either side buys nothing.
#[allow(clippy::large_enum_variant)]
enum Engine {
    Sqlite(File),
    Postgres(Shared),
}

/// One SQLite file: one writer connection, a pool of readers, the checkpointer.
struct File {
    /// Checkpoints the WAL off the writer (see `checkpoint`); stopped first when dropped.
    _checkpointer: Checkpointer,
    path: PathBuf,
    conn: Mutex<Connection>,
    /// Idle read connections, reused; more are opened when every one is busy.
    readers: Mutex<Vec<Connection>>,
}

/// Idle read connections kept open (more may be open at once; the extra ones are closed).
const IDLE_READERS: usize = 4;

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("at", &self.path())
            .finish_non_exhaustive()
    }
}

/// Another process (the CLI) may hold the write lock briefly; wait rather than fail.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Ledger {
    /// Opens (creating folders and file as needed) and migrates the ledger at `path`, writing
    /// new sales for the one counter of a one-shop ledger.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        Ledger::open_as(path, Origin::default())
    }

    /// The same, writing new sales as made at `origin`'s shop and counter.
    pub fn open_as(path: &Path, origin: Origin) -> Result<Ledger, LedgerError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| LedgerError::Folder {
                path: parent.display().to_string(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // `journal_mode` answers with the mode now in force, so it is read, not just set.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "the ledger could not switch to WAL");
        }
        conn.pragma_update(None, "foreign_keys", true)?;
        // Money: a committed webhook must survive a power cut before we acknowledge it.
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrations::migrate(&mut conn)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Checkpoints run on a thread of their own, never inside a commit (see `checkpoint`).
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointer = Checkpointer::start(path, BUSY_TIMEOUT)?;
        Ok(Ledger {
            origin,
            engine: Engine::Sqlite(File {
                _checkpointer: checkpointer,
                path: path.to_path_buf(),
                conn: Mutex::new(conn),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Opens (migrating as needed) the shared ledger at a `postgres://` URL, writing new sales
    /// as made at `origin`. `password` is used when the URL names none (from the keyring), else
    /// `PGPASSWORD`.
    pub fn open_shared(url: &str, password: Option<&str>, origin: Origin) -> Result<Ledger, LedgerError> {
        Ok(Ledger {
            origin,
            engine: Engine::Postgres(Shared::open(url, password)?),
        })
    }

    /// The shop's shared ledger at `url` without reaching it now: a counter starting while the
    /// database is away (every call is `Unreachable` until the server answers; the first one
    /// that reaches it checks the schema first).
    pub fn open_shared_later(url: &str, password: Option<&str>, origin: Origin) -> Result<Ledger, LedgerError> {
        Ok(Ledger {
            origin,
            engine: Engine::Postgres(Shared::later(url, password)?),
        })
    }

    /// Opens where `location` says: a `postgres://` (or `postgresql://`) URL, or a file path.
    pub fn open_at(location: &str, password: Option<&str>, origin: Origin) -> Result<Ledger, LedgerError> {
        if is_shared_location(location) {
            Ledger::open_shared(location, password, origin)
        } else {
            Ledger::open_as(Path::new(location), origin)
        }
    }

    /// `RECUR_POS_DB` if set, else `<data dir>/recur-pos/ledger.db` (the live ledger's file).
    pub fn default_path() -> PathBuf {
        match std::env::var_os("RECUR_POS_DB").filter(|v| !v.is_empty()) {
            Some(path) => PathBuf::from(path),
            None => Ledger::data_folder().join("ledger.db"),
        }
    }

    /// `<data dir>/recur-pos`: the default ledgers, settings.json and the logs.
    pub fn data_folder() -> PathBuf {
        dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("recur-pos")
    }

    /// The default file of the sandbox's ledger (test keys and the embedded sandbox), beside
    /// the live one: the two environments never share a file.
    pub fn default_sandbox_path() -> PathBuf {
        Ledger::data_folder().join("ledger-sandbox.db")
    }

    /// The file, or for a shared ledger its URL without the password (for messages and
    /// diagnostics; not a file).
    pub fn path(&self) -> &Path {
        match &self.engine {
            Engine::Sqlite(file) => &file.path,
            Engine::Postgres(shared) => Path::new(shared.display()),
        }
    }

    /// The file of a ledger of this counter's own; `None` for the shop's shared one.
    pub fn file(&self) -> Option<&Path> {
        match &self.engine {
            Engine::Sqlite(file) => Some(&file.path),
            Engine::Postgres(_) => None,
        }
    }

    /// Whether this is the shop's shared ledger (on PostgreSQL).
    pub fn is_shared(&self) -> bool {
        matches!(self.engine, Engine::Postgres(_))
    }

    pub fn dialect(&self) -> Dialect {
        match self.engine {
            Engine::Sqlite(_) => Dialect::Sqlite,
            Engine::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The shop and counter new sales are written as.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The schema version of the open ledger.
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        self.read(|db| match db.dialect() {
            Dialect::Sqlite => Ok(db.row("PRAGMA user_version", (), |row| row.get(0))?),
            Dialect::Postgres => Ok(
                db.row("SELECT COALESCE(max(version), 0) FROM ledger_schema", (), |row| {
                    row.get(0)
                })?,
            ),
        })
    }

    /// Runs `work` in one write transaction, committing only if it returns `Ok`. On SQLite an
    /// IMMEDIATE transaction (the write lock is taken up front, so two writers never deadlock
    /// upgrading); on PostgreSQL one that first takes the ledger's write lock, so writers of
    /// every process run one after another exactly as on one file (see `pg`).
    pub(crate) fn write<T: Send>(
        &self,
        work: impl FnOnce(&Db<'_>) -> Result<T, LedgerError> + Send,
    ) -> Result<T, LedgerError> {
        match &self.engine {
            Engine::Sqlite(file) => {
                let mut conn = file.lock();
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let value = work(&Db::Sqlite(&tx))?;
                tx.commit()?;
                Ok(value)
            }
            Engine::Postgres(shared) => shared.write(work),
        }
    }

    /// Runs `work` on a read-only connection of the pool: it sees every transaction committed
    /// before it started, and never waits for the writer.
    pub(crate) fn read<T: Send>(
        &self,
        work: impl FnOnce(&Db<'_>) -> Result<T, LedgerError> + Send,
    ) -> Result<T, LedgerError> {
        match &self.engine {
            Engine::Sqlite(file) => file.read(|conn| work(&Db::Sqlite(conn))),
            Engine::Postgres(shared) => shared.read(work),
        }
    }

    /// A read on the SQLite file itself (the online backup); refused on a shared ledger.
    pub(crate) fn read_file<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        match &self.engine {
            Engine::Sqlite(file) => file.read(work),
            Engine::Postgres(_) => Err(LedgerError::SharedLedger("back up")),
        }
    }

    /// The shared ledger's change feed (see [`crate::Changes`]); `None` on a file, whose
    /// changes come from this process alone.
    pub fn changes(&self) -> Result<Option<crate::Changes>, LedgerError> {
        match &self.engine {
            Engine::Sqlite(_) => Ok(None),
            Engine::Postgres(shared) => shared.changes().map(Some),
        }
    }

    /// Whether the ledger answers now (the shared one may be away).
    pub fn ping(&self) -> Result<(), LedgerError> {
        self.read(|db| Ok(db.row("SELECT 1", (), |row| row.get::<i64>(0)).map(|_| ())?))
    }
}

/// Whether `location` (`RECUR_POS_DB`, Settings) names a PostgreSQL server rather than a file.
pub fn is_shared_location(location: &str) -> bool {
    let lower = location.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

impl File {
    fn read<T>(&self, work: impl FnOnce(&Connection) -> Result<T, LedgerError>) -> Result<T, LedgerError> {
        let conn = match self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            Some(conn) => conn,
            None => self.open_reader()?,
        };
        let result = work(&conn);
        let mut idle = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        result
    }

    fn open_reader(&self) -> Result<Connection, LedgerError> {
        let conn = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Read-only by promise: a bug that writes through a reader fails loudly.
        conn.pragma_update(None, "query_only", true)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic inside a transaction dropped (rolled back) it, so the connection is sound.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_never_waits_for_a_write_in_progress() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = std::sync::Arc::new(Ledger::open(&dir.path().join("l.db")).unwrap());
        let (inside_tx, inside) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let writer = {
            let ledger = std::sync::Arc::clone(&ledger);
            std::thread::spawn(move || {
                ledger
                    .write(move |tx| {
                        tx.batch("CREATE TABLE probe (x INTEGER); INSERT INTO probe VALUES (1);")?;
                        inside_tx.send(()).unwrap();
                        // Hold the write transaction open until the read below has answered.
                        released.recv().unwrap();
                        Ok(())
                    })
                    .unwrap();
            })
        };
        inside.recv().unwrap();
        let (answer_tx, answer) = std::sync::mpsc::channel();
        let reader = std::sync::Arc::clone(&ledger);
        std::thread::spawn(move || {
            let tables = reader.read(|conn| {
                Ok(
                    conn.row("SELECT count(*) FROM sqlite_master WHERE name = 'probe'", (), |r| {
                        r.get::<i64>(0)
                    })?,
                )
            });
            let _ = answer_tx.send(tables.unwrap());
        });
        let seen = answer
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the read answered while the write was still open");
        assert_eq!(
            seen, 0,
            "it sees what was committed before it, not the open transaction"
        );
        release.send(()).unwrap();
        writer.join().unwrap();
        let after = ledger.read(|conn| Ok(conn.row("SELECT count(*) FROM probe", (), |r| r.get::<i64>(0))?));
        assert_eq!(after.unwrap(), 1);
    }

    #[test]
    fn ledger_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Ledger>();
    }
}
