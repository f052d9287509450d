//! Reading and writing single rows: the mapping between SQLite columns and the domain types,
//! plus the few writes every rule shares (state changes, history, attention notes).
//!
//! Not here: deciding anything. Callers decide (through `state::decide`), these helpers record.

use rusqlite::types::Type;
use rusqlite::{params, Connection, OptionalExtension, Row};

use recur_domain::{CauseKind, Currency, Mode, Money, SaleState, Timestamp, TxnId};

use crate::error::LedgerError;
use crate::types::Sale;

/// The columns [`sale_from_row`] reads, in order. The customer is shown as paid when known,
/// else as prefilled (both are kept).
pub(crate) const SALE_COLUMNS: &str = "id, product_id, product_name, mode, amount, currency, \
    COALESCE(paid_email, customer_email), COALESCE(paid_name, customer_name), state, checkout_id, url, \
    expires_at, order_id, subscription_id, paid_amount, refunded_amount, page_opened_at, paid_at, failure, attention, created_at, updated_at";

pub(crate) fn sale_from_row(row: &Row<'_>) -> rusqlite::Result<Sale> {
    Ok(Sale {
        id: TxnId::new(row.get::<_, String>(0)?),
        product_id: row.get::<_, String>(1)?.into(),
        product_name: row.get(2)?,
        mode: parse_column(row, 3, Mode::parse)?,
        amount: Money::new(row.get(4)?),
        currency: Currency::new(&row.get::<_, String>(5)?),
        customer_email: row.get(6)?,
        customer_name: row.get(7)?,
        state: parse_column(row, 8, SaleState::parse)?,
        checkout_id: row.get::<_, Option<String>>(9)?.map(Into::into),
        url: row.get(10)?,
        expires_at: time(row.get(11)?),
        order_id: row.get::<_, Option<String>>(12)?.map(Into::into),
        subscription_id: row.get::<_, Option<String>>(13)?.map(Into::into),
        paid_amount: money(row.get(14)?),
        refunded_amount: Money::new(row.get(15)?),
        page_opened_at: time(row.get(16)?),
        paid_at: time(row.get(17)?),
        failure: row.get(18)?,
        attention: row.get(19)?,
        created_at: Timestamp::from_unix_ms(row.get(20)?),
        updated_at: Timestamp::from_unix_ms(row.get(21)?),
    })
}

/// A text column that must parse into one of our enums; anything else is a corrupt file.
pub(crate) fn parse_column<T>(row: &Row<'_>, index: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    parse(&text).ok_or_else(|| {
        let message = format!("unexpected value {text:?}");
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, message.into())
    })
}

pub(crate) fn money(value: Option<i64>) -> Option<Money> {
    value.map(Money::new)
}

pub(crate) fn time(value: Option<i64>) -> Option<Timestamp> {
    value.map(Timestamp::from_unix_ms)
}

pub(crate) fn load_sale(conn: &Connection, id: &TxnId) -> Result<Option<Sale>, LedgerError> {
    let sql = format!("SELECT {SALE_COLUMNS} FROM sales WHERE id = ?1");
    Ok(conn.query_row(&sql, [id.as_str()], sale_from_row).optional()?)
}

pub(crate) fn require_sale(conn: &Connection, id: &TxnId) -> Result<Sale, LedgerError> {
    load_sale(conn, id)?.ok_or_else(|| LedgerError::SaleNotFound(id.clone()))
}

/// One history row; every state change writes exactly one.
pub(crate) struct Step<'a> {
    pub sale: &'a TxnId,
    pub from: Option<SaleState>,
    pub to: SaleState,
    pub cause: CauseKind,
    pub reference: Option<&'a str>,
    pub note: Option<&'a str>,
    pub at: Timestamp,
}

impl<'a> Step<'a> {
    pub fn new(sale: &'a TxnId, from: Option<SaleState>, to: SaleState, cause: CauseKind, at: Timestamp) -> Self {
        Self {
            sale,
            from,
            to,
            cause,
            reference: None,
            note: None,
            at,
        }
    }

    pub fn reference(self, reference: Option<&'a str>) -> Self {
        Self { reference, ..self }
    }

    pub fn note(self, note: Option<&'a str>) -> Self {
        Self { note, ..self }
    }
}

/// Moves the sale to `step.to` and records the step.
pub(crate) fn record_step(conn: &Connection, step: &Step<'_>) -> Result<(), LedgerError> {
    conn.execute(
        "UPDATE sales SET state = ?2, updated_at = ?3 WHERE id = ?1",
        params![step.sale.as_str(), step.to.as_str(), step.at.unix_ms()],
    )?;
    conn.execute(
        "INSERT INTO transitions (sale_id, from_state, to_state, cause, reference, note, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            step.sale.as_str(),
            step.from.map(SaleState::as_str),
            step.to.as_str(),
            step.cause.as_str(),
            step.reference,
            step.note,
            step.at.unix_ms()
        ],
    )?;
    Ok(())
}

/// Adds a note to the sale's attention list. The list is kept sorted and free of repeats, so
/// the same facts in any order, any number of times, leave the same text.
pub(crate) fn flag(conn: &Connection, sale: &TxnId, note: &str, now: Timestamp) -> Result<(), LedgerError> {
    let current: Option<String> =
        conn.query_row("SELECT attention FROM sales WHERE id = ?1", [sale.as_str()], |r| {
            r.get(0)
        })?;
    let mut notes: Vec<&str> = current.as_deref().map(|c| c.split("; ").collect()).unwrap_or_default();
    if notes.contains(&note) {
        return Ok(());
    }
    notes.push(note);
    notes.sort_unstable();
    tracing::warn!(sale = %sale, note, "sale flagged for attention");
    conn.execute(
        "UPDATE sales SET attention = ?2, updated_at = ?3 WHERE id = ?1",
        params![sale.as_str(), notes.join("; "), now.unix_ms()],
    )?;
    Ok(())
}
