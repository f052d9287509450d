//! The sandbox's memory: sessions, subscriptions, orders, customers, emitted events, webhook
//! endpoints, quirks and rate-limit windows, with the session rules that change them.
//!
//! Paying is in [`crate::payment`], renewals in [`crate::billing`], refunds in
//! [`crate::refund`]. Every rule takes `now` so it can be tested without waiting.
//! Nothing here does I/O: handlers take the lock, call one method, release the lock, then send
//! webhooks ([`crate::webhook`]).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use recur_domain::{Mode, SessionStatus, Timestamp};
use serde_json::{Map, Value};

use crate::catalog::{Catalog, Product};
use crate::config::Quirks;
use crate::events::{self, Draft, StoredEvent};
use crate::http::{invalid, not_found, Resp};
use crate::ids;
use crate::order::Order;
use crate::session::Session;
use crate::subscription::Subscription;

/// A validated `POST /v1/checkout/sessions` body.
#[derive(Clone, Debug, Default)]
pub struct NewSession {
    pub product: ProductRef,
    pub mode: Option<Mode>,
    pub success_url: String,
    pub cancel_url: String,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub external_customer_id: Option<String>,
    pub promotion_code: Option<String>,
    pub metadata: Map<String, Value>,
}

/// How the create body named its product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProductRef {
    Id(String),
    /// `productSlug`, as integrators send it.
    Slug(String),
}

impl Default for ProductRef {
    fn default() -> Self {
        ProductRef::Id(String::new())
    }
}

#[derive(Debug)]
pub struct State {
    pub catalog: Catalog,
    /// Where session URLs point: the loopback base, or the LAN one in phone-test mode.
    pub page_base: String,
    pub session_ttl: Duration,
    pub quirks: Quirks,
    pub(crate) sessions: HashMap<String, Session>,
    /// Session ids, oldest first.
    order: Vec<String>,
    pub(crate) subscriptions: HashMap<String, Subscription>,
    pub(crate) orders: HashMap<String, Order>,
    /// Order ids, oldest first.
    pub(crate) order_ids: Vec<String>,
    /// Lower-case email → customer id, so a returning customer keeps one id.
    pub(crate) customers: HashMap<String, String>,
    events: Vec<Arc<StoredEvent>>,
    pub webhook_urls: Vec<String>,
    rate_windows: HashMap<String, VecDeque<Instant>>,
    /// Requests that reached `/v1`, for tests that count attempts.
    pub api_requests: u64,
}

impl State {
    pub fn new(catalog: Catalog, page_base: String, session_ttl: Duration, webhook_urls: Vec<String>) -> State {
        State {
            catalog,
            page_base,
            session_ttl,
            quirks: Quirks::default(),
            sessions: HashMap::new(),
            order: Vec::new(),
            subscriptions: HashMap::new(),
            orders: HashMap::new(),
            order_ids: Vec::new(),
            customers: HashMap::new(),
            events: Vec::new(),
            webhook_urls,
            rate_windows: HashMap::new(),
            api_requests: 0,
        }
    }

    /// Creates a session: 404 for an unknown or inactive product, 400 for a mode the product
    /// cannot have, 409 when the email already subscribes to this product.
    pub fn create_session(&mut self, new: NewSession, now: Timestamp) -> Result<Session, Resp> {
        let (product, mode) = self.product_and_mode(&new)?;
        let id = ids::cuid(now.unix_ms());
        let ttl_ms = i64::try_from(self.session_ttl.as_millis()).unwrap_or(i64::MAX);
        let session = Session {
            url: format!("{}/checkout/{id}", self.page_base),
            id: id.clone(),
            mode,
            amount: if mode == Mode::Setup { 0 } else { product.price },
            currency: product.currency.clone(),
            product,
            customer_email: new.customer_email,
            customer_name: new.customer_name,
            external_customer_id: new.external_customer_id,
            promotion_code: new.promotion_code,
            metadata: new.metadata,
            success_url: new.success_url,
            cancel_url: new.cancel_url,
            created_at: now,
            expires_at: now.plus_ms(ttl_ms),
            status: SessionStatus::Open,
            completed_at: None,
            cancelled_at: None,
            order_id: None,
            subscription_id: None,
            payment_intent_id: None,
            setup_intent_id: None,
            customer_id: None,
            payment_method: None,
            page_opened: false,
        };
        self.sessions.insert(id.clone(), session.clone());
        self.order.push(id);
        Ok(session)
    }

    fn product_and_mode(&self, new: &NewSession) -> Result<(Product, Mode), Resp> {
        let (found, named) = match &new.product {
            ProductRef::Id(id) => (self.catalog.get(id), format!("id {id}")),
            ProductRef::Slug(slug) => (self.catalog.by_slug(slug), format!("slug {slug}")),
        };
        let product = match found {
            Some(p) if p.active => p.clone(),
            Some(p) => return Err(not_found(&format!("product {} is not active", p.id))),
            None => return Err(not_found(&format!("no product with {named}"))),
        };
        let mode = new.mode.unwrap_or(if product.is_subscription() {
            Mode::Subscription
        } else {
            Mode::Payment
        });
        if mode == Mode::Subscription && !product.is_subscription() {
            return Err(invalid(
                "mode",
                &format!(
                    "mode SUBSCRIPTION needs a SUBSCRIPTION product; {} is sold once",
                    product.id
                ),
            ));
        }
        if let (Mode::Subscription, Some(email)) = (mode, &new.customer_email) {
            if self.subscribes(email, &product.id) {
                let message = format!("{email} already has an active subscription to {}", product.id);
                return Err(Resp::error(409, "conflict", &message));
            }
        }
        Ok((product, mode))
    }

