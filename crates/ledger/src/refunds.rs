//! Refunds: one row per Recur refund id, and the sale's refunded amount derived from them.
//!
//! The refunded amount is always recomputed from the rows, never incremented, so a refund
//! event delivered twice (or `refund.created` and `refund.succeeded` for one refund) cannot
//! count twice. A refund for an order we do not know yet is kept with no sale and adopted when
//! the payment naming that order arrives. Not here: asking Recur for a refund.

use crate::sql::{args, Db, Optional};

use recur_domain::fact::Refund;
use recur_domain::state::{decide, Decision};
use recur_domain::{Attention, CauseKind, Money, SaleState, StepNote, Timestamp, TxnId};

use crate::error::LedgerError;
use crate::matching::{match_sale, sale_of_order};
use crate::rows::{flag, money, record_step, require_sale, Step};
use crate::types::{Applied, Cause};

/// Only a refund that Recur says succeeded moves money back. A refund with no status yet
/// (`refund.created`) is pending: counting it could mark a sale REFUNDED that the state machine
/// can never take back if the refund then fails.
pub(crate) fn counts(status: &str) -> bool {
    matches!(status, "SUCCEEDED" | "SUCCESS" | "COMPLETED" | "REFUNDED")
}

pub(crate) fn apply(conn: &Db<'_>, refund: &Refund, cause: &Cause, now: Timestamp) -> Result<Applied, LedgerError> {
    let sale = match match_sale(conn, &refund.key, now)? {
        Some(sale) => Some(sale),
        None => match &refund.order_id {
            Some(order) => sale_of_order(conn, order.as_str())?,
            None => None,
        },
    };
    let stored = upsert(conn, refund, sale.as_ref().map(|s| &s.id), now)?;
    let Some(sale) = sale else {
        return Ok(Applied::Unmatched);
    };
    if let Some(currency) = refund.currency.as_ref().filter(|c| **c != sale.currency) {
        let note = Attention::RefundCurrencyMismatch {
            refund: refund.refund_id.clone(),
            currency: currency.clone(),
            sale_currency: sale.currency.clone(),
        };
        flag(conn, &sale.id, &note, now)?;
    }
    settle(conn, &sale.id, cause.reference.as_deref(), now)?;
    let after = require_sale(conn, &sale.id)?;
    Ok(if after.state != sale.state {
        Applied::Changed {
            sale: sale.id,
            from: sale.state,
            to: after.state,
        }
    } else if stored || after.refunded_amount != sale.refunded_amount {
        Applied::Recorded { sale: sale.id }
    } else {
        Applied::NoOp {
            sale: sale.id,
            reason: "refund already recorded".to_owned(),
        }
    })
}

/// Recomputes the sale's refunded amount from its refunds and moves a paid sale to
/// PARTIALLY_REFUNDED or REFUNDED. Also adopts refunds that arrived before the order was known.
pub(crate) fn settle(
    conn: &Db<'_>,
    sale_id: &TxnId,
    reference: Option<&str>,
    now: Timestamp,
) -> Result<(), LedgerError> {
    conn.exec(
        "UPDATE refunds SET sale_id = ?1 WHERE sale_id IS NULL AND order_id IS NOT NULL \
         AND order_id = (SELECT order_id FROM sales WHERE id = ?1)",
        [sale_id.as_str()],
    )?;
    let (total, ids, unknown) = refunded_total(conn, sale_id)?;
    for refund in unknown {
        flag(conn, sale_id, &Attention::RefundAmountUnknown { refund }, now)?;
    }
    let sale = require_sale(conn, sale_id)?;
    if total != sale.refunded_amount {
        conn.exec(
            "UPDATE sales SET refunded_amount = ?2, updated_at = ?3 WHERE id = ?1",
            args![sale_id.as_str(), total.get(), now.unix_ms()],
        )?;
    }
    if !sale.state.is_paid() || total <= Money::ZERO {
        return Ok(());
    }
    let paid = sale.paid_amount.unwrap_or(sale.amount);
    if total > paid {
        flag(conn, sale_id, &Attention::OverRefunded { refunded: total, paid }, now)?;
    }
    let target = if total >= paid {
        SaleState::Refunded
    } else {
        SaleState::PartiallyRefunded
    };
    // Refund transitions are always caused by Recur's refund events, whatever fact led here.
    if decide(sale.state, target, CauseKind::Event)? == Decision::Apply {
        tracing::info!(sale = %sale_id, refunds = %ids.join(", "), "refunded {total} of {paid}");
        let note = StepNote::Refunded { total, paid };
        let step = Step::new(sale_id, Some(sale.state), target, CauseKind::Event, now)
            .reference(reference)
            .note(Some(note));
        record_step(conn, &step)?;
    }
    Ok(())
}

