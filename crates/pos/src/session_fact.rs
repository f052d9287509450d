//! A session read, turned into the same [`Fact`] a webhook would give, so that both sources
//! of truth feed the one state machine.

use recur_client::CheckoutSession;
use recur_domain::fact::{Fact, MatchKey, Payment};
use recur_domain::{SessionStatus, Timestamp, TxnId};

/// What reading `session` at `now` tells the ledger. An open session tells nothing.
pub fn fact_from_session(session: &CheckoutSession, now: Timestamp) -> Option<Fact> {
    let key = MatchKey {
        checkout_id: Some(session.id.clone()),
        txn_id: session.metadata.get("transaction_id").map(|t| TxnId::new(t.as_str())),
    };
    match session.status {
        SessionStatus::Complete => Some(Fact::Paid(Payment {
            key,
            order_id: session.order_id.clone(),
            amount: session.amount,
            currency: session.currency.clone(),
            customer_email: session.customer_email.clone(),
            customer_name: session.customer_name.clone(),
            paid_at: session.completed_at.or(Some(now)),
            subscription_id: session.subscription_id.clone(),
            setup_intent_id: session.setup_intent_id.clone(),
            ..Payment::default()
        })),
        SessionStatus::Expired => Some(Fact::Expired { key }),
        SessionStatus::Open => None,
    }
}
