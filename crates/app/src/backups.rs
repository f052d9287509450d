//! Where backups of the ledger go, when they are taken and how many are kept.
//!
//! A backup is `ledger-YYYYMMDDTHHMMSSZ.db` (UTC) in the backups folder: `RECUR_POS_BACKUP_DIR`
//! if set, else `backups/` beside the ledger. While a counter is open with its services (the
//! window, `recur-pos listen`), [`spawn_daily`] takes one when the newest is a day old (or
//! there is none), then the last [`keep`] are kept (`RECUR_POS_BACKUP_KEEP`, default 14) and
//! older ones deleted — only files with exactly that name shape, never anything else in the
//! folder. `recur-pos backup` and Settings' "Back up now" call [`take`]. The copy itself (online,
//! paced, never blocking a sale) is `recur_ledger::Ledger::backup_to`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use recur_domain::Timestamp;
use recur_ledger::{BackupReport, Ledger};
use recur_pos_core::Counter;

use crate::env::{self, Env};
use crate::error::AppError;

/// Backups kept unless `RECUR_POS_BACKUP_KEEP` says otherwise.
pub const DEFAULT_KEEP: usize = 14;
/// A new backup is due when the newest is this old.
pub const EVERY: Duration = Duration::from_secs(24 * 3600);
/// How often the daily service looks whether one is due (it also looks once at start).
const LOOK_EVERY: Duration = Duration::from_secs(3600);
const PREFIX: &str = "ledger-";
const SUFFIX: &str = ".db";

/// One backup file in the folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupFile {
    pub path: PathBuf,
    /// When it was taken (from its name).
    pub taken_at: Timestamp,
    pub bytes: u64,
}

/// The backups folder for the ledger at `ledger`: `backups/` beside `ledger.db`, and a folder of
/// its own beside any other ledger file (`backups-ledger-sandbox/` beside the sandbox's), so
/// the live and the sandbox ledger never share (nor prune) each other's backups.
pub fn folder(env: &Env, ledger: &Path) -> PathBuf {
    match env.get(env::BACKUP_DIR) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let stem = ledger.file_stem().and_then(|s| s.to_str()).unwrap_or("ledger");
            let name = if stem == "ledger" {
                "backups".to_owned()
            } else {
                format!("backups-{stem}")
            };
            ledger.parent().map_or_else(|| PathBuf::from(&name), |p| p.join(&name))
        }
    }
}

/// How many backups are kept (at least one).
pub fn keep(env: &Env) -> usize {
    env.get(env::BACKUP_KEEP)
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(DEFAULT_KEEP)
        .max(1)
}

/// The file name of a backup taken at `at`: `ledger-20261202T031500Z.db`.
pub fn file_name(at: Timestamp) -> String {
    // 2026-12-02T03:15:00.123Z → 20261202T031500Z
    let iso = at.to_rfc3339();
    let compact: String = iso
        .chars()
        .take(19)
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect();
    format!("{PREFIX}{compact}Z{SUFFIX}")
}

/// When a backup named `name` was taken, and its `-N` (0 without one: the first that second).
fn parse_name(name: &str) -> Option<(Timestamp, u32)> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    // An optional `-N` when two were taken in the same second.
    let (stamp, seq) = match stamp.split_once('-') {
        Some((stamp, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => (stamp, n.parse().ok()?),
        Some(_) => return None,
        None => (stamp, 0),
    };
    let b = stamp.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| stamp.get(r).filter(|s| s.bytes().all(|c| c.is_ascii_digit()));
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        digits(0..4)?,
        digits(4..6)?,
        digits(6..8)?,
        digits(9..11)?,
        digits(11..13)?,
        digits(13..15)?
    );
    Some((Timestamp::parse_rfc3339(&iso)?, seq))
}

/// The backups in `folder`, newest first. A missing folder has none.
pub fn list(folder: &Path) -> Vec<BackupFile> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<(u32, BackupFile)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let (taken_at, seq) = parse_name(&name)?;
            let meta = entry.metadata().ok().filter(std::fs::Metadata::is_file)?;
            let file = BackupFile {
                path: entry.path(),
                taken_at,
                bytes: meta.len(),
            };
            Some((seq, file))
        })
        .collect();
    found.sort_by(|(sa, a), (sb, b)| b.taken_at.cmp(&a.taken_at).then(sb.cmp(sa)));
    found.into_iter().map(|(_, file)| file).collect()
}

/// The newest backup in `folder`.
pub fn last(folder: &Path) -> Option<BackupFile> {
    list(folder).into_iter().next()
}

/// Deletes all but the newest `keep` backups; returns what it deleted.
pub fn prune(folder: &Path, keep: usize) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for old in list(folder).into_iter().skip(keep.max(1)) {
        match std::fs::remove_file(&old.path) {
            Ok(()) => removed.push(old.path),
            Err(e) => tracing::warn!(path = %old.path.display(), error = %e, "an old backup could not be deleted"),
        }
    }
    removed
}

/// Takes a backup now into `out` (a file), or into `folder` under its dated name, then keeps
/// the last `keep` there. Blocking (the copy takes its time without holding up a sale): call it
/// off the async workers.
pub fn take(ledger: &Ledger, out: Option<&Path>, folder: &Path, keep: usize) -> Result<BackupReport, AppError> {
    // One at a time in this process (the daily one and "Back up now" may meet): each gets a
    // name of its own, and the pruning counts both.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let path = match out {
        Some(path) => path.to_path_buf(),
        None => free_name(folder, Timestamp::now()),
    };
    let report = ledger.backup_to(&path)?;
    if out.is_none() {
        prune(folder, keep);
    }
    Ok(report)
}

