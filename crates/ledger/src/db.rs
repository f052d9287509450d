//! Opening the ledger file and running work in short, locked transactions.
//!
//! One connection behind a mutex: the app is one process with little write traffic, and a
//! single writer keeps every transaction trivially serializable. Locks are held only for one
//! transaction, never across I/O to Recur. Not here: any query or rule about sales.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::LedgerError;
use crate::migrations;

/// The local ledger. `Send + Sync`: share it as `Arc<Ledger>` or Tauri state.
pub struct Ledger {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Another process (the CLI) may hold the write lock briefly; wait rather than fail.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Ledger {
    /// Opens (creating folders and file as needed) and migrates the ledger at `path`.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
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
        Ok(Ledger {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    /// `RECUR_POS_DB` if set, else `<data dir>/recur-pos/ledger.db`.
    pub fn default_path() -> PathBuf {
        match std::env::var_os("RECUR_POS_DB").filter(|v| !v.is_empty()) {
            Some(path) => PathBuf::from(path),
            None => dirs::data_dir()
                .unwrap_or_else(|| PathBuf::from("."))
                .join("recur-pos")
                .join("ledger.db"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        self.read(|conn| Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?))
    }

    /// Runs `work` in one IMMEDIATE transaction (the write lock is taken up front, so two
    /// writers never deadlock upgrading), committing only if it returns `Ok`.
    pub(crate) fn write<T>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = work(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    pub(crate) fn read<T>(&self, work: impl FnOnce(&Connection) -> Result<T, LedgerError>) -> Result<T, LedgerError> {
        let conn = self.lock();
        work(&conn)
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
    fn ledger_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Ledger>();
    }
}
