//! E-invoices (統一發票) as Recur reports them: one row per `einvoice.*` event, linked to the
//! sale whose order it is for (the first payment's order, or a renewal's), with the raw `data`
//! kept because Recur publishes no field names beyond the keys.
//!
//! An e-invoice that arrives before its order is known is kept with no sale and adopted when
//! the payment naming that order arrives ([`settle`]). `einvoice.issue_failed` flags the sale:
//! the shop owes the customer a receipt. Not here: issuing anything (Recur does).

use crate::sql::{args, Db};

use recur_domain::fact::{EInvoice, EInvoiceKind};
use recur_domain::{Attention, Money, Timestamp, TxnId};

use crate::error::LedgerError;
use crate::matching::{match_sale, sale_of_any_order};
use crate::rows::{flag, money, time};
use crate::types::{Applied, EInvoiceRecord};

pub(crate) fn apply(conn: &Db<'_>, e: &EInvoice, now: Timestamp) -> Result<Applied, LedgerError> {
    let sale = match match_sale(conn, &e.key, now)? {
        Some(sale) => Some(sale.id),
        None => match &e.order_id {
            Some(order) => sale_of_any_order(conn, order.as_str())?,
            None => None,
        },
    };
    let stored = conn.exec(
        "INSERT OR IGNORE INTO einvoices (order_id, invoice_id, sale_id, kind, invoice_number, allowance_number, \
         status, amount, currency, failure_code, failure_message, at, data, recorded_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        args![
            e.order_id.as_ref().map(ToString::to_string),
            e.invoice_id,
            sale.as_ref().map(TxnId::as_str),
            e.kind.as_str(),
            e.invoice_number,
            e.allowance_number,
            e.status,
            e.amount.map(Money::get),
            e.currency.as_ref().map(ToString::to_string),
            e.failure_code,
            e.failure_message,
            e.at.map(Timestamp::unix_ms),
            e.data.to_string(),
            now.unix_ms()
        ],
    )? > 0;
    let Some(sale) = sale else {
        return Ok(Applied::Unmatched);
    };
    if e.kind == EInvoiceKind::IssueFailed {
        let note = Attention::EinvoiceIssueFailed {
            order: e.order_id.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string),
            code: e.failure_code.clone(),
        };
        flag(conn, &sale, &note, now)?;
    }
    Ok(if stored {
        Applied::Recorded { sale }
    } else {
        Applied::NoOp {
            sale,
            reason: "e-invoice already recorded".to_owned(),
        }
    })
}

/// Adopts e-invoices that came before the sale's order was known; flags a failed one.
pub(crate) fn settle(conn: &Db<'_>, sale: &TxnId, now: Timestamp) -> Result<(), LedgerError> {
    let adopted = conn.exec(
        "UPDATE einvoices SET sale_id = ?1 WHERE sale_id IS NULL AND order_id IS NOT NULL \
         AND order_id = (SELECT order_id FROM sales WHERE id = ?1)",
        [sale.as_str()],
    )?;
    if adopted == 0 {
        return Ok(());
    }
    let failed: Vec<(Option<String>, Option<String>)> = {
        let rows = conn.rows(
            "SELECT order_id, failure_code FROM einvoices WHERE sale_id = ?1 AND kind = 'einvoice.issue_failed'",
            [sale.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        rows
    };
    for (order, code) in failed {
        let note = Attention::EinvoiceIssueFailed {
            order: order.unwrap_or_else(|| "-".to_owned()),
            code,
        };
        flag(conn, sale, &note, now)?;
    }
    Ok(())
}

/// The sale's e-invoices, oldest first.
pub(crate) fn of_sale(conn: &Db<'_>, sale: &TxnId) -> Result<Vec<EInvoiceRecord>, LedgerError> {
    let rows = conn.rows(
        "SELECT kind, order_id, invoice_id, invoice_number, allowance_number, status, amount, failure_code, at, \
         recorded_at FROM einvoices WHERE sale_id = ?1 ORDER BY COALESCE(at, recorded_at), seq",
        [sale.as_str()],
        |r| {
            Ok(EInvoiceRecord {
                kind: r.get(0)?,
                order_id: r.get::<Option<String>>(1)?.map(Into::into),
                invoice_id: r.get(2)?,
                invoice_number: r.get(3)?,
                allowance_number: r.get(4)?,
                status: r.get(5)?,
                amount: money(r.get(6)?),
                failure_code: r.get(7)?,
                at: time(r.get(8)?),
                recorded_at: Timestamp::from_unix_ms(r.get(9)?),
            })
        },
    )?;
    Ok(rows)
}