/// The sum of the counted refunds' own `amount`s, or the largest cumulative `refunded_amount`
/// Recur reported if that is higher (that field may be the order's running total, so it is
/// never added up). Also the counted ids, and those that succeeded without an `amount`.
fn refunded_total(conn: &Db<'_>, sale_id: &TxnId) -> Result<(Money, Vec<String>, Vec<String>), LedgerError> {
    let rows = conn.rows(
        "SELECT refund_id, status, amount, refunded_amount FROM refunds WHERE sale_id = ?1 ORDER BY refund_id",
        [sale_id.as_str()],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<String>(1)?,
                money(r.get(2)?),
                money(r.get(3)?),
            ))
        },
    )?;
    let (mut sum, mut largest, mut ids, mut unknown) = (0_i64, 0_i64, Vec::new(), Vec::new());
    for row in rows {
        let (id, status, amount, refunded) = row;
        if counts(&status) {
            sum = sum.saturating_add(amount.map_or(0, Money::get));
            largest = largest.max(refunded.map_or(0, Money::get));
            if amount.is_none() {
                unknown.push(id.clone());
            }
            ids.push(id);
        }
    }
    Ok((Money::new(sum.max(largest)), ids, unknown))
}

/// How settled a status is; a refund's status only ever moves up, so a late `refund.created`
/// cannot undo `refund.succeeded`.
fn status_rank(status: &str) -> u8 {
    match status {
        "" => 0,
        "PENDING" | "CREATED" | "REQUIRES_ACTION" => 1,
        "PROCESSING" => 2,
        _ => 3,
    }
}

type StoredRefund = (
    Option<String>,
    Option<String>,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// Inserts or merges the refund row. Returns whether anything changed.
fn upsert(conn: &Db<'_>, r: &Refund, sale: Option<&TxnId>, now: Timestamp) -> Result<bool, LedgerError> {
    let existing: Option<StoredRefund> = conn
        .row(
            "SELECT sale_id, order_id, status, amount, refunded_amount, original_amount, currency \
             FROM refunds WHERE refund_id = ?1",
            [r.refund_id.as_str()],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                ))
            },
        )
        .optional()?;
    let incoming: StoredRefund = (
        sale.map(ToString::to_string),
        r.order_id.as_ref().map(ToString::to_string),
        r.status.clone(),
        r.amount.map(Money::get),
        r.refunded_amount.map(Money::get),
        r.original_amount.map(Money::get),
        r.currency.as_ref().map(ToString::to_string),
    );
    let merged = match &existing {
        None => incoming,
        Some(old) => (
            old.0.clone().or(incoming.0),
            old.1.clone().or(incoming.1),
            if status_rank(&incoming.2) > status_rank(&old.2) {
                incoming.2
            } else {
                old.2.clone()
            },
            old.3.or(incoming.3),
            old.4.or(incoming.4),
            old.5.or(incoming.5),
            old.6.clone().or(incoming.6),
        ),
    };
    if existing.as_ref() == Some(&merged) {
        return Ok(false);
    }
    conn.exec(
        "INSERT INTO refunds (refund_id, sale_id, order_id, status, amount, refunded_amount, original_amount, currency, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) \
         ON CONFLICT(refund_id) DO UPDATE SET sale_id = ?2, order_id = ?3, status = ?4, amount = ?5, \
         refunded_amount = ?6, original_amount = ?7, currency = ?8, updated_at = ?9",
        args![r.refund_id, merged.0, merged.1, merged.2, merged.3, merged.4, merged.5, merged.6, now.unix_ms()],
    )?;
    Ok(true)
}
