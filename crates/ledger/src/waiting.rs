//! Events that arrived before their sale was known — a subscription's `subscription.created`
//! before its payment, a refund or an e-invoice before the order's `order.paid` — were journaled
//! as unmatched, with the order and subscription they name. When a payment tells the ledger
//! which sale those ids belong to, the waiting rows are adopted: they now name the sale and no
//! longer wait in the unmatched list. Their effect was already stored under the order or
//! subscription (refunds, e-invoices, subscriptions rows) and is adopted by those modules.
//!
//! Not here: matching (`matching`) or the effects themselves.

use crate::sql::{args, Db};

use recur_domain::{OrderId, SubscriptionId, TxnId};

use crate::error::LedgerError;

/// Marks the unmatched journal rows naming `order` or `subscription` as recorded for `sale`.
/// Returns how many were adopted.
pub(crate) fn adopt(
    conn: &Db<'_>,
    sale: &TxnId,
    order: Option<&OrderId>,
    subscription: Option<&SubscriptionId>,
) -> Result<usize, LedgerError> {
    let mut adopted = 0;
    if let Some(order) = order {
        adopted += conn.exec(
            "UPDATE webhook_journal SET outcome = 'recorded', sale_id = ?1, detail = 'adopted when its sale was paid' \
             WHERE outcome = 'unmatched' AND order_id = ?2",
            args![sale.as_str(), order.as_str()],
        )?;
    }
    if let Some(subscription) = subscription {
        adopted += conn.exec(
            "UPDATE webhook_journal SET outcome = 'recorded', sale_id = ?1, detail = 'adopted when its sale was paid' \
             WHERE outcome = 'unmatched' AND subscription_id = ?2",
            args![sale.as_str(), subscription.as_str()],
        )?;
    }
    Ok(adopted)
}
