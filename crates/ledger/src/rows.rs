//! Reading and writing single rows: the mapping between SQLite columns and the domain types,
//! plus the few writes every rule shares (state changes, history, attention notes).
//!
//! Not here: deciding anything. Callers decide (through `state::decide`), these helpers record.

use crate::sql::{args, Db, Optional, Row, SqlError, SqlResult};

use recur_domain::{
    Attention, CauseKind, Currency, Failure, Mode, Money, SaleState, StepNote, Tender, Timestamp, TxnId,
};

use crate::error::LedgerError;
use crate::types::Sale;

/// The columns [`sale_from_row`] reads, in order. The customer is shown as paid when known,
/// else as prefilled (both are kept). A sale's notes come along as one JSON array, read only for
/// the few sales that have any.
pub(crate) const SALE_COLUMNS: &str = "id, product_id, product_name, mode, amount, currency, \
    COALESCE(paid_email, customer_email), COALESCE(paid_name, customer_name), state, checkout_id, url, \
    expires_at, order_id, subscription_id, paid_amount, refunded_amount, page_opened_at, paid_at, \
    failure_code, failure_params, tender, cash_tendered, \
    CASE WHEN attention_count > 0 THEN (SELECT json_group_array(json_array(a.code, json(a.params))) \
        FROM sale_attention a WHERE a.sale_id = sales.id) END, \
    created_at, updated_at, shop, counter";

pub(crate) fn sale_from_row(row: &Row<'_>) -> SqlResult<Sale> {
    Ok(Sale {
        id: TxnId::new(row.get::<String>(0)?),
        product_id: row.get::<String>(1)?.into(),
        product_name: row.get(2)?,
        mode: parse_column(row, 3, Mode::parse)?,
        amount: Money::new(row.get(4)?),
        currency: Currency::new(&row.get::<String>(5)?),
        customer_email: row.get(6)?,
        customer_name: row.get(7)?,
        state: parse_column(row, 8, SaleState::parse)?,
        checkout_id: row.get::<Option<String>>(9)?.map(Into::into),
        url: row.get(10)?,
        expires_at: time(row.get(11)?),
        order_id: row.get::<Option<String>>(12)?.map(Into::into),
        subscription_id: row.get::<Option<String>>(13)?.map(Into::into),
        paid_amount: money(row.get(14)?),
        refunded_amount: Money::new(row.get(15)?),
        page_opened_at: time(row.get(16)?),
        paid_at: time(row.get(17)?),
        failure: failure_from(row.get(18)?, row.get(19)?),
        tender: parse_column(row, 20, Tender::parse)?,
        cash_tendered: money(row.get(21)?),
        attention: notes_from(row.get::<Option<String>>(22)?.as_deref()),
        created_at: Timestamp::from_unix_ms(row.get(23)?),
        updated_at: Timestamp::from_unix_ms(row.get(24)?),
        shop: row.get(25)?,
        counter: row.get(26)?,
    })
}

fn failure_from(code: Option<String>, params: Option<String>) -> Option<Failure> {
    let params = serde_json::from_str(params.as_deref().unwrap_or("{}")).unwrap_or_default();
    Failure::from_stored(&code?, &params)
}

/// The `[[code, params], …]` array of [`SALE_COLUMNS`]; a note this version cannot read (written
/// by a newer one) is kept visible as an `Other` note rather than hidden.
fn notes_from(json: Option<&str>) -> Vec<Attention> {
    let Some(json) = json else { return Vec::new() };
    let pairs: Vec<(String, serde_json::Value)> = serde_json::from_str(json).unwrap_or_default();
    pairs
        .into_iter()
        .map(|(code, params)| {
            Attention::from_stored(&code, &params).unwrap_or_else(|| Attention::Other {
                text: format!("{code} {params}"),
            })
        })
        .collect()
}

/// A text column that must parse into one of our enums; anything else is a corrupt file.
pub(crate) fn parse_column<T>(row: &Row<'_>, index: usize, parse: fn(&str) -> Option<T>) -> SqlResult<T> {
    let text: String = row.get(index)?;
    parse(&text).ok_or_else(|| SqlError::column(index, format!("unexpected value {text:?}")))
}