    /// Whether `email` already has a live subscription to `product`.
    pub fn subscribes(&self, email: &str, product: &str) -> bool {
        self.subscriptions.values().any(|sub| {
            sub.status.is_live()
                && sub.product.id == product
                && sub
                    .customer
                    .email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    /// The session as of `now` (lazy expiry applied).
    pub fn session(&mut self, id: &str, now: Timestamp) -> Option<Session> {
        let s = self.sessions.get_mut(id)?;
        s.refresh(now);
        Some(s.clone())
    }

    /// Session ids, oldest first.
    pub fn session_ids(&self) -> Vec<String> {
        self.order.clone()
    }

    /// The hosted page was viewed: the first view of an OPEN session emits `checkout.created`.
    pub fn open_page(&mut self, id: &str, now: Timestamp) -> Option<(Session, Option<Arc<StoredEvent>>)> {
        let s = self.sessions.get_mut(id)?;
        s.refresh(now);
        if s.page_opened || s.status != SessionStatus::Open {
            return Some((s.clone(), None));
        }
        s.page_opened = true;
        let draft = events::checkout_created(s);
        let snapshot = s.clone();
        let omit = self.quirks.omit_metadata;
        let event = self.record_drafts(vec![draft], omit, now).pop();
        Some((snapshot, event))
    }

    /// The customer pressed Cancel: recorded, the session stays as it is (Recur has no
    /// cancelled status).
    pub fn cancel(&mut self, id: &str, now: Timestamp) -> Option<Session> {
        let s = self.sessions.get_mut(id)?;
        s.refresh(now);
        if s.status == SessionStatus::Open {
            s.cancelled_at = Some(now);
        }
        Some(s.clone())
    }

    /// Expires an OPEN session now (a COMPLETE one stays COMPLETE).
    pub fn expire(&mut self, id: &str, now: Timestamp) -> Option<Session> {
        let s = self.sessions.get_mut(id)?;
        if s.status == SessionStatus::Open {
            s.status = SessionStatus::Expired;
            s.expires_at = s.expires_at.min(now);
        }
        Some(s.clone())
    }

    pub fn record_event(&mut self, event: StoredEvent) -> Arc<StoredEvent> {
        let event = Arc::new(event);
        self.events.push(event.clone());
        event
    }

    /// Records drafts in order, all at `now`; `omit_metadata` strips `metadata` from each.
    pub fn record_drafts(&mut self, drafts: Vec<Draft>, omit_metadata: bool, now: Timestamp) -> Vec<Arc<StoredEvent>> {
        drafts
            .into_iter()
            .map(|d| if omit_metadata { events::without_metadata(d) } else { d })
            .map(|(kind, data)| self.record_event(StoredEvent::new(None, kind, now, data)))
            .collect()
    }

    /// The customer id of `email` (lower-cased), created on first use.
    pub fn customer_id(&mut self, email: &str, now: Timestamp) -> String {
        self.customers
            .entry(email.to_lowercase())
            .or_insert_with(|| ids::cuid(now.unix_ms()))
            .clone()
    }

    pub fn event(&self, id: &str) -> Option<Arc<StoredEvent>> {
        self.events.iter().rev().find(|e| e.id == id).cloned()
    }

    pub fn events(&self) -> &[Arc<StoredEvent>] {
        &self.events
    }

    /// Counts a request against `key`'s rolling minute; `Err(seconds)` when over `limit`.
    pub fn admit(&mut self, key: &str, limit: u32, now: Instant) -> Result<(), u64> {
        let window = self.rate_windows.entry(key.to_owned()).or_default();
        let minute = Duration::from_secs(60);
        while window.front().is_some_and(|t| now.duration_since(*t) >= minute) {
            window.pop_front();
        }
        if window.len() >= limit as usize {
            let oldest = window.front().copied().unwrap_or(now);
            let wait = minute.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        window.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(ttl_ms: u64) -> State {
        State::new(
            Catalog::builtin(),
            "http://127.0.0.1:1".into(),
            Duration::from_millis(ttl_ms),
            Vec::new(),
        )
    }

    fn new_session(product: &str) -> NewSession {
        NewSession {
            product: ProductRef::Id(product.into()),
            success_url: "https://a.tw/ok".into(),
            cancel_url: "https://a.tw/no".into(),
            ..NewSession::default()
        }
    }

    #[test]
    fn sessions_expire_exactly_at_their_ttl() {
        let mut st = state(1000);
        let t0 = Timestamp::from_unix_ms(1_796_031_608_000);
        let id = st.create_session(new_session("prod_latte"), t0).unwrap().id;
        assert_eq!(st.session(&id, t0.plus_ms(999)).unwrap().status, SessionStatus::Open);
        assert_eq!(
            st.session(&id, t0.plus_ms(1000)).unwrap().status,
            SessionStatus::Expired
        );
        // Expiry is final, even if asked about an earlier time afterwards.
        assert_eq!(st.session(&id, t0).unwrap().status, SessionStatus::Expired);
    }

    #[test]
    fn the_rate_limit_window_rolls() {
        let mut st = state(1000);
        let t0 = Instant::now();
        assert_eq!(st.admit("k", 2, t0), Ok(()));
        assert_eq!(st.admit("k", 2, t0 + Duration::from_secs(10)), Ok(()));
        assert_eq!(st.admit("k", 2, t0 + Duration::from_secs(20)), Err(40));
        assert_eq!(st.admit("other", 2, t0 + Duration::from_secs(20)), Ok(()));
        assert_eq!(st.admit("k", 2, t0 + Duration::from_secs(60)), Ok(()));
        assert_eq!(st.admit("k", 2, t0 + Duration::from_millis(60_500)), Err(10));
    }
}
