//! The schema, as embedded forward-only migrations tracked in SQLite's `user_version`.
//!
//! Migration `n` (1-based) is `MIGRATIONS[n - 1]`. A migration is never edited once released:
//! a change is a new entry at the end. All pending migrations run in one transaction, so a file
//! is either fully at the new version or untouched. Most are SQL; one that must read what an
//! older version wrote as prose is code ([`Migration::Code`]). Not here: seeding.

use rusqlite::{params, Connection, TransactionBehavior};

use crate::error::LedgerError;

/// One step of the schema.
pub(crate) enum Migration {
    Sql(&'static str),
    Code(fn(&Connection) -> Result<(), LedgerError>),
}

impl Migration {
    fn run(&self, conn: &Connection) -> Result<(), LedgerError> {
        match self {
            Migration::Sql(sql) => Ok(conn.execute_batch(sql)?),
            Migration::Code(step) => step(conn),
        }
    }
}

const MIGRATIONS: &[Migration] = &[
    Migration::Sql(V1_SCHEMA),
    Migration::Code(v2_notes_as_data),
    Migration::Sql(UNVERIFIED_DIGESTS),
    Migration::Sql(V4_BILLING),
    Migration::Code(v5_owner),
    Migration::Sql(V6_MANAGER),
    Migration::Sql(V7_ORIGIN),
    Migration::Sql(PRINT_JOBS),
];

/// Money columns are integer whole units; times are Unix milliseconds; states are upper case.
const V1_SCHEMA: &str = r#"
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
"#;

/// Attention notes and failure reasons as data (schema 1 kept them as prose in `sales`).
const V2_NOTES: &str = r#"
CREATE TABLE sale_attention (
    sale_id  TEXT NOT NULL REFERENCES sales(id),
    code     TEXT NOT NULL,
    -- A JSON object with sorted keys; money as integers. The key keeps each note once.
    params   TEXT NOT NULL,
    noted_at INTEGER NOT NULL,
    PRIMARY KEY (sale_id, code, params)
) WITHOUT ROWID;
ALTER TABLE sales ADD COLUMN attention_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sales ADD COLUMN failure_code TEXT;
ALTER TABLE sales ADD COLUMN failure_params TEXT;
"#;

/// What Recur bills and issues after the first payment: failed renewals (a renewal row keeps
/// its status), e-invoices by order, and the ids a journaled event names besides a sale, so an
/// event that arrived before its sale was known is adopted when the sale is.
const V4_BILLING: &str = r#"
ALTER TABLE renewals ADD COLUMN status TEXT NOT NULL DEFAULT 'PAID';
ALTER TABLE renewals ADD COLUMN failure_code TEXT;
ALTER TABLE renewals ADD COLUMN failure_message TEXT;
CREATE INDEX renewals_by_order ON renewals(order_id);
CREATE TABLE einvoices (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id         TEXT,
    invoice_id       TEXT,
    sale_id          TEXT REFERENCES sales(id),
    kind             TEXT NOT NULL,
    invoice_number   TEXT,
    allowance_number TEXT,
    status           TEXT,
    amount           INTEGER,
    currency         TEXT,
    failure_code     TEXT,
    failure_message  TEXT,
    at               INTEGER,
    data             TEXT NOT NULL,
    recorded_at      INTEGER NOT NULL
);
-- One row per e-invoice event, however often it is delivered.
CREATE UNIQUE INDEX einvoices_once ON einvoices(COALESCE(order_id, ''), COALESCE(invoice_id, ''), kind,
    COALESCE(invoice_number, ''), COALESCE(allowance_number, ''));
CREATE INDEX einvoices_by_sale ON einvoices(sale_id);
CREATE INDEX einvoices_by_order ON einvoices(order_id);
ALTER TABLE webhook_journal ADD COLUMN order_id TEXT;
ALTER TABLE webhook_journal ADD COLUMN subscription_id TEXT;
CREATE INDEX webhook_journal_waiting_order ON webhook_journal(order_id) WHERE outcome = 'unmatched';
CREATE INDEX webhook_journal_waiting_subscription ON webhook_journal(subscription_id) WHERE outcome = 'unmatched';
CREATE INDEX webhook_journal_by_sale ON webhook_journal(sale_id, seq);
"#;

/// The owner's half: cash as a tender, the day's closes, and what keeps history instant at a
/// million sales — keyset-paging indexes, a covering index for totals by day, and a trigram
/// full-text index of customers' emails and names (kept by triggers).
const V5_OWNER: &str = r#"
ALTER TABLE sales ADD COLUMN tender TEXT NOT NULL DEFAULT 'recur';
ALTER TABLE sales ADD COLUMN cash_tendered INTEGER;
DROP INDEX sales_by_created;
DROP INDEX sales_by_state;
CREATE INDEX sales_by_time ON sales(created_at, id);
CREATE INDEX sales_by_amount ON sales(amount, created_at, id);
-- Totals of any day range read this index alone.
CREATE INDEX sales_totals ON sales(created_at, state, tender, mode, amount, paid_amount, refunded_amount,
    attention_count);
CREATE INDEX sales_by_state ON sales(state, created_at, id);
CREATE INDEX sales_by_product ON sales(product_id, created_at, id);
CREATE INDEX sales_by_subscription ON sales(subscription_id);
CREATE INDEX sales_needing_a_look ON sales(created_at, id) WHERE attention_count > 0;
-- A day's renewals (the report, the trend) by the instant they count on.
CREATE INDEX renewals_by_day ON renewals(COALESCE(paid_at, recorded_at), status, amount);

CREATE VIRTUAL TABLE sales_text USING fts5(
    customer_email, customer_name, paid_email, paid_name,
    content = 'sales', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO sales_text(sales_text) VALUES ('rebuild');
CREATE TABLE closes (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    shop               TEXT NOT NULL DEFAULT '',
    day                TEXT NOT NULL,
    closed_at          INTEGER NOT NULL,
    closed_by          TEXT,
    expected_cash      INTEGER NOT NULL,
    counted_cash       INTEGER,
    -- Every state change up to this one is in the close; later ones are the next close's
    -- adjustments.
    through_transition INTEGER NOT NULL,
    figures            TEXT NOT NULL,
    UNIQUE (shop, day)
);
"#;

/// Every receipt, day report, test page and drawer opening sent to a printer: what was printed
/// (the laid-out lines, JSON), where, and how it went, so a failed receipt is printed again by
/// hand and never lost.
const PRINT_JOBS: &str = r#"
CREATE TABLE print_jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    sale_id     TEXT REFERENCES sales(id),
    day         TEXT,
    printer     TEXT NOT NULL,
    paper       INTEGER NOT NULL,
    mode        TEXT NOT NULL,
    kick        INTEGER NOT NULL DEFAULT 0,
    lines       TEXT NOT NULL,
    state       TEXT NOT NULL,
    error       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX print_jobs_sale ON print_jobs(sale_id, id) WHERE sale_id IS NOT NULL;
CREATE INDEX print_jobs_failed ON print_jobs(id) WHERE state = 'FAILED';
"#;

fn v5_owner(conn: &Connection) -> Result<(), LedgerError> {
    conn.execute_batch(V5_OWNER)?;
    Ok(conn.execute_batch(TEXT_TRIGGERS)?)
}

/// Keep the text index of migration 5 in step with `sales` (the seed drops them while it fills
/// a ledger and puts them back).
pub(crate) const TEXT_TRIGGERS: &str = r#"
CREATE TRIGGER sales_text_insert AFTER INSERT ON sales BEGIN
    INSERT INTO sales_text(rowid, customer_email, customer_name, paid_email, paid_name)
    VALUES (new.rowid, new.customer_email, new.customer_name, new.paid_email, new.paid_name);
END;
CREATE TRIGGER sales_text_update AFTER UPDATE OF customer_email, customer_name, paid_email, paid_name ON sales BEGIN
    INSERT INTO sales_text(sales_text, rowid, customer_email, customer_name, paid_email, paid_name)
    VALUES ('delete', old.rowid, old.customer_email, old.customer_name, old.paid_email, old.paid_name);
    INSERT INTO sales_text(rowid, customer_email, customer_name, paid_email, paid_name)
    VALUES (new.rowid, new.customer_email, new.customer_name, new.paid_email, new.paid_name);
END;
CREATE TRIGGER sales_text_delete AFTER DELETE ON sales BEGIN
    INSERT INTO sales_text(sales_text, rowid, customer_email, customer_name, paid_email, paid_name)
    VALUES ('delete', old.rowid, old.customer_email, old.customer_name, old.paid_email, old.paid_name);
END;
"#;

/// Creates the tables of [`V2_NOTES`], reads every note and failure schema 1 wrote, stores
/// them as data, and drops the prose columns.
fn v2_notes_as_data(conn: &Connection) -> Result<(), LedgerError> {
    conn.execute_batch(V2_NOTES)?;
    let rows: Vec<(String, Option<String>, Option<String>, i64)> = {
        let mut stmt = conn.prepare(
            "SELECT id, attention, failure, updated_at FROM sales WHERE attention IS NOT NULL OR failure IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, attention, failure, at) in rows {
        let sale = recur_domain::TxnId::new(id);
        for note in attention
            .as_deref()
            .map(crate::legacy::attention_notes)
            .unwrap_or_default()
        {
            crate::rows::insert_note(
                &crate::sql::Db::Sqlite(conn),
                &sale,
                &note,
                recur_domain::Timestamp::from_unix_ms(at),
            )?;
        }
        if let Some(text) = failure {
            let failure = crate::legacy::failure(&text);
            conn.execute(
                "UPDATE sales SET failure_code = ?2, failure_params = ?3 WHERE id = ?1",
                params![
                    sale.as_str(),
                    failure.code().as_str(),
                    failure.stored_params().to_string()
                ],
            )?;
        }
    }
    conn.execute_batch("ALTER TABLE sales DROP COLUMN attention; ALTER TABLE sales DROP COLUMN failure;")?;
    Ok(())
}

/// Migration 3: a delivery whose signature did not verify keeps a digest instead of its body
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

/// The ledger's environment stamp (a live ledger never opens for the sandbox, nor the reverse),
/// the manager's PIN (an Argon2id hash, with the count of wrong tries and the lock-out) and the
/// audit log of what the manager did.
const V6_MANAGER: &str = r#"
CREATE TABLE ledger_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE manager_pin (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    hash         TEXT NOT NULL,
    set_at       INTEGER NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE audit_log (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    who    TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_time ON audit_log(at, seq);
"#;

/// Where each sale was made: the shop and the counter (blank for the one counter of a one-shop
/// ledger, and for every sale written before this). History filters by either; the indexes are
/// partial, so a one-counter ledger (every name blank) pays nothing for them.
const V7_ORIGIN: &str = r#"
ALTER TABLE sales ADD COLUMN shop TEXT NOT NULL DEFAULT '';
ALTER TABLE sales ADD COLUMN counter TEXT NOT NULL DEFAULT '';
CREATE INDEX sales_by_shop ON sales(shop, created_at, id) WHERE shop <> '';
CREATE INDEX sales_by_counter ON sales(counter, created_at, id) WHERE counter <> '';
"#;

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings `conn` up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<i64, LedgerError> {
    run(conn, MIGRATIONS)
}

fn run(conn: &mut Connection, migrations: &[Migration]) -> Result<i64, LedgerError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = migrations.len() as i64;
    if found > known {
        return Err(LedgerError::SchemaTooNew { found, known });
    }
    for (index, migration) in migrations.iter().enumerate().skip(found as usize) {
        migration.run(&tx)?;
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
        let first = &[Migration::Sql("CREATE TABLE a (x INTEGER);")];
        // Running the first migration again would fail ("table a already exists").
        let second = &[
            Migration::Sql("CREATE TABLE a (x INTEGER);"),
            Migration::Sql("CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);"),
        ];
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
        let broken = &[
            Migration::Sql("CREATE TABLE a (x INTEGER);"),
            Migration::Sql("THIS IS NOT SQL;"),
        ];
        assert!(run(&mut conn, broken).is_err());
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'a'", [], |r| r.get(0))
            .unwrap();
        assert_eq!((version, tables), (0, 0));
    }
}
