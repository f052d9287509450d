//! Subscriptions and their renewals, as `subscription.*` and `invoice.*` events describe them.
//!
//! A subscription row is keyed by Recur's subscription id and linked to the sale whose
//! checkout created it. Its status follows the *newest* event (by Recur's timestamp), not the
//! last one delivered, because delivery order is not guaranteed. Each renewal payment is its
//! own row, idempotent by invoice (or order) id. The first payment of a subscription is the
//! sale's own payment and is not a renewal. Not here: cancelling or changing a subscription.

use crate::sql::{args, Db, Optional, Row, SqlResult};

use recur_domain::fact::{InvoicePayment, RenewalFailure, SubscriptionUpdate};
use recur_domain::{Attention, Currency, Money, OrderId, SubscriptionId, Timestamp, TxnId};

use crate::db::Ledger;
use crate::error::LedgerError;
use crate::matching::{match_sale, sale_of_subscription};
use crate::rows::{money, time};
use crate::types::{Applied, Cause, RenewalRecord, SubscriptionRecord};

const SUBSCRIPTION_COLUMNS: &str = "subscription_id, status, current_period_end, product_id, sale_id, updated_at";

impl Ledger {
    /// Every known subscription, newest first, with its renewals.
    pub fn subscriptions(&self) -> Result<Vec<SubscriptionRecord>, LedgerError> {
        self.read(|conn| {
            let sql = format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY created_at DESC, subscription_id DESC"
            );
            let rows = conn.rows(&sql, (), subscription_from_row)?;
            let mut records = rows;
            for record in &mut records {
                record.renewals = renewals(conn, &record.subscription_id)?;
            }
            Ok(records)
        })
    }
}

/// The subscription the sale started, with its renewals.
pub(crate) fn of_sale(conn: &Db<'_>, sale: &TxnId) -> Result<Option<SubscriptionRecord>, LedgerError> {
    let sql =
        format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE sale_id = ?1 ORDER BY created_at LIMIT 1");
    let found = conn.row(&sql, [sale.as_str()], subscription_from_row).optional()?;
    match found {
        Some(mut record) => {
            record.renewals = renewals(conn, &record.subscription_id)?;
            Ok(Some(record))
        }
        None => Ok(None),
    }
}

fn subscription_from_row(r: &Row<'_>) -> SqlResult<SubscriptionRecord> {
    Ok(SubscriptionRecord {
        subscription_id: SubscriptionId::new(r.get::<String>(0)?),
        status: r.get(1)?,
        current_period_end: time(r.get(2)?),
        product_id: r.get::<Option<String>>(3)?.map(Into::into),
        sale_id: r.get::<Option<String>>(4)?.map(TxnId::new),
        updated_at: Timestamp::from_unix_ms(r.get(5)?),
        renewals: Vec::new(),
    })
}

pub(crate) fn apply(
    conn: &Db<'_>,
    u: &SubscriptionUpdate,
    cause: &Cause,
    now: Timestamp,
) -> Result<Applied, LedgerError> {
    let sale = match_sale(conn, &u.key, now)?;
    let Some(subscription) = u
        .subscription_id
        .clone()
        .or_else(|| sale.as_ref().and_then(|s| s.subscription_id.clone()))
    else {
        return Ok(Applied::Unmatched);
    };
    if let Some(sale) = &sale {
        conn.exec(
            "UPDATE sales SET subscription_id = COALESCE(subscription_id, ?2) WHERE id = ?1",
            args![sale.id.as_str(), subscription.as_str()],
        )?;
    }
    let sale_id = match sale {
        Some(sale) => Some(sale.id),
        None => sale_of_subscription(conn, &subscription)?,
    };
    let changed = upsert(conn, &subscription, u, sale_id.as_ref(), now)?;
    let renewed = match &u.invoice {
        Some(invoice) => renewal(conn, &subscription, invoice, sale_id.as_ref(), cause, now)?,
        None => false,
    };
    Ok(match sale_id {
        Some(sale) if changed || renewed => Applied::Recorded { sale },
        Some(sale) => Applied::NoOp {
            sale,
            reason: "subscription already up to date".to_owned(),
        },
        // Recorded under its subscription, but no sale of ours: listed as unmatched.
        None => Applied::Unmatched,
    })
}

/// Ties a subscription to the sale that paid for it (the first sale to claim it keeps it).
pub(crate) fn link_sale(
    conn: &Db<'_>,
    subscription: &SubscriptionId,
    sale: &TxnId,
    now: Timestamp,
) -> Result<(), LedgerError> {
    conn.exec(
        "INSERT INTO subscriptions (subscription_id, sale_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) \
         ON CONFLICT(subscription_id) DO UPDATE SET sale_id = ?2, updated_at = ?3 WHERE subscriptions.sale_id IS NULL",
        args![subscription.as_str(), sale.as_str(), now.unix_ms()],
    )?;
    Ok(())
}

