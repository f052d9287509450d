//! Paying a checkout session: the checks before a charge, the card's verdict, and what a
//! successful payment changes (ids, customer, subscription) and emits.
//!
//! Shared by the hosted page ([`crate::page`]) and the control API ([`crate::control`]); which
//! card does what is in [`crate::cards`].

use std::sync::Arc;

use recur_domain::{Mode, SessionStatus, Timestamp};

use crate::cards::{self, Decline, Malformed};
use crate::events::{self, StoredEvent};
use crate::ids;
use crate::session::{PaymentMethod, Session};
use crate::state::{looks_like_email, State};

/// What the customer typed on the page (or a script sent to the control API).
#[derive(Clone, Debug, Default)]
pub struct PayInput {
    pub email: String,
    pub card_number: String,
    pub exp: Option<String>,
    pub name: Option<String>,
}

/// The result of a payment attempt.
#[derive(Clone, Debug)]
pub enum PayOutcome {
    Paid(Box<Session>),
    Declined(Decline),
    Refused(Refusal),
}

/// Why a payment was not even attempted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    Expired,
    AlreadyComplete,
    MissingEmail,
    MissingCard,
    BadEmail,
    BadExpiry,
}

impl State {
    /// Attempts a payment; returns the outcome and the events it emitted.
    pub fn pay(&mut self, id: &str, input: &PayInput, now: Timestamp) -> (PayOutcome, Vec<Arc<StoredEvent>>) {
        let refused = |r| (PayOutcome::Refused(r), Vec::new());
        let Some(s) = self.sessions.get_mut(id) else {
            return refused(Refusal::NotFound);
        };
        s.refresh(now);
        match s.status {
            SessionStatus::Expired => return refused(Refusal::Expired),
            SessionStatus::Complete => return refused(Refusal::AlreadyComplete),
            SessionStatus::Open => {}
        }
        let email = input.email.trim();
        if email.is_empty() {
            return refused(Refusal::MissingEmail);
        }
        if !looks_like_email(email) {
            return refused(Refusal::BadEmail);
        }
        if input.card_number.trim().is_empty() {
            return refused(Refusal::MissingCard);
        }
        match cards::charge(&input.card_number, input.exp.as_deref(), now) {
            Err(Malformed::Expiry) => refused(Refusal::BadExpiry),
            Ok(Err(decline)) => {
                // The session is left as it was; only the event tells who tried.
                let mut attempt = self.sessions[id].clone();
                attempt.customer_email = Some(email.to_owned());
                let event = events::payment_failed(&attempt, decline, now);
                (PayOutcome::Declined(decline), vec![self.record_event(event)])
            }
            Ok(Ok(method)) => self.complete(id, email, input.name.clone(), method, now),
        }
    }

    fn complete(
        &mut self,
        id: &str,
        email: &str,
        name: Option<String>,
        method: PaymentMethod,
        now: Timestamp,
    ) -> (PayOutcome, Vec<Arc<StoredEvent>>) {
        let key = email.to_lowercase();
        let customer_id = self
            .customers
            .entry(key.clone())
            .or_insert_with(|| ids::cuid(now.unix_ms()))
            .clone();
        let s = self.sessions.get_mut(id).expect("checked by the caller");
        let new_id = || Some(ids::cuid(now.unix_ms()));
        s.status = SessionStatus::Complete;
        s.completed_at = Some(now);
        s.customer_email = Some(email.to_owned());
        s.customer_name = name.filter(|n| !n.trim().is_empty()).or(s.customer_name.take());
        s.customer_id = Some(customer_id);
        s.payment_method = Some(method);
        match s.mode {
            Mode::Setup => s.setup_intent_id = new_id(),
            Mode::Payment => (s.order_id, s.payment_intent_id) = (new_id(), new_id()),
            Mode::Subscription => {
                (s.order_id, s.payment_intent_id, s.subscription_id) = (new_id(), new_id(), new_id());
                self.subscriptions.insert((key, s.product.id.clone()));
            }
        }
        let s = self.sessions.get(id).expect("just updated").clone();
        let emitted = events::payment_succeeded(&s, now)
            .into_iter()
            .map(|e| self.record_event(e))
            .collect();
        (PayOutcome::Paid(Box::new(s)), emitted)
    }
}
