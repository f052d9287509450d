//! Subscriptions and their renewals, as `subscription.*` and `invoice.*` events describe them.
//!
//! A subscription row is keyed by Recur's subscription id and linked to the sale whose
//! checkout created it. Its status follows the *newest* event (by Recur's timestamp), not the
//! last one delivered, because delivery order is not guaranteed. Each renewal payment is its
//! own row, idempotent by invoice (or order) id. The first payment of a subscription is the
//! sale's own payment and is not a renewal. Not here: cancelling or changing a subscription.

use rusqlite::{params, Connection, OptionalExtension};

use recur_domain::fact::{InvoicePayment, SubscriptionUpdate};
use recur_domain::{Currency, Money, SubscriptionId, Timestamp, TxnId};

use crate::db::Ledger;
use crate::error::LedgerError;
use crate::matching::{match_sale, sale_of_subscription};
use crate::rows::{money, time};
use crate::types::{Applied, Cause, RenewalRecord, SubscriptionRecord};

impl Ledger {
    /// Every known subscription, newest first, with its renewals.
    pub fn subscriptions(&self) -> Result<Vec<SubscriptionRecord>, LedgerError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT subscription_id, status, current_period_end, product_id, sale_id, updated_at \
                 FROM subscriptions ORDER BY created_at DESC, subscription_id DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(SubscriptionRecord {
                    subscription_id: SubscriptionId::new(r.get::<_, String>(0)?),
                    status: r.get(1)?,
                    current_period_end: time(r.get(2)?),
                    product_id: r.get::<_, Option<String>>(3)?.map(Into::into),
                    sale_id: r.get::<_, Option<String>>(4)?.map(TxnId::new),
                    updated_at: Timestamp::from_unix_ms(r.get(5)?),
                    renewals: Vec::new(),
                })
            })?;
            let mut records = rows.collect::<Result<Vec<_>, _>>()?;
            for record in &mut records {
                record.renewals = renewals(conn, &record.subscription_id)?;
            }
            Ok(records)
        })
    }
}

pub(crate) fn apply(
    conn: &Connection,
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
        conn.execute(
            "UPDATE sales SET subscription_id = COALESCE(subscription_id, ?2) WHERE id = ?1",
            params![sale.id.as_str(), subscription.as_str()],
        )?;
    }
    let sale_id = match sale {
        Some(sale) => Some(sale.id),
        None => sale_of_subscription(conn, &subscription)?,
    };
    let changed = upsert(conn, &subscription, u, sale_id.as_ref(), now)?;
    let renewed = match &u.invoice {
        Some(invoice) if invoice.is_renewal() => record_renewal(conn, &subscription, invoice, cause, now)?,
        _ => false,
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
    conn: &Connection,
    subscription: &SubscriptionId,
    sale: &TxnId,
    now: Timestamp,
) -> Result<(), LedgerError> {
    conn.execute(
        "INSERT INTO subscriptions (subscription_id, sale_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) \
         ON CONFLICT(subscription_id) DO UPDATE SET sale_id = ?2, updated_at = ?3 WHERE sale_id IS NULL",
        params![subscription.as_str(), sale.as_str(), now.unix_ms()],
    )?;
    Ok(())
}

type StoredSubscription = (Option<String>, Option<i64>, Option<i64>, Option<String>, Option<String>);

/// Merges the update into the row. Returns whether anything changed.
fn upsert(
    conn: &Connection,
    subscription: &SubscriptionId,
    u: &SubscriptionUpdate,
    sale: Option<&TxnId>,
    now: Timestamp,
) -> Result<bool, LedgerError> {
    let old: Option<StoredSubscription> = conn
        .query_row(
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
    conn.execute(
        "INSERT INTO subscriptions (subscription_id, status, status_at, current_period_end, product_id, sale_id, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
         ON CONFLICT(subscription_id) DO UPDATE SET status = ?2, status_at = ?3, current_period_end = ?4, \
         product_id = ?5, sale_id = ?6, updated_at = ?7",
        params![
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

/// One row per renewal payment. Returns whether it was new.
fn record_renewal(
    conn: &Connection,
    subscription: &SubscriptionId,
    invoice: &InvoicePayment,
    cause: &Cause,
    now: Timestamp,
) -> Result<bool, LedgerError> {
    // Without an invoice or order id, the delivering event is the only stable identity left.
    let renewal_id = invoice
        .invoice_id
        .clone()
        .or_else(|| invoice.order_id.as_ref().map(ToString::to_string))
        .or_else(|| cause.reference.as_ref().map(|r| format!("event:{r}")));
    let Some(renewal_id) = renewal_id else {
        tracing::warn!(%subscription, "a renewal without any id cannot be recorded idempotently; kept in the journal only");
        return Ok(false);
    };
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO renewals (renewal_id, subscription_id, invoice_id, order_id, amount, currency, paid_at, \
         billing_reason, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            renewal_id,
            subscription.as_str(),
            invoice.invoice_id,
            invoice.order_id.as_ref().map(ToString::to_string),
            invoice.amount.map(Money::get),
            invoice.currency.as_ref().map(ToString::to_string),
            invoice.paid_at.map(Timestamp::unix_ms),
            invoice.billing_reason,
            now.unix_ms()
        ],
    )?;
    Ok(inserted == 1)
}

fn renewals(conn: &Connection, subscription: &SubscriptionId) -> Result<Vec<RenewalRecord>, LedgerError> {
    let mut stmt = conn.prepare(
        "SELECT renewal_id, invoice_id, order_id, amount, currency, paid_at, billing_reason, recorded_at \
         FROM renewals WHERE subscription_id = ?1 ORDER BY COALESCE(paid_at, recorded_at), renewal_id",
    )?;
    let rows = stmt.query_map([subscription.as_str()], |r| {
        Ok(RenewalRecord {
            renewal_id: r.get(0)?,
            subscription_id: subscription.clone(),
            invoice_id: r.get(1)?,
            order_id: r.get::<_, Option<String>>(2)?.map(Into::into),
            amount: money(r.get(3)?),
            currency: r.get::<_, Option<String>>(4)?.map(|c| Currency::new(&c)),
            paid_at: time(r.get(5)?),
            billing_reason: r.get(6)?,
            recorded_at: Timestamp::from_unix_ms(r.get(7)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
