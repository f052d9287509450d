//! Opening, migrating and reopening ledger files.

use recur_domain::{Attention, Currency, Day, ErrorCode, Failure, Money};
use recur_ledger::{Ledger, LedgerError, SaleFilter, SCHEMA_VERSION};

use crate::support::{at, ledger, new_sale, T0};
use recur_domain::EventId;
use recur_ledger::UnverifiedDelivery;

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
    let crate::support::TestLedger { ledger, dir, .. } = first;
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

/// `tests/fixtures/ledger-v1.sqlite` was written by the schema-1 program itself (its own sales,
/// facts and refunds, one of each note and failure it knew), so this reads exactly what shops'
/// ledgers hold: prose notes joined on `; ` — including the notes that contain `; ` themselves.
#[test]
fn a_schema_one_ledger_keeps_every_note_and_failure_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ledger-v1.sqlite");
    std::fs::copy(fixture, &path).unwrap();
    let ledger = Ledger::open(&path).expect("migrates");
    assert_eq!(ledger.schema_version().unwrap(), SCHEMA_VERSION);
    let mut sales = ledger.sales(&SaleFilter::default()).unwrap();
    sales.reverse();
    let got: Vec<(&str, &Vec<Attention>, Option<&Failure>)> = sales
        .iter()
        .map(|s| (s.product_name.as_str(), &s.attention, s.failure.as_ref()))
        .collect();
    let named = sales
        .iter()
        .find(|s| s.product_name == "B")
        .map(|s| s.id.clone())
        .unwrap();
    let money = Money::new;
    let declined = |code: Option<&str>, message: Option<&str>| Failure::Declined {
        code: code.map(str::to_owned),
        message: message.map(str::to_owned),
    };
    let expected: Vec<(&str, Vec<Attention>, Option<Failure>)> = vec![
        (
            "A 衝突",
            vec![Attention::MatchConflict {
                checkout: "cs_conflict_a".into(),
                named,
            }],
            None,
        ),
        ("B", vec![], None),
        (
            "取消後付款",
            vec![
                Attention::AmountMismatch {
                    expected: money(120),
                    received: money(100),
                },
                Attention::PaidAfterCancel,
            ],
            None,
        ),
        ("金額未知", vec![Attention::AmountMissing], None),
        (
            "幣別",
            vec![Attention::CurrencyMismatch {
                expected: Currency::twd(),
                received: Currency::new("USD"),
            }],
            None,
        ),
        (
            "付兩次",
            vec![
                Attention::double_payment("cs_double_1", "cs_double_2"),
                Attention::double_payment("ord_double_1", "ord_double_2"),
            ],
            None,
        ),
        (
            "dummy",
            vec![],
            Some(Failure::CreateFailed {
                error: ErrorCode::RecurTimeout,
            }),
        ),
        (
            "退款",
            vec![
                Attention::OverRefunded {
                    refunded: money(1_050),
                    paid: money(450),
                },
                Attention::RefundAmountUnknown {
                    refund: "rf_noamount".into(),
                },
                Attention::RefundCurrencyMismatch {
                    refund: "rf_usd".into(),
                    currency: Currency::new("USD"),
                    sale_currency: Currency::twd(),
                },
            ],
            None,
        ),
        ("中斷", vec![], Some(Failure::Interrupted)),
        (
            "拒絕",
            vec![],
            Some(declined(Some("card_declined"), Some("Your card was declined"))),
        ),
        ("拒絕", vec![], Some(declined(Some("insufficient_funds"), None))),
        ("拒絕", vec![], Some(declined(None, None))),
    ];
    let expected: Vec<(&str, &Vec<Attention>, Option<&Failure>)> =
        expected.iter().map(|(n, a, f)| (*n, a, f.as_ref())).collect();
    assert_eq!(got, expected);
    let summary = ledger.day_summary(Day::containing(sales[0].created_at)).unwrap();
    assert_eq!(
        summary.attention, 6,
        "sales with notes, counted from the migrated column"
    );
}

#[test]
fn the_migration_cuts_unverified_bodies_written_by_the_first_schema() {
    // A ledger the first schema's program wrote (tests/fixtures), with 1,005 rejected rows of
    // 64 KiB each and one verified row added the way that schema stored them.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ledger-v1.sqlite"),
        &path,
    )
    .unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 1, "the fixture is the first schema");
    let whole = br#"{"id":"evt_whole","type":"checkout.completed","data":{"id":"cs_none"}}"#.to_vec();
    conn.execute(
        "INSERT INTO webhook_journal (event_id, verified, claimed, body, headers, outcome, received_at) \
         VALUES ('evt_whole', 1, 1, ?1, '[]', 'unmatched', ?2)",
        rusqlite::params![whole, T0],
    )
    .unwrap();
    let big = vec![b'z'; 64 * 1024];
    for n in 0..1_005 {
        conn.execute(
            "INSERT INTO webhook_journal (event_id, verified, body, headers, outcome, received_at) \
             VALUES (?1, 0, ?2, '[]', 'rejected', ?3)",
            rusqlite::params![format!("evt_junk_{n}"), big, T0 + n],
        )
        .unwrap();
    }
    drop(conn);
    let reopened = Ledger::open(&path).unwrap();
    let entries = reopened.journal(100_000).unwrap();
    let (rejected, verified): (Vec<_>, Vec<_>) = entries.iter().partition(|e| !e.verified);
    assert_eq!(rejected.len(), UnverifiedDelivery::KEPT);
    assert_eq!(rejected.last().unwrap().event_id, Some(EventId::new("evt_junk_5")));
    assert!(rejected.iter().all(|e| e.body.len() == UnverifiedDelivery::PREFIX_BYTES
        && e.body_len == 64 * 1024
        && e.body_sha256.is_none()));
    assert_eq!(verified.len(), 1);
    assert_eq!(
        verified[0].body_len,
        verified[0].body.len() as u64,
        "verified bodies stay whole"
    );
}
