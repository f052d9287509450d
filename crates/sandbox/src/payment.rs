//! Paying a checkout session: the checks before a charge, the card's verdict, and what the
//! attempt changes (customer, pending subscription, order) and emits, in Recur's order
//! (recur-api.md §6):
//!
//! - one-time: `order.paid` (`purchase`) and `checkout.completed`;
//! - subscription: `subscription.created` (pending) when the customer first submits the form,
//!   then on payment `order.paid` (`subscription_create`), `checkout.completed` and
//!   `subscription.activated`; a decline sends `order.payment_failed` and the subscription
//!   stays pending (optionally followed by a `checkout.completed` that proves nothing);
//! - SETUP: `checkout.completed` only;
//! - after a payment, the e-invoice ([`crate::einvoice`]).
//!
//! Shared by the hosted page ([`crate::page`]) and the control API ([`crate::control`]); which
//! card does what is in [`crate::cards`].

use std::sync::Arc;

use recur_domain::{Mode, SessionStatus, Timestamp};

use crate::cards::{self, Decline, Malformed};
use crate::einvoice;
use crate::email::looks_like_email;
use crate::events::{self, Draft, StoredEvent};
use crate::ids;
use crate::order::Order;
use crate::session::{PaymentMethod, Session};
use crate::state::State;
use crate::subscription::{SubStatus, Subscription};

/// What the customer typed on the page (or a script sent to the control API).
#[derive(Clone, Debug, Default)]
pub struct PayInput {
    pub email: String,
    pub card_number: String,
    pub exp: Option<String>,
    pub name: Option<String>,
    /// This payment's events carry no `metadata` (also on with [`crate::Quirks::omit_metadata`]).
    pub omit_metadata: bool,
    /// A declined first subscription payment is followed by a `checkout.completed` that proves
    /// nothing (also on with [`crate::Quirks::completed_after_decline`]).
    pub completed_after_decline: bool,
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

type Attempt = (PayOutcome, Vec<Arc<StoredEvent>>);

impl State {
    /// Attempts a payment; returns the outcome and the events it emitted.
    pub fn pay(&mut self, id: &str, input: &PayInput, now: Timestamp) -> Attempt {
        let refused = |r| (PayOutcome::Refused(r), Vec::new());
        let email = input.email.trim();
        let verdict = match self.check(id, input, now) {
            Err(refusal) => return refused(refusal),
            Ok(()) => match cards::charge(&input.card_number, input.exp.as_deref(), now) {
                Err(Malformed::Expiry) => return refused(Refusal::BadExpiry),
                Ok(verdict) => verdict,
            },
        };
        let omit = input.omit_metadata || self.quirks.omit_metadata;
        // The form was submitted: from here on Recur knows the customer. The submission comes
        // before the charge, a millisecond apart, so that receivers ordering by event time
        // (or breaking ties by status) see `pending` before `active`, as at Recur.
        let submitted_at = now.plus_ms(-1);
        let submission = self.submit_subscription(id, email, input.name.as_deref(), submitted_at);
        let mut emitted = self.record_drafts(submission, omit, submitted_at);
        let (outcome, drafts) = match verdict {
            Err(decline) => (
                PayOutcome::Declined(decline),
                self.declined_drafts(id, input, decline, now),
            ),
            Ok(method) => {
                let session = self.complete(id, email, input.name.clone(), method, now);
                let drafts = self.paid_drafts(&session, now);
                (PayOutcome::Paid(Box::new(session)), drafts)
            }
        };
        emitted.extend(self.record_drafts(drafts, omit, now));
        (outcome, emitted)
    }

    /// `order.payment_failed`, and the unpaid `checkout.completed` when asked for. The session
    /// is left as it was; only the events tell who tried.
    fn declined_drafts(&self, id: &str, input: &PayInput, decline: Decline, now: Timestamp) -> Vec<Draft> {
        let mut attempt = self.sessions[id].clone();
        attempt.customer_email = Some(input.email.trim().to_owned());
        let mut drafts = vec![events::payment_failed(&attempt, decline, now)];
        let unpaid = input.completed_after_decline || self.quirks.completed_after_decline;
        if unpaid && attempt.mode == Mode::Subscription {
            drafts.push(events::checkout_completed_unpaid(&attempt));
        }
        drafts
    }

