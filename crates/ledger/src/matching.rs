//! The one rule of reconciliation (recur-api.md §7): a fact from Recur finds its sale **only**
//! by a checkout id the sale ever had or by our own transaction id in `metadata` — never by a
//! customer's email, a customer id or a product. Refunds may also find the sale by the order id
//! Recur gave that sale's own payment, and subscription events by the subscription id that
//! sale's payment created: both ids were learnt from a payment already matched this way.
//!
//! Below the rules (`facts`, `refunds`, `subscriptions`), which all match through here. Not
//! here: what a fact does to the sale it finds.

use crate::sql::{Db, Optional};

use recur_domain::fact::MatchKey;
use recur_domain::{Attention, CheckoutId, SubscriptionId, Tender, Timestamp, TxnId};

use crate::error::LedgerError;
use crate::rows::{flag, load_sale};
use crate::types::Sale;

/// The sale a key names: the checkout's sale (any checkout it ever had), else the sale named
/// by our transaction id. When both are given and disagree, the checkout wins (Recur tied the
/// payment to that session) and the sale is flagged so a person looks at it.
pub(crate) fn match_sale(conn: &Db<'_>, key: &MatchKey, now: Timestamp) -> Result<Option<Sale>, LedgerError> {
    let by_checkout = match &key.checkout_id {
        Some(checkout) => sale_of_checkout(conn, checkout)?,
        None => None,
    };
    let id = match (by_checkout, &key.txn_id) {
        (Some(owner), Some(named)) if &owner != named => {
            let checkout = key.checkout_id.clone().unwrap_or_else(|| CheckoutId::new(""));
            let note = Attention::MatchConflict {
                checkout,
                named: named.clone(),
            };
            flag(conn, &owner, &note, now)?;
            owner
        }
        (Some(owner), _) => owner,
        (None, Some(named)) => named.clone(),
        (None, None) => return Ok(None),
    };
    // A cash sale never went to Recur: nothing Recur says can be about it.
    Ok(load_sale(conn, &id)?.filter(|sale| sale.tender == Tender::Recur))
}

/// The sale that owns `checkout` (as its current or an earlier checkout).
pub(crate) fn sale_of_checkout(conn: &Db<'_>, checkout: &CheckoutId) -> Result<Option<TxnId>, LedgerError> {
    let owner: Option<String> = conn
        .row(
            "SELECT sale_id FROM checkouts WHERE checkout_id = ?1",
            [checkout.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(owner.map(TxnId::new))
}

/// How many checkouts the sale has had.
pub(crate) fn checkout_count(conn: &Db<'_>, sale: &TxnId) -> Result<i64, LedgerError> {
    Ok(conn.row(
        "SELECT COUNT(*) FROM checkouts WHERE sale_id = ?1",
        [sale.as_str()],
        |r| r.get(0),
    )?)
}

/// The sale whose own payment Recur gave this order id.
pub(crate) fn sale_of_order(conn: &Db<'_>, order: &str) -> Result<Option<Sale>, LedgerError> {
    let id: Option<String> = conn
        .row(
            "SELECT id FROM sales WHERE order_id = ?1 ORDER BY created_at, id LIMIT 1",
            [order],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => load_sale(conn, &TxnId::new(id)),
        None => Ok(None),
    }
}

/// The sale whose payment created this subscription: the one the subscription row is linked
/// to, else the first sale that recorded it.
pub(crate) fn sale_of_subscription(conn: &Db<'_>, subscription: &SubscriptionId) -> Result<Option<TxnId>, LedgerError> {
    let linked: Option<Option<String>> = conn
        .row(
            "SELECT sale_id FROM subscriptions WHERE subscription_id = ?1",
            [subscription.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(Some(sale)) = linked {
        return Ok(Some(TxnId::new(sale)));
    }
    let paid: Option<String> = conn
        .row(
            "SELECT id FROM sales WHERE subscription_id = ?1 ORDER BY created_at, id LIMIT 1",
            [subscription.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(paid.map(TxnId::new))
}

/// The sale an order belongs to: the sale whose own payment it was, else (a renewal's order)
/// the sale that started the renewed subscription.
pub(crate) fn sale_of_any_order(conn: &Db<'_>, order: &str) -> Result<Option<TxnId>, LedgerError> {
    if let Some(sale) = sale_of_order(conn, order)? {
        return Ok(Some(sale.id));
    }
    let subscription: Option<String> = conn
        .row(
            "SELECT subscription_id FROM renewals WHERE order_id = ?1 LIMIT 1",
            [order],
            |r| r.get(0),
        )
        .optional()?;
    match subscription {
        Some(subscription) => sale_of_subscription(conn, &SubscriptionId::new(subscription)),
        None => Ok(None),
    }
}
