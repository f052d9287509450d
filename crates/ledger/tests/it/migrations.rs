//! Opening, migrating and reopening ledger files.

use recur_ledger::{Ledger, LedgerError, SaleFilter, SCHEMA_VERSION};

use crate::support::{at, ledger, new_sale};

const TABLES: [&str; 7] = [
    "sales",
    "checkouts",
    "transitions",
    "webhook_journal",
    "refunds",
    "subscriptions",
    "renewals",
];

#[test]
fn a_fresh_file_gets_every_table_and_the_current_version() {
    let ledger = ledger();
    assert!(ledger.path().exists(), "folders and file are created");
    assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
    let conn = rusqlite::Connection::open(ledger.path()).unwrap();
    for table in TABLES {
        let found: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(found, 1, "table {table}");
    }
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn reopening_keeps_the_data_and_runs_nothing_again() {
    let first = ledger();
    let path = first.path().to_path_buf();
    let sale = first.create_sale(new_sale("儲值 100 點", 100), at(0)).unwrap();
    let crate::support::TestLedger { ledger, dir } = first;
    drop(ledger);
    let reopened = Ledger::open(&path).expect("reopen");
    assert_eq!(reopened.schema_version().unwrap(), SCHEMA_VERSION);
    let sales = reopened.sales(&SaleFilter::default()).unwrap();
    assert_eq!(sales.iter().map(|s| &s.id).collect::<Vec<_>>(), vec![&sale.id]);
    drop(dir);
}

#[test]
fn a_file_from_a_newer_program_is_refused() {
    let first = ledger();
    let path = first.path().to_path_buf();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
        .unwrap();
    drop(conn);
    let err = Ledger::open(&path).expect_err("newer schema");
    assert!(
        matches!(err, LedgerError::SchemaTooNew { found, known } if found == SCHEMA_VERSION + 1 && known == SCHEMA_VERSION)
    );
    assert_eq!(err.code(), "ledger_schema_too_new");
}

#[test]
fn default_path_honours_the_environment() {
    // The only test that touches RECUR_POS_DB.
    std::env::set_var("RECUR_POS_DB", "/tmp/somewhere/else.db");
    assert_eq!(
        Ledger::default_path(),
        std::path::PathBuf::from("/tmp/somewhere/else.db")
    );
    std::env::remove_var("RECUR_POS_DB");
    assert!(Ledger::default_path().ends_with("recur-pos/ledger.db"));
}