    /// Whether a charge may be attempted at all.
    fn check(&mut self, id: &str, input: &PayInput, now: Timestamp) -> Result<(), Refusal> {
        let s = self.sessions.get_mut(id).ok_or(Refusal::NotFound)?;
        s.refresh(now);
        match s.status {
            SessionStatus::Expired => return Err(Refusal::Expired),
            SessionStatus::Complete => return Err(Refusal::AlreadyComplete),
            SessionStatus::Open => {}
        }
        let email = input.email.trim();
        if email.is_empty() {
            return Err(Refusal::MissingEmail);
        }
        if !looks_like_email(email) {
            return Err(Refusal::BadEmail);
        }
        if input.card_number.trim().is_empty() {
            return Err(Refusal::MissingCard);
        }
        Ok(())
    }

    /// The first submission of a SUBSCRIPTION form creates the subscription, pending.
    fn submit_subscription(&mut self, id: &str, email: &str, name: Option<&str>, now: Timestamp) -> Vec<Draft> {
        if self.sessions[id].mode != Mode::Subscription || self.sessions[id].subscription_id.is_some() {
            return Vec::new();
        }
        let customer_id = self.customer_id(email, now);
        let s = &self.sessions[id];
        let mut customer = s.customer();
        customer.email = Some(email.to_owned());
        customer.name = name
            .filter(|n| !n.trim().is_empty())
            .map(str::to_owned)
            .or(customer.name);
        customer.id = Some(customer_id);
        let sub = Subscription {
            id: ids::cuid(now.unix_ms()),
            session_id: id.to_owned(),
            product: s.product.clone(),
            customer,
            status: SubStatus::Pending,
            amount: s.product.price,
            currency: s.currency.clone(),
            created_at: now,
            current_period_start: None,
            current_period_end: None,
            grace_period_end: None,
            ended_at: None,
        };
        let draft = ("subscription.created", sub.to_event_json());
        if let Some(s) = self.sessions.get_mut(id) {
            s.subscription_id = Some(sub.id.clone());
        }
        self.subscriptions.insert(sub.id.clone(), sub);
        vec![draft]
    }

    /// Marks the session paid, with its ids; returns the paid session.
    fn complete(
        &mut self,
        id: &str,
        email: &str,
        name: Option<String>,
        method: PaymentMethod,
        now: Timestamp,
    ) -> Session {
        let customer_id = self.customer_id(email, now);
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
            Mode::Payment | Mode::Subscription => (s.order_id, s.payment_intent_id) = (new_id(), new_id()),
        }
        s.clone()
    }

    /// What a successful payment records and emits after the form submission.
    fn paid_drafts(&mut self, s: &Session, now: Timestamp) -> Vec<Draft> {
        if s.mode == Mode::Setup {
            return vec![events::checkout_completed(s, now)];
        }
        let mut drafts = vec![events::order_paid(s, now), events::checkout_completed(s, now)];
        if let Some(sub) = s.subscription_id.as_ref().and_then(|id| self.subscriptions.get_mut(id)) {
            sub.status = SubStatus::Active;
            sub.customer = s.customer();
            sub.current_period_start = Some(now);
            sub.current_period_end = Some(events::add_period(now, sub.period()));
            drafts.push(("subscription.activated", sub.to_event_json()));
        }
        let mode = self.quirks.einvoice;
        let order = self.record_order(Order::of_checkout(s, events::billing_reason(s), now));
        drafts.extend(einvoice::after_payment(mode, order, now));
        drafts
    }

    /// Keeps an order (oldest first) and answers it for further changes.
    pub fn record_order(&mut self, order: Order) -> &mut Order {
        let id = order.id.clone();
        self.order_ids.push(id.clone());
        self.orders.entry(id).or_insert(order)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use recur_domain::Timestamp;

    use super::*;
    use crate::catalog::Catalog;
    use crate::state::{NewSession, ProductRef};

    #[test]
    fn an_expired_session_cannot_be_paid() {
        let mut st = State::new(
            Catalog::builtin(),
            "http://127.0.0.1:1".into(),
            Duration::from_millis(1000),
            Vec::new(),
        );
        let t0 = Timestamp::from_unix_ms(1_796_031_608_000);
        let new = NewSession {
            product: ProductRef::Id("prod_latte".into()),
            success_url: "https://a.tw/ok".into(),
            cancel_url: "https://a.tw/no".into(),
            ..NewSession::default()
        };
        let id = st.create_session(new, t0).unwrap().id;
        let input = PayInput {
            email: "a@b.tw".into(),
            card_number: "4147631000000001".into(),
            ..PayInput::default()
        };
        assert!(matches!(
            st.pay(&id, &input, t0.plus_ms(1000)).0,
            PayOutcome::Refused(Refusal::Expired)
        ));
    }
}
