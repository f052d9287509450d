//! Backups and restores on real files: a backup taken while sales go on holds every sale made
//! before it, with its state; a restore brings them back and keeps the replaced ledger; a file
//! that is not a whole, known Recur POS ledger is refused and nothing changes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use recur_domain::{SaleState, TxnId};
use recur_ledger::{check_backup, in_use, restore, Ledger, LedgerError, Pace, SaleFilter, SCHEMA_VERSION};

use crate::support::{at, completed, deliver, new_sale, open_sale};

/// Every sale's id and state.
fn states(ledger: &Ledger) -> Vec<(TxnId, SaleState)> {
    let mut all: Vec<_> = ledger
        .sales(&SaleFilter::default())
        .expect("sales")
        .into_iter()
        .map(|s| (s.id, s.state))
        .collect();
    all.sort_by_key(|s| s.0.to_string());
    all
}

/// A ledger with `n` sales: open ones, and every third paid by a webhook.
fn ledger_with_sales(path: &Path, n: usize) -> Ledger {
    let ledger = Ledger::open(path).expect("open");
    for i in 0..n {
        let sale = open_sale(&ledger, &format!("sale {i}"), 100 + i as i64, &format!("cs_{i}"));
        if i % 3 == 0 {
            deliver(
                &ledger,
                completed(&format!("evt_{i}"), &format!("cs_{i}"), Some(&sale.id), 100 + i as i64),
            );
        }
    }
    ledger
}

fn fingerprint(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read")
}

fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.contains(".replaced-") || name.ends_with(".restoring") || name.contains(".partial")
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_backup_taken_while_selling_restores_every_sale_with_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("ledger.db");
    let ledger = ledger_with_sales(&live, 1500);
    let backup_path = dir.path().join("backups/ledger-1.db");

    // A cashier keeps selling while the backup copies a few pages at a time.
    let done = AtomicBool::new(false);
    let sold_during = AtomicUsize::new(0);
    let slowest = std::sync::Mutex::new(Duration::ZERO);
    let (before, report) = std::thread::scope(|s| {
        let before = states(&ledger);
        let seller = s.spawn(|| {
            let mut i = 0;
            while !done.load(Ordering::SeqCst) {
                let started = Instant::now();
                let sale = ledger
                    .create_sale(new_sale("during", 7), at(5))
                    .expect("sale during the backup");
                if i % 2 == 0 {
                    deliver(
                        &ledger,
                        completed(&format!("evt_d{i}"), "cs_nowhere", Some(&sale.id), 7),
                    );
                }
                let took = started.elapsed();
                let mut slowest = slowest.lock().unwrap();
                *slowest = (*slowest).max(took);
                sold_during.fetch_add(1, Ordering::SeqCst);
                i += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        let pace = Pace {
            pages_per_step: 8,
            pause: Duration::from_millis(5),
        };
        let report = ledger.backup_paced(&backup_path, pace).expect("backup");
        done.store(true, Ordering::SeqCst);
        seller.join().unwrap();
        (before, report)
    });
    let sold_during = sold_during.into_inner();
    eprintln!("backup while selling: {report:?}; {sold_during} sales made meanwhile");
    assert!(sold_during > 0, "no sale was made while the backup ran");
    let slowest = slowest.into_inner().unwrap();
    assert!(
        slowest < Duration::from_secs(2),
        "a sale waited {slowest:?} for the backup"
    );
    assert_eq!(report.path, backup_path);
    assert!(report.sales >= 1500, "{report:?}");
    assert!(!leftovers(dir.path().join("backups").as_path())
        .iter()
        .any(|p| p.exists()));

    // Every sale made before the backup started is in it, in the state it had.
    let info = check_backup(&backup_path).expect("the backup passes its own check");
    assert_eq!(info.schema_version, SCHEMA_VERSION);
    let after_backup = states(&ledger);
    drop(ledger);

    let stamp = "20261202T031500Z";
    let restored = restore(&backup_path, &live, stamp).expect("restore");
    let aside = dir.path().join(format!("ledger.db.replaced-{stamp}"));
    assert_eq!(restored.replaced.as_deref(), Some(aside.as_path()));
    let ledger = Ledger::open(&live).expect("open the restored ledger");
    let back = states(&ledger);
    for sale in &before {
        assert!(back.contains(sale), "{sale:?} is missing from the restored ledger");
    }
    // Beyond those, the backup holds only sales the ledger has (some of those made during it;
    // one caught between its creation and its payment may be in its earlier state).
    for (id, state) in &back {
        assert!(
            after_backup.iter().any(|(other, _)| other == id),
            "{id:?} ({state:?}) was never in the ledger"
        );
    }
    assert!(back.iter().any(|(_, s)| *s == SaleState::Paid));
    // The replaced ledger is kept, whole, with the sales made after the backup.
    let replaced = Ledger::open(&aside).expect("open the replaced ledger");
    assert_eq!(states(&replaced), after_backup);
}

#[test]
fn files_that_are_not_a_whole_known_ledger_are_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("ledger.db");
    let good = dir.path().join("good.db");
    {
        let ledger = ledger_with_sales(&live, 300);
        ledger.backup_to(&good).expect("backup");
    }
    let live_before = fingerprint(&live);
    let whole = std::fs::read(&good).unwrap();

    let truncated = dir.path().join("truncated.db");
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let garbage = dir.path().join("garbage.db");
    std::fs::write(
        &garbage,
        (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect::<Vec<_>>(),
    )
    .unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let foreign = dir.path().join("foreign.db");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('hi'); PRAGMA user_version = 3;")
            .unwrap();
    }
    let newer = dir.path().join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    {
        let c = rusqlite::Connection::open(&newer).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    }
    let missing = dir.path().join("missing.db");

    let cases: [(&Path, &str); 6] = [
        (&truncated, "backup_"),
        (&garbage, "backup_not_a_ledger"),
        (&empty, "backup_not_a_ledger"),
        (&foreign, "backup_not_a_ledger"),
        (&newer, "ledger_schema_too_new"),
        (&missing, "backup_failed"),
    ];
    for (file, code) in cases {
        let err = restore(file, &live, "20261202T000000Z").expect_err(&format!("{} restored", file.display()));
        assert!(
            err.code().starts_with(code),
            "{}: {err} ({})",
            file.display(),
            err.code()
        );
        assert_eq!(fingerprint(&live), live_before, "{} changed the ledger", file.display());
        assert_eq!(
            leftovers(dir.path()),
            Vec::<PathBuf>::new(),
            "{} left files",
            file.display()
        );
    }
    // And the good one restores.
    restore(&good, &live, "20261202T000001Z").expect("the good backup restores");
}

#[test]
fn a_restore_is_refused_while_the_ledger_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("ledger.db");
    let good = dir.path().join("good.db");
    let ledger = ledger_with_sales(&live, 5);
    ledger.backup_to(&good).unwrap();
    assert!(in_use(&live).unwrap());
    let before = states(&ledger);
    let err = restore(&good, &live, "20261202T000000Z").expect_err("restored under an open ledger");
    assert!(matches!(err, LedgerError::InUse(_)), "{err}");
    assert_eq!(err.code(), "ledger_in_use");
    assert_eq!(leftovers(dir.path()), Vec::<PathBuf>::new());
    assert_eq!(states(&ledger), before);
    drop(ledger);
    assert!(!in_use(&live).unwrap());
    restore(&good, &live, "20261202T000000Z").expect("restores once closed");
}

