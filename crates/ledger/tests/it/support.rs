//! Shared test fixtures: a ledger on either engine (a file in a temporary folder, or a fresh
//! database on the test PostgreSQL), sales, webhook bodies as JSON bytes.

use recur_domain::{Currency, Mode, Money, ProductId, SaleState, Timestamp, TxnId};
use recur_ledger::{Ledger, NewCheckout, NewSale, Sale, WebhookOutcome, WebhookReceipt};
use serde_json::{json, Value};

/// 2026-11-29T09:40:08Z.
pub const T0: i64 = 1_796_031_608_000;

pub fn at(offset_ms: i64) -> Timestamp {
    Timestamp::from_unix_ms(T0 + offset_ms)
}

pub struct TestLedger {
    pub ledger: Ledger,
    /// The file's path or the database's URL: where [`TestLedger::reopen`] opens another handle.
    pub location: String,
    // Dropped after the ledger: the database is dropped once no handle is left on it.
    _database: Option<TestDatabase>,
    // Held so the folder outlives the ledger.
    pub dir: tempfile::TempDir,
}

impl TestLedger {
    /// Another handle on the same ledger, writing as `origin` (a second process, a second
    /// counter).
    pub fn reopen(&self, origin: recur_ledger::Origin) -> Ledger {
        Ledger::open_at(&self.location, None, origin).expect("a second handle on the ledger")
    }

    /// Every row of `queries`, one string each, in the engine's own text form (comparable between
    /// two ledgers of the same engine).
    pub fn dump(&self, queries: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        if self._database.is_some() {
            let mut client = postgres::Client::connect(&self.location, postgres::NoTls).expect("connect");
            for sql in queries {
                for message in client.simple_query(sql).expect(sql) {
                    if let postgres::SimpleQueryMessage::Row(row) = message {
                        let cells: Vec<String> = (0..row.len())
                            .map(|i| row.get(i).unwrap_or("NULL").to_owned())
                            .collect();
                        out.push(cells.join("|"));
                    }
                }
            }
        } else {
            let conn = rusqlite::Connection::open(&self.location).expect("open");
            for sql in queries {
                let mut statement = conn.prepare(sql).expect(sql);
                let columns = statement.column_count();
                let rows = statement
                    .query_map([], |row| {
                        let cells: Vec<String> = (0..columns)
                            .map(|i| match row.get_ref(i).unwrap() {
                                rusqlite::types::ValueRef::Null => "NULL".to_owned(),
                                rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                                rusqlite::types::ValueRef::Real(r) => r.to_string(),
                                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                                rusqlite::types::ValueRef::Blob(b) => format!("{b:?}"),
                            })
                            .collect();
                        Ok(cells.join("|"))
                    })
                    .expect(sql);
                out.extend(rows.map(Result::unwrap));
            }
        }
        out
    }
}

