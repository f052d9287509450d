//! The schema, as embedded forward-only migrations tracked in SQLite's `user_version`.
//!
//! Migration `n` (1-based) is `MIGRATIONS[n - 1]`. A migration is never edited once released:
//! a change is a new entry at the end. All pending migrations run in one transaction, so a file
//! is either fully at the new version or untouched. Not here: data fixes or seeding.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::LedgerError;

/// Money columns are integer whole units; times are Unix milliseconds; states are upper case.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE sales (
    id               TEXT PRIMARY KEY,
    product_id       TEXT NOT NULL,
    product_name     TEXT NOT NULL,
    mode             TEXT NOT NULL,
    amount           INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    customer_email   TEXT,
    customer_name    TEXT,
    state            TEXT NOT NULL,
    checkout_id      TEXT,
    url              TEXT,
    expires_at       INTEGER,
    order_id         TEXT,
    subscription_id  TEXT,
    paid_amount      INTEGER,
    paid_currency    TEXT,
    paid_checkout_id TEXT,
    paid_email       TEXT,
    paid_name        TEXT,
    refunded_amount  INTEGER NOT NULL DEFAULT 0,
    page_opened_at   INTEGER,
    paid_at          INTEGER,
    failure          TEXT,
    attention        TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX sales_by_state ON sales(state, created_at);
CREATE INDEX sales_by_created ON sales(created_at);
CREATE INDEX sales_by_order ON sales(order_id);

CREATE TABLE checkouts (
    checkout_id TEXT PRIMARY KEY,
    sale_id     TEXT NOT NULL REFERENCES sales(id),
    url         TEXT NOT NULL,
    expires_at  INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX checkouts_by_sale ON checkouts(sale_id);

CREATE TABLE transitions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    sale_id    TEXT NOT NULL REFERENCES sales(id),
    from_state TEXT,
    to_state   TEXT NOT NULL,
    cause      TEXT NOT NULL,
    reference  TEXT,
    note       TEXT,
    at         INTEGER NOT NULL
);
CREATE INDEX transitions_by_sale ON transitions(sale_id, seq);

CREATE TABLE webhook_journal (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT,
    event_type   TEXT,
    verified     INTEGER NOT NULL,
    claimed      INTEGER NOT NULL DEFAULT 0,
    body         BLOB NOT NULL,
    headers      TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    sale_id      TEXT,
    detail       TEXT,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 1
);
-- The dedupe key: one claimed (verified and decoded) row per event id. Rejected deliveries
-- claim nothing, so a later valid delivery of the same id still applies.
CREATE UNIQUE INDEX webhook_journal_event_once ON webhook_journal(event_id) WHERE claimed = 1;
CREATE INDEX webhook_journal_by_outcome ON webhook_journal(outcome, seq);

CREATE TABLE refunds (
    refund_id       TEXT PRIMARY KEY,
    sale_id         TEXT REFERENCES sales(id),
    order_id        TEXT,
    status          TEXT NOT NULL,
    amount          INTEGER,
    refunded_amount INTEGER,
    original_amount INTEGER,
    currency        TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX refunds_by_sale ON refunds(sale_id);
CREATE INDEX refunds_by_order ON refunds(order_id);

CREATE TABLE subscriptions (
    subscription_id    TEXT PRIMARY KEY,
    status             TEXT,
    status_at          INTEGER,
    current_period_end INTEGER,
    product_id         TEXT,
    sale_id            TEXT REFERENCES sales(id),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE TABLE renewals (
    renewal_id      TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions(subscription_id),
    invoice_id      TEXT,
    order_id        TEXT,
    amount          INTEGER,
    currency        TEXT,
    paid_at         INTEGER,
    billing_reason  TEXT,
    recorded_at     INTEGER NOT NULL
);
CREATE INDEX renewals_by_subscription ON renewals(subscription_id);
"#,
    UNVERIFIED_DIGESTS,
];

/// Migration 2: a delivery whose signature did not verify keeps a digest instead of its body
/// (anyone who reaches the tunnel can send one), and the journal keeps only the newest thousand of
/// them. Existing unverified rows are cut down the same way; their SHA-256 stays unknown.
const UNVERIFIED_DIGESTS: &str = r#"
ALTER TABLE webhook_journal ADD COLUMN body_len INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_journal ADD COLUMN body_sha256 TEXT;
UPDATE webhook_journal SET body_len = length(body);
UPDATE webhook_journal SET body = substr(body, 1, 256) WHERE verified = 0 AND length(body) > 256;
CREATE INDEX webhook_journal_unverified ON webhook_journal(seq) WHERE verified = 0;
DELETE FROM webhook_journal WHERE verified = 0 AND seq NOT IN
    (SELECT seq FROM webhook_journal WHERE verified = 0 ORDER BY seq DESC LIMIT 1000);
"#;

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings `conn` up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<i64, LedgerError> {
    run(conn, MIGRATIONS)
}

fn run(conn: &mut Connection, migrations: &[&str]) -> Result<i64, LedgerError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = migrations.len() as i64;
    if found > known {
        return Err(LedgerError::SchemaTooNew { found, known });
    }
    for (index, sql) in migrations.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)?;
        tracing::info!(version = index + 1, "ledger migration applied");
    }
    // PRAGMA takes no bound parameters; `known` is our own integer.
    tx.execute_batch(&format!("PRAGMA user_version = {known}"))?;
    tx.commit()?;
    Ok(known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_new_migrations_run_on_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let first: &[&str] = &["CREATE TABLE a (x INTEGER);"];
        // Running the first migration again would fail ("table a already exists").
        let second: &[&str] = &[first[0], "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);"];
        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(run(&mut conn, first).unwrap(), 1);
        drop(conn);
        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(run(&mut conn, second).unwrap(), 2);
        assert_eq!(run(&mut conn, second).unwrap(), 2, "nothing pending: a no-op");
        let rows: i64 = conn.query_row("SELECT count(*) FROM a", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1, "the second migration ran exactly once");
        assert!(matches!(
            run(&mut conn, first),
            Err(LedgerError::SchemaTooNew { found: 2, known: 1 })
        ));
    }

    #[test]
    fn a_failing_migration_leaves_the_file_untouched() {
        let mut conn = Connection::open_in_memory().unwrap();
        let broken: &[&str] = &["CREATE TABLE a (x INTEGER);", "THIS IS NOT SQL;"];
        assert!(run(&mut conn, broken).is_err());
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'a'", [], |r| r.get(0))
            .unwrap();
        assert_eq!((version, tables), (0, 0));
    }
}
