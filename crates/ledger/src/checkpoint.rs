//! WAL checkpoints on a thread of their own, never inside a commit.
//!
//! By default SQLite checkpoints from the connection that commits, once the WAL passes 1,000
//! pages: that commit then also copies the WAL into the database file and fsyncs it, and every
//! webhook of its batch (and of the batches queued behind it) waits several times as long as
//! usual. The ledger's writer has automatic checkpoints off instead, and this thread runs a
//! PASSIVE checkpoint on its own connection every [`EVERY`]: it never takes the write lock, so
//! commits go on meanwhile, and the WAL stays small. Durability is unchanged — a commit is
//! durable once its WAL frames are synced (`synchronous=FULL`), before and after.
//!
//! Not here: opening the ledger (`db`), which starts and stops this.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// How often the WAL is copied back into the database file.
pub(crate) const EVERY: Duration = Duration::from_millis(200);

/// The running checkpoint thread; stopped (and joined) when dropped.
pub(crate) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the ledger at `path` (already open and in WAL mode).
    pub fn start(path: &Path, busy_timeout: Duration) -> Result<Checkpointer, rusqlite::Error> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(busy_timeout)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("recur-ledger-checkpoint".into())
            .spawn(move || run(&conn, &stopped))
            .map_err(|e| {
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                    Some(format!("the checkpoint thread did not start: {e}")),
                )
            })?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

fn run(conn: &Connection, stopped: &mpsc::Receiver<()>) {
    loop {
        match stopped.recv_timeout(EVERY) {
            Err(RecvTimeoutError::Timeout) => {
                // (busy, WAL frames, frames copied); a busy or failed checkpoint is simply
                // tried again next time.
                let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                });
                if let Err(error) = done {
                    tracing::debug!(%error, "a WAL checkpoint did not run");
                }
            }
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
