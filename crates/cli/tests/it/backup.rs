//! `recur-pos backup` and `recur-pos restore` on the real binary: a backup taken while
//! `listen` holds the ledger, refused restores that change nothing (the ledger open; a
//! damaged, foreign or newer file), and a restore that brings back every sale with its state.

use serde_json::Value;

use crate::cli::{str_field, Shop};
use crate::support::parse_one_document;

/// Every sale's id and state, sorted.
fn sales(shop: &Shop, db: Option<&std::path::Path>) -> Vec<(String, String)> {
    let mut cmd = shop.command(&["sales", "--limit", "1000", "--json"]);
    if let Some(db) = db {
        cmd.env("RECUR_POS_DB", db);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut all: Vec<(String, String)> = parse_one_document(&out.stdout)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (str_field(s, "id").to_owned(), str_field(s, "state").to_owned()))
        .collect();
    all.sort();
    all
}

fn cash_sale(shop: &Shop) -> Value {
    shop.json(&["charge", "--product", "prod_latte", "--tender", "cash", "--json"])
}

#[test]
fn a_backup_taken_while_listen_runs_restores_every_sale_and_bad_files_change_nothing() {
    let shop = Shop::new();
    for _ in 0..3 {
        cash_sale(&shop);
    }
    let open = shop.json(&["charge", "--product", "prod_latte", "--json"]);
    let paid = shop.json(&["charge", "--product", "prod_latte", "--json"]);
    assert_eq!(shop.pay(str_field(&paid, "checkout_id"), "4147631000000001"), 200);
    shop.json(&["sweep", "--json"]);

    let port = crate::support::free_port();
    let mut listen = shop.listen(port);

    let backup = shop.json(&["backup", "--json"]);
    let path = std::path::PathBuf::from(str_field(&backup, "path"));
    assert_eq!(
        path.parent(),
        Some(shop.db.with_file_name("backups").as_path()),
        "{backup}"
    );
    assert!(path.exists());
    assert_eq!(backup["sales"], 5, "{backup}");
    let at_backup = sales(&shop, None);
    assert!(at_backup
        .iter()
        .any(|(id, s)| id == str_field(&paid, "id") && s == "PAID"));
    assert!(at_backup
        .iter()
        .any(|(id, s)| id == str_field(&open, "id") && s == "OPEN"));

    // While `listen` holds the ledger, a restore is refused and nothing changes.
    let refused = shop.run(&["restore", path.to_str().unwrap()]);
    assert_eq!(
        refused.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("ledger_in_use"));
    listen.kill().ok();
    listen.wait().ok();
    assert_eq!(sales(&shop, None), at_backup);

    // A sale after the backup: gone after the restore, kept in the replaced ledger.
    let later = cash_sale(&shop);
    let dir = shop.db.parent().unwrap();
    let whole = std::fs::read(&path).unwrap();
    let truncated = dir.join("truncated.db");
    std::fs::write(&truncated, &whole[..whole.len() / 3]).unwrap();
    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, b"SQLite format 3\0 but not really").unwrap();
    let before = std::fs::read(&shop.db).unwrap();
    for bad in [&truncated, &garbage] {
        let out = shop.run(&["restore", bad.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(5), "{}", String::from_utf8_lossy(&out.stderr));
        let error = parse_one_document(&out.stdout);
        assert!(str_field(&error["error"], "code").starts_with("backup_"), "{error}");
        assert_eq!(
            std::fs::read(&shop.db).unwrap(),
            before,
            "{} changed the ledger",
            bad.display()
        );
    }

    let restored = shop.json(&["restore", path.to_str().unwrap(), "--json"]);
    assert_eq!(restored["sales"], 5);
    let replaced = std::path::PathBuf::from(str_field(&restored, "replaced"));
    assert!(replaced
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("ledger.db.replaced-"));
    assert_eq!(sales(&shop, None), at_backup, "every sale, each in its state");
    let kept = sales(&shop, Some(&replaced));
    assert!(
        kept.iter().any(|(id, _)| id == str_field(&later, "id")),
        "the replaced ledger lost a sale"
    );
}

#[test]
fn diagnostics_print_the_state_and_never_a_key() {
    let shop = Shop::new();
    cash_sale(&shop);
    shop.json(&["backup", "--json"]);
    let out = shop.run(&["diagnostics"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let key = shop.sandbox.secret_key();
    assert!(!text.contains(key), "the secret key is in:\n{text}");
    for expected in [
        "version: ",
        "environment: sandbox",
        "sales: 1 (PAID 1)",
        "last backup: 20",
        "log lines",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
    // The CLI's own runs were logged to files beside the ledger, and redacted there too.
    let logs = shop.db.with_file_name("logs");
    let files: Vec<_> = std::fs::read_dir(&logs).expect("a logs folder").collect();
    assert!(!files.is_empty());
    for file in files {
        let log = std::fs::read_to_string(file.unwrap().path()).unwrap();
        assert!(!log.contains(key), "the secret key is in a log file:\n{log}");
    }
}