#[test]
fn an_older_schema_is_migrated_when_restored_and_the_file_given_is_untouched() {
    // Written by the schema-1 program itself (see `migrations`).
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ledger-v1.sqlite");
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    std::fs::copy(fixture, &old).unwrap();
    let before = fingerprint(&old);
    let live = dir.path().join("ledger.db");
    let report = restore(&old, &live, "20261202T000000Z").expect("restore");
    assert_eq!(report.from_schema, 1);
    assert_eq!(report.replaced, None);
    assert!(report.sales > 0);
    assert_eq!(fingerprint(&old), before, "the backup itself was changed");
    let ledger = Ledger::open(&live).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(states(&ledger).len() as u64, report.sales);
}

#[test]
fn two_backups_to_the_same_file_at_once_both_succeed() {
    // The daily backup and "Back up now" (or two processes) may pick the same name in the same
    // second; each copy is written apart and the file is always one whole backup.
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with_sales(&dir.path().join("ledger.db"), 300);
    let path = dir.path().join("backups/ledger-same.db");
    let pace = Pace {
        pages_per_step: 4,
        pause: Duration::from_millis(2),
    };
    std::thread::scope(|s| {
        let a = s.spawn(|| ledger.backup_paced(&path, pace));
        let b = s.spawn(|| ledger.backup_paced(&path, pace));
        a.join().unwrap().expect("first backup");
        b.join().unwrap().expect("second backup");
    });
    assert_eq!(check_backup(&path).unwrap().sales, 300);
    assert_eq!(leftovers(&dir.path().join("backups")), Vec::<PathBuf>::new());
}

#[test]
fn a_damaged_ledger_can_be_replaced_and_is_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("ledger.db");
    let good = dir.path().join("good.db");
    drop(ledger_with_sales(&live, 10).backup_to(&good).unwrap());
    let wreck = b"this was a ledger before the disk failed".repeat(200);
    std::fs::write(&live, &wreck).unwrap();
    let report = restore(&good, &live, "20261202T000000Z").expect("a damaged ledger is replaced");
    assert_eq!(report.sales, 10);
    assert_eq!(
        std::fs::read(report.replaced.unwrap()).unwrap(),
        wreck,
        "the damaged file is kept as it was"
    );
    assert_eq!(states(&Ledger::open(&live).unwrap()).len(), 10);
}

#[test]
fn a_backup_of_the_other_environment_never_replaces_a_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("ledger.db");
    let sandbox = dir.path().join("ledger-sandbox.db");
    let sandbox_backup = dir.path().join("sandbox-backup.db");
    {
        let ledger = ledger_with_sales(&live, 5);
        ledger.claim_environment("live").unwrap();
        let test = ledger_with_sales(&sandbox, 7);
        test.claim_environment("sandbox").unwrap();
        test.backup_to(&sandbox_backup).expect("backup");
    }
    let before = fingerprint(&live);
    let refused = restore(&sandbox_backup, &live, "20261202T000000Z").unwrap_err();
    assert!(
        matches!(&refused, LedgerError::OtherEnvironment { ledger, wanted } if ledger == "live" && wanted == "sandbox"),
        "{refused:?}"
    );
    assert_eq!(fingerprint(&live), before, "the live ledger is untouched");
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
    // Its own environment's backup is taken.
    let report = restore(&sandbox_backup, &sandbox, "20261202T000001Z").unwrap();
    assert_eq!(report.sales, 7);
}