pub(crate) fn money(value: Option<i64>) -> Option<Money> {
    value.map(Money::new)
}

pub(crate) fn time(value: Option<i64>) -> Option<Timestamp> {
    value.map(Timestamp::from_unix_ms)
}

pub(crate) fn load_sale(conn: &Db<'_>, id: &TxnId) -> Result<Option<Sale>, LedgerError> {
    let sql = format!("SELECT {SALE_COLUMNS} FROM sales WHERE id = ?1");
    Ok(conn.row(&sql, [id.as_str()], sale_from_row).optional()?)
}

pub(crate) fn require_sale(conn: &Db<'_>, id: &TxnId) -> Result<Sale, LedgerError> {
    load_sale(conn, id)?.ok_or_else(|| LedgerError::SaleNotFound(id.clone()))
}

/// One history row; every state change writes exactly one.
pub(crate) struct Step<'a> {
    pub sale: &'a TxnId,
    pub from: Option<SaleState>,
    pub to: SaleState,
    pub cause: CauseKind,
    pub reference: Option<&'a str>,
    pub note: Option<StepNote>,
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

    pub fn note(self, note: Option<StepNote>) -> Self {
        Self { note, ..self }
    }
}

/// Moves the sale to `step.to` and records the step.
pub(crate) fn record_step(conn: &Db<'_>, step: &Step<'_>) -> Result<(), LedgerError> {
    conn.exec(
        "UPDATE sales SET state = ?2, updated_at = ?3 WHERE id = ?1",
        args![step.sale.as_str(), step.to.as_str(), step.at.unix_ms()],
    )?;
    insert_step(conn, step)
}

/// Writes the history row of `step` alone (the sale's state is the caller's: an outbox's
/// upload carries it whole).
pub(crate) fn insert_step(conn: &Db<'_>, step: &Step<'_>) -> Result<(), LedgerError> {
    conn.exec(
        "INSERT INTO transitions (sale_id, from_state, to_state, cause, reference, note, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![
            step.sale.as_str(),
            step.from.map(SaleState::as_str),
            step.to.as_str(),
            step.cause.as_str(),
            step.reference,
            step.note.as_ref().map(StepNote::stored),
            step.at.unix_ms()
        ],
    )?;
    Ok(())
}

/// Adds a note to the sale's attention list. Each note is kept once (its code and figures are
/// the key), so the same facts in any order, any number of times, leave the same notes.
pub(crate) fn flag(conn: &Db<'_>, sale: &TxnId, note: &Attention, now: Timestamp) -> Result<(), LedgerError> {
    if insert_note(conn, sale, note, now)? {
        tracing::warn!(sale = %sale, note = note.code().as_str(), "sale flagged for attention");
        conn.exec(
            "UPDATE sales SET updated_at = ?2 WHERE id = ?1",
            args![sale.as_str(), now.unix_ms()],
        )?;
    }
    Ok(())
}

/// Stores a note unless the sale has it already; returns whether it was new.
pub(crate) fn insert_note(conn: &Db<'_>, sale: &TxnId, note: &Attention, at: Timestamp) -> Result<bool, LedgerError> {
    let added = conn.exec(
        "INSERT OR IGNORE INTO sale_attention (sale_id, code, params, noted_at) VALUES (?1, ?2, ?3, ?4)",
        args![
            sale.as_str(),
            note.code().as_str(),
            note.stored_params().to_string(),
            at.unix_ms()
        ],
    )?;
    if added > 0 {
        conn.exec(
            "UPDATE sales SET attention_count = attention_count + 1 WHERE id = ?1",
            [sale.as_str()],
        )?;
    }
    Ok(added > 0)
}

/// Records why the sale failed (or, with `None`, clears it).
pub(crate) fn set_failure(conn: &Db<'_>, sale: &TxnId, failure: Option<&Failure>) -> Result<(), LedgerError> {
    conn.exec(
        "UPDATE sales SET failure_code = ?2, failure_params = ?3 WHERE id = ?1",
        args![
            sale.as_str(),
            failure.map(|f| f.code().as_str()),
            failure.map(|f| f.stored_params().to_string())
        ],
    )?;
    Ok(())
}