type StoredSubscription = (Option<String>, Option<i64>, Option<i64>, Option<String>, Option<String>);

/// Merges the update into the row. Returns whether anything changed.
fn upsert(
    conn: &Db<'_>,
    subscription: &SubscriptionId,
    u: &SubscriptionUpdate,
    sale: Option<&TxnId>,
    now: Timestamp,
) -> Result<bool, LedgerError> {
    let old: Option<StoredSubscription> = conn
        .row(
            "SELECT status, status_at, current_period_end, product_id, sale_id FROM subscriptions WHERE subscription_id = ?1",
            [subscription.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let exists = old.is_some();
    let old = old.unwrap_or_default();
    // The newest status wins; ties are broken by the status text so any order gives one answer.
    let incoming = (u.at.map(Timestamp::unix_ms), u.status.clone());
    let (status_at, status) = match &u.status {
        Some(_) if incoming > (old.1, old.0.clone()) => incoming,
        _ => (old.1, old.0.clone()),
    };
    let merged: StoredSubscription = (
        status,
        status_at,
        old.2.max(u.current_period_end.map(Timestamp::unix_ms)),
        old.3.clone().or_else(|| u.product_id.as_ref().map(ToString::to_string)),
        old.4.clone().or_else(|| sale.map(ToString::to_string)),
    );
    if exists && merged == old {
        return Ok(false);
    }
    conn.exec(
        "INSERT INTO subscriptions (subscription_id, status, status_at, current_period_end, product_id, sale_id, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
         ON CONFLICT(subscription_id) DO UPDATE SET status = ?2, status_at = ?3, current_period_end = ?4, \
         product_id = ?5, sale_id = ?6, updated_at = ?7",
        args![
            subscription.as_str(),
            merged.0,
            merged.1,
            merged.2,
            merged.3,
            merged.4,
            now.unix_ms()
        ],
    )?;
    Ok(true)
}

/// An `invoice.paid`: a renewal unless it is the sale's own first order (by its reason, or by
/// being that very order). A renewal whose reason is missing or unknown is recorded and flagged
/// for a person, never dropped. Returns whether anything was stored.
fn renewal(
    conn: &Db<'_>,
    subscription: &SubscriptionId,
    invoice: &InvoicePayment,
    sale: Option<&TxnId>,
    cause: &Cause,
    now: Timestamp,
) -> Result<bool, LedgerError> {
    let first_order = match sale {
        Some(sale) => crate::rows::require_sale(conn, sale)?.order_id,
        None => None,
    };
    if !invoice.is_renewal_of(first_order.as_ref()) {
        return Ok(false);
    }
    let Some(renewal_id) = renewal_id(invoice.invoice_id.as_ref(), invoice.order_id.as_ref(), cause) else {
        tracing::warn!(%subscription, "a renewal without any id cannot be recorded idempotently; kept in the journal only");
        return Ok(false);
    };
    let paid = RenewalRow {
        renewal_id: &renewal_id,
        invoice_id: invoice.invoice_id.as_deref(),
        order_id: invoice.order_id.as_ref(),
        amount: invoice.amount,
        currency: invoice.currency.as_ref(),
        at: invoice.paid_at,
        billing_reason: invoice.billing_reason.as_deref(),
        failure: None,
    };
    let stored = record_renewal(conn, subscription, &paid, now)?;
    if let (Some(sale), true) = (sale, invoice.needs_review()) {
        let note = Attention::RenewalReasonUnknown {
            renewal: renewal_id.clone(),
            reason: invoice.billing_reason.clone(),
        };
        crate::rows::flag(conn, sale, &note, now)?;
    }
    Ok(stored)
}

/// `invoice.payment_failed`: the renewal is recorded as FAILED on its subscription (a later
/// `invoice.paid` for the same invoice turns it PAID; a paid one never turns back).
pub(crate) fn renewal_failed(
    conn: &Db<'_>,
    f: &RenewalFailure,
    cause: &Cause,
    now: Timestamp,
) -> Result<Applied, LedgerError> {
    let sale = match_sale(conn, &f.key, now)?.map(|s| s.id);
    let subscription = match (&f.subscription_id, &sale) {
        (Some(subscription), _) => subscription.clone(),
        (None, Some(sale)) => match crate::rows::require_sale(conn, sale)?.subscription_id {
            Some(subscription) => subscription,
            None => return Ok(Applied::Unmatched),
        },
        (None, None) => return Ok(Applied::Unmatched),
    };
    let sale = match sale {
        Some(sale) => Some(sale),
        None => sale_of_subscription(conn, &subscription)?,
    };
    conn.exec(
        "INSERT INTO subscriptions (subscription_id, sale_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) \
         ON CONFLICT(subscription_id) DO NOTHING",
        args![subscription.as_str(), sale.as_ref().map(TxnId::as_str), now.unix_ms()],
    )?;
    let Some(renewal_id) = renewal_id(f.invoice_id.as_ref(), f.order_id.as_ref(), cause) else {
        return Ok(Applied::Unmatched);
    };
    let failed = RenewalRow {
        renewal_id: &renewal_id,
        invoice_id: f.invoice_id.as_deref(),
        order_id: f.order_id.as_ref(),
        amount: f.amount,
        currency: f.currency.as_ref(),
        at: f.at,
        billing_reason: f.billing_reason.as_deref(),
        failure: Some((f.code.as_deref(), f.message.as_deref())),
    };
    let stored = record_renewal(conn, &subscription, &failed, now)?;
    Ok(match sale {
        Some(sale) if stored => Applied::Recorded { sale },
        Some(sale) => Applied::NoOp {
            sale,
            reason: "renewal already recorded".to_owned(),
        },
        None => Applied::Unmatched,
    })
}

/// The invoice id, else the order id; without either, the delivering event is the only stable
/// identity left.
fn renewal_id(invoice: Option<&String>, order: Option<&OrderId>, cause: &Cause) -> Option<String> {
    invoice
        .cloned()
        .or_else(|| order.map(ToString::to_string))
        .or_else(|| cause.reference.as_ref().map(|r| format!("event:{r}")))
}

/// One renewal charge, paid or failed.
struct RenewalRow<'a> {
    renewal_id: &'a str,
    invoice_id: Option<&'a str>,
    order_id: Option<&'a OrderId>,
    amount: Option<Money>,
    currency: Option<&'a Currency>,
    at: Option<Timestamp>,
    billing_reason: Option<&'a str>,
    /// `Some((code, message))` for a failed charge.
    failure: Option<(Option<&'a str>, Option<&'a str>)>,
}

/// One row per renewal; a failed row becomes paid when its payment comes, never the other way.
/// Returns whether anything changed.
fn record_renewal(
    conn: &Db<'_>,
    subscription: &SubscriptionId,
    row: &RenewalRow<'_>,
    now: Timestamp,
) -> Result<bool, LedgerError> {
    let status = if row.failure.is_some() { "FAILED" } else { "PAID" };
    let (code, message) = row.failure.unwrap_or((None, None));
    let changed = conn.exec(
        "INSERT INTO renewals (renewal_id, subscription_id, invoice_id, order_id, amount, currency, paid_at, \
         billing_reason, recorded_at, status, failure_code, failure_message) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
         ON CONFLICT(renewal_id) DO UPDATE SET status = 'PAID', paid_at = excluded.paid_at, \
         amount = COALESCE(renewals.amount, excluded.amount), order_id = COALESCE(renewals.order_id, excluded.order_id) \
         WHERE renewals.status = 'FAILED' AND excluded.status = 'PAID'",
        args![
            row.renewal_id,
            subscription.as_str(),
            row.invoice_id,
            row.order_id.map(ToString::to_string),
            row.amount.map(Money::get),
            row.currency.map(ToString::to_string),
            row.at.map(Timestamp::unix_ms),
            row.billing_reason,
            now.unix_ms(),
            status,
            code,
            message
        ],
    )?;
    Ok(changed == 1)
}

fn renewals(conn: &Db<'_>, subscription: &SubscriptionId) -> Result<Vec<RenewalRecord>, LedgerError> {
    let rows = conn.rows(
        "SELECT renewal_id, invoice_id, order_id, amount, currency, paid_at, billing_reason, recorded_at, status, \
         failure_code FROM renewals WHERE subscription_id = ?1 ORDER BY COALESCE(paid_at, recorded_at), renewal_id",
        [subscription.as_str()],
        |r| {
            Ok(RenewalRecord {
                renewal_id: r.get(0)?,
                subscription_id: subscription.clone(),
                invoice_id: r.get(1)?,
                order_id: r.get::<Option<String>>(2)?.map(Into::into),
                amount: money(r.get(3)?),
                currency: r.get::<Option<String>>(4)?.map(|c| Currency::new(&c)),
                paid_at: time(r.get(5)?),
                billing_reason: r.get(6)?,
                recorded_at: Timestamp::from_unix_ms(r.get(7)?),
                status: r.get(8)?,
                failure_code: r.get(9)?,
            })
        },
    )?;
    Ok(rows)
}