/// A database of its own on the test PostgreSQL, dropped when the test ends.
struct TestDatabase {
    admin: String,
    name: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// The test PostgreSQL's URL. Required: scripts/test.sh starts a throwaway server
/// (scripts/pg.sh) and sets it; a run without it fails rather than skipping the shared ledger.
pub fn test_pg_url() -> String {
    std::env::var("RECUR_POS_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
        .expect(
            "RECUR_POS_TEST_PG is not set: run the tests with scripts/test.sh, or start the test \
         PostgreSQL with `scripts/pg.sh start` and `eval \"$(scripts/pg.sh env)\"`",
        )
}

/// A fresh, empty database on the test PostgreSQL; its URL.
pub fn fresh_database() -> (String, String) {
    let admin = test_pg_url();
    let name = format!("recur_test_{:016x}", fastrand::u64(..));
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to the test PostgreSQL");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create a test database");
    let mut url = url::Url::parse(&admin).expect("a URL");
    url.set_path(&name);
    (url.to_string(), name)
}

/// A new ledger on the shop's engine: a fresh PostgreSQL database.
pub fn pg_ledger() -> TestLedger {
    let (location, name) = fresh_database();
    let database = TestDatabase {
        admin: test_pg_url(),
        name,
    };
    let ledger = Ledger::open_at(&location, None, recur_ledger::Origin::default()).expect("open the shared ledger");
    TestLedger {
        ledger,
        location,
        _database: Some(database),
        dir: tempfile::tempdir().expect("temp dir"),
    }
}

impl std::ops::Deref for TestLedger {
    type Target = Ledger;
    fn deref(&self) -> &Ledger {
        &self.ledger
    }
}

/// A new ledger on a file of its own.
pub fn file_ledger() -> TestLedger {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested/folder/ledger.db");
    let ledger = Ledger::open(&path).expect("open ledger");
    TestLedger {
        ledger,
        location: path.display().to_string(),
        _database: None,
        dir,
    }
}

/// The file-only tests' ledger (backups, migrations).
pub fn ledger() -> TestLedger {
    file_ledger()
}

pub fn new_sale(name: &str, amount: i64) -> NewSale {
    NewSale {
        product_id: ProductId::new(format!("prod_{amount}")),
        product_name: name.to_owned(),
        mode: Mode::Payment,
        amount: Money::new(amount),
        currency: Currency::twd(),
        customer_email: Some("same@example.com".to_owned()),
        customer_name: None,
    }
}

pub fn checkout(id: &str) -> NewCheckout {
    NewCheckout {
        checkout_id: id.into(),
        url: format!("https://checkout.recur.tw/{id}"),
        expires_at: Some(at(30 * 60 * 1000)),
    }
}

/// A sale that is OPEN on checkout `checkout_id`.
pub fn open_sale(ledger: &Ledger, name: &str, amount: i64, checkout_id: &str) -> Sale {
    let sale = ledger.create_sale(new_sale(name, amount), at(0)).expect("create");
    let sale = ledger
        .attach_checkout(&sale.id, checkout(checkout_id), at(1))
        .expect("attach");
    assert_eq!(sale.state, SaleState::Open);
    sale
}

/// A webhook envelope as Recur sends it.
pub fn body(id: &str, kind: &str, timestamp_offset: i64, data: Value) -> Vec<u8> {
    let envelope = json!({"id": id, "type": kind, "timestamp": at(timestamp_offset).to_rfc3339(), "data": data});
    serde_json::to_vec(&envelope).expect("json")
}

pub fn receipt(body: Vec<u8>) -> WebhookReceipt {
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let header = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
    WebhookReceipt {
        event_id_header: header("id"),
        event_type_header: header("type"),
        headers: vec![
            ("X-Recur-Signature".to_owned(), "c2lnbmF0dXJl".to_owned()),
            ("Authorization".to_owned(), "Bearer should-not-be-kept".to_owned()),
        ],
        body,
        received_at: at(5_000),
    }
}

pub fn deliver(ledger: &Ledger, body: Vec<u8>) -> WebhookOutcome {
    ledger
        .receive_webhook(&receipt(body), at(6_000))
        .expect("receive webhook")
}

pub fn completed(event: &str, checkout: &str, txn: Option<&TxnId>, amount: i64) -> Vec<u8> {
    let metadata = txn.map_or(json!({}), |t| json!({"transaction_id": t.as_str()}));
    body(
        event,
        "checkout.completed",
        100,
        json!({
            "id": checkout, "status": "COMPLETED", "amount": amount, "currency": "TWD",
            "customer": {"email": "same@example.com", "name": "王小明"}, "customer_email": "same@example.com",
            "metadata": metadata, "completed_at": at(95).to_rfc3339()
        }),
    )
}

pub fn order_paid(event: &str, order: &str, checkout: &str, txn: Option<&TxnId>, amount: i64) -> Vec<u8> {
    let metadata = txn.map_or(json!({}), |t| json!({"transaction_id": t.as_str()}));
    body(
        event,
        "order.paid",
        101,
        json!({
            "id": order, "checkout_id": checkout, "status": "PAID", "amount": amount, "currency": "TWD",
            "paid_at": at(90).to_rfc3339(), "billing_reason": "purchase", "metadata": metadata,
            "customer": {"email": "same@example.com", "name": "王小明"}
        }),
    )
}

pub fn refund(event: &str, kind: &str, refund_id: &str, order: &str, status: &str, amount: i64) -> Vec<u8> {
    body(
        event,
        kind,
        200,
        json!({
            "id": refund_id, "order_id": order, "status": status, "amount": amount, "currency": "TWD"
        }),
    )
}

pub fn state_of(ledger: &Ledger, id: &TxnId) -> SaleState {
    ledger.sale(id).expect("read").expect("sale exists").sale.state
}

pub fn sale_of(ledger: &Ledger, id: &TxnId) -> Sale {
    ledger.sale(id).expect("read").expect("sale exists").sale
}

/// The codes of a sale's attention notes.
pub fn notes(sale: &Sale) -> Vec<&'static str> {
    sale.attention.iter().map(|n| n.code().as_str()).collect()
}