fn free_name(folder: &Path, at: Timestamp) -> PathBuf {
    let name = file_name(at);
    let mut path = folder.join(&name);
    let mut n = 1;
    while path.exists() {
        let stem = name.trim_end_matches(SUFFIX);
        path = folder.join(format!("{stem}-{n}{SUFFIX}"));
        n += 1;
    }
    path
}

/// Whether a backup is due, given the newest one.
pub fn due(last: Option<&BackupFile>, now: Timestamp) -> bool {
    last.is_none_or(|b| now.unix_ms() - b.taken_at.unix_ms() >= EVERY.as_millis() as i64)
}

/// The daily backup of `counter`'s ledger, until aborted. Started with the listener (see
/// `services`), so the window and `recur-pos listen` both run it.
pub fn spawn_daily(counter: &Arc<Counter>, env: &Env) -> tokio::task::JoinHandle<()> {
    let ledger = Arc::clone(counter.ledger());
    let folder = folder(env, ledger.path());
    let keep = keep(env);
    tokio::spawn(async move {
        loop {
            if due(last(&folder).as_ref(), Timestamp::now()) {
                let (ledger, folder) = (Arc::clone(&ledger), folder.clone());
                let taken = tokio::task::spawn_blocking(move || take(&ledger, None, &folder, keep)).await;
                match taken {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(code = %e.code(), error = %e, "the daily backup failed; trying again in an hour")
                    }
                    Err(e) => tracing::warn!(error = %e, "the daily backup stopped"),
                }
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    })
}

/// What Settings, `recur-pos diagnostics` and `recur-pos backup` say about backups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupStatus {
    pub folder: PathBuf,
    pub keep: usize,
    pub last: Option<BackupFile>,
}

/// The backups of the ledger at `ledger`.
pub fn status(env: &Env, ledger: &Path) -> BackupStatus {
    let folder = folder(env, ledger);
    BackupStatus {
        last: last(&folder),
        keep: keep(env),
        folder,
    }
}

/// "Back up now" (Settings, `recur-pos backup`): a backup of `counter`'s ledger into `out`, or
/// into the backups folder (then the last N are kept), on a blocking thread.
pub async fn back_up_now(counter: &Counter, env: &Env, out: Option<PathBuf>) -> Result<BackupReport, AppError> {
    let ledger = Arc::clone(counter.ledger());
    let folder = folder(env, ledger.path());
    let keep = keep(env);
    tokio::task::spawn_blocking(move || take(&ledger, out.as_deref(), &folder, keep))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// The ledger file `env` names (`RECUR_POS_DB`, else the OS data folder): what a restore
/// replaces. Nothing is opened.
pub fn ledger_path(env: &Env) -> PathBuf {
    recur_pos_core::Config::from_lookup(|name| env.get(name)).db_path
}

/// `recur-pos restore FILE`: replaces the ledger at `ledger` (the one the counter would open:
/// [`crate::Station::ledger_path`]) by the backup `file`, after checking it; refused while the
/// ledger is open anywhere, or when the backup is of the other environment (see
/// `recur_ledger::restore`).
pub fn restore(ledger: &Path, file: &Path) -> Result<recur_ledger::RestoreReport, AppError> {
    if recur_ledger::is_shared_location(&ledger.to_string_lossy()) {
        return Err(recur_ledger::LedgerError::SharedLedger("restore a backup").into());
    }
    let stamp = file_name(Timestamp::now());
    let stamp = stamp.trim_start_matches(PREFIX).trim_end_matches(SUFFIX);
    Ok(recur_ledger::restore(file, ledger, stamp)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken_at(name: &str) -> Option<Timestamp> {
        parse_name(name).map(|(at, _)| at)
    }

    #[test]
    fn names_round_trip_and_nothing_else_is_a_backup() {
        let at = Timestamp::parse_rfc3339("2026-12-02T03:15:07.999Z").unwrap();
        let name = file_name(at);
        assert_eq!(name, "ledger-20261202T031507Z.db");
        let back = taken_at(&name).unwrap();
        assert_eq!(back.to_rfc3339(), "2026-12-02T03:15:07.000Z");
        assert!(taken_at("ledger-20261202T031507Z-2.db").is_some());
        for other in [
            "ledger.db",
            "ledger-20261202T031507Z.db.partial",
            "ledger-2026120T031507Z.db",
            "ledger-20261202T031507Z-x.db",
            "notes-20261202T031507Z.db",
            "ledger-2026120aT031507Z.db",
        ] {
            assert_eq!(taken_at(other), None, "{other}");
        }
    }

    #[test]
    fn a_backup_is_due_a_day_after_the_last() {
        let now = Timestamp::from_unix_ms(10 * 86_400_000);
        let file = |ms| BackupFile {
            path: PathBuf::new(),
            taken_at: Timestamp::from_unix_ms(ms),
            bytes: 0,
        };
        assert!(due(None, now));
        assert!(!due(Some(&file(now.unix_ms() - 3_600_000)), now));
        assert!(due(Some(&file(now.unix_ms() - 86_400_000)), now));
    }

    #[test]
    fn the_live_and_the_sandbox_ledger_back_up_into_folders_of_their_own() {
        let env = Env::from_pairs(&[]);
        let data = Path::new("/data/recur-pos");
        assert_eq!(folder(&env, &data.join("ledger.db")), data.join("backups"));
        assert_eq!(
            folder(&env, &data.join("ledger-sandbox.db")),
            data.join("backups-ledger-sandbox")
        );
        let chosen = Env::from_pairs(&[(env::BACKUP_DIR, "/mnt/usb")]);
        assert_eq!(folder(&chosen, &data.join("ledger.db")), PathBuf::from("/mnt/usb"));
    }
}
