//! The [`MatchKey`]: the only two things that may tie a fact to a sale (recur-api.md §7).
//!
//! Deliberately absent: a customer's email, customer id or product. Renewal, refund and
//! e-invoice facts carry their own ids (subscription, order, invoice) besides this key; tying
//! those to a sale is the ledger's work, not this module's.

use crate::event::Event;
use crate::ids::{CheckoutId, TxnId};

/// The checkout session id and our own transaction id, as far as an event or read names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatchKey {
    pub checkout_id: Option<CheckoutId>,
    pub txn_id: Option<TxnId>,
}

impl MatchKey {
    pub fn new(checkout_id: Option<CheckoutId>, txn_id: Option<TxnId>) -> Self {
        Self { checkout_id, txn_id }
    }

    pub fn checkout(id: CheckoutId) -> Self {
        Self {
            checkout_id: Some(id),
            txn_id: None,
        }
    }

    pub fn txn(id: TxnId) -> Self {
        Self {
            checkout_id: None,
            txn_id: Some(id),
        }
    }

    /// The key an event carries: its checkout session and `metadata.transaction_id`.
    pub fn of_event(event: &Event) -> Self {
        Self {
            checkout_id: event.checkout_id(),
            txn_id: event.transaction_id(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.checkout_id.is_none() && self.txn_id.is_none()
    }
}
