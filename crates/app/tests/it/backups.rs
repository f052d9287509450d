//! The backups folder on real files: "back up now" writes a whole, restorable ledger, and the
//! folder keeps exactly the last N backups, never touching other files.

use std::path::Path;

use recur_domain::Timestamp;
use recur_ledger::{check_backup, Ledger};
use recur_pos_app::backups;
use recur_pos_app::Env;

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn the_folder_keeps_exactly_the_last_n_and_nothing_else_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("ledger.db")).unwrap();
    let env = Env::from_pairs(&[("RECUR_POS_BACKUP_KEEP", "5")]);
    let folder = backups::folder(&env, ledger.path());
    assert_eq!(folder, dir.path().join("backups"));
    std::fs::create_dir_all(&folder).unwrap();
    // Twenty older backups, a day apart, and files that only look like them.
    let day = 86_400_000;
    let start = Timestamp::now().unix_ms() - 30 * day;
    for n in 0..20 {
        let name = backups::file_name(Timestamp::from_unix_ms(start + n * day));
        std::fs::write(folder.join(name), b"old").unwrap();
    }
    let strangers = ["notes.txt", "ledger-20200101T000000Z.db.partial", "ledger.db"];
    for name in strangers {
        std::fs::write(folder.join(name), b"mine").unwrap();
    }

    let keep = backups::keep(&env);
    assert_eq!(keep, 5);
    let report = backups::take(&ledger, None, &folder, keep).unwrap();
    check_backup(&report.path).expect("the new backup is a whole ledger");
    let kept = backups::list(&folder);
    assert_eq!(kept.len(), 5, "{:?}", names(&folder));
    assert_eq!(kept[0].path, report.path, "the newest is the one just taken");
    // The other four are the newest of the old ones.
    for (i, file) in kept[1..].iter().enumerate() {
        let expected = backups::file_name(Timestamp::from_unix_ms(start + (19 - i as i64) * day));
        assert_eq!(file.path, folder.join(expected));
    }
    for name in strangers {
        assert_eq!(std::fs::read(folder.join(name)).unwrap(), b"mine", "{name} was touched");
    }
    // Two in the same second get two files.
    let again = backups::take(&ledger, None, &folder, keep).unwrap();
    assert_ne!(again.path, report.path);
    assert_eq!(backups::list(&folder).len(), 5);
    let status = backups::status(&env, ledger.path());
    assert_eq!(status.last.map(|b| b.path), Some(again.path));
}

#[test]
fn a_chosen_folder_and_an_explicit_file() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("ledger.db")).unwrap();
    let chosen = dir.path().join("elsewhere");
    let env = Env::from_pairs(&[("RECUR_POS_BACKUP_DIR", chosen.to_str().unwrap())]);
    assert_eq!(backups::folder(&env, ledger.path()), chosen);
    assert_eq!(backups::keep(&env), backups::DEFAULT_KEEP);
    let out = dir.path().join("one-off.db");
    let report = backups::take(&ledger, Some(&out), &chosen, 14).unwrap();
    assert_eq!(report.path, out);
    check_backup(&out).unwrap();
    assert!(backups::list(&chosen).is_empty());
}
