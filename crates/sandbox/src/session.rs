//! A checkout session, its customer, and the JSON Recur answers for it: snake_case without a
//! wrapper by default (Recur's newest official material), camelCase behind
//! [`crate::Quirks::camel_case`] (the brief); ISO-8601 UTC with ms; REST status upper case.
//!
//! Expiry is applied lazily: whoever reads a session passes `now`, and an OPEN session past its
//! `expires_at` becomes EXPIRED at that moment. Creating and paying sessions is in
//! [`crate::state`] and [`crate::payment`].

use recur_domain::event::camel_case;
use recur_domain::{Mode, SessionStatus, Timestamp};
use serde_json::{json, Map, Value};

use crate::catalog::Product;

/// The card a session was paid with (webhooks say only `"card"`, as Recur's capture does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentMethod {
    pub brand: &'static str,
    pub last4: String,
}

/// A customer as webhooks carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Customer {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// The shop's own id for the customer (`externalCustomerId` on create).
    pub external_id: Option<String>,
}

impl Customer {
    /// `{id, name, email, external_id}`.
    pub fn to_json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "email": self.email, "external_id": self.external_id})
    }
}

#[derive(Clone, Debug)]
pub struct Session {
    pub id: String,
    pub url: String,
    pub mode: Mode,
    pub product: Product,
    pub amount: i64,
    pub currency: String,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub external_customer_id: Option<String>,
    /// Accepted and echoed; the sandbox knows no promotion, so nothing is discounted.
    pub promotion_code: Option<String>,
    /// Flat, string values only (checked on create).
    pub metadata: Map<String, Value>,
    pub success_url: String,
    pub cancel_url: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub status: SessionStatus,
    pub completed_at: Option<Timestamp>,
    /// The customer pressed Cancel on the hosted page; the session stays OPEN as at Recur.
    pub cancelled_at: Option<Timestamp>,
    pub order_id: Option<String>,
    /// Set when the customer first submits a SUBSCRIPTION form (the subscription is pending).
    pub subscription_id: Option<String>,
    pub payment_intent_id: Option<String>,
    pub setup_intent_id: Option<String>,
    pub customer_id: Option<String>,
    pub payment_method: Option<PaymentMethod>,
    /// `checkout.created` is sent once, on the first view of the hosted page.
    pub page_opened: bool,
}

impl Session {
    /// Applies lazy expiry: an OPEN session past `expires_at` is EXPIRED from now on.
    pub fn refresh(&mut self, now: Timestamp) {
        if self.status == SessionStatus::Open && now >= self.expires_at {
            self.status = SessionStatus::Expired;
        }
    }

    /// `successUrl` with `{CHECKOUT_SESSION_ID}` replaced by the id.
    pub fn success_redirect(&self) -> String {
        self.success_url.replace("{CHECKOUT_SESSION_ID}", &self.id)
    }

    pub fn cancel_redirect(&self) -> String {
        self.cancel_url.replace("{CHECKOUT_SESSION_ID}", &self.id)
    }

    /// The session as `GET /v1/checkout/sessions/{id}` answers it, in snake_case or camelCase.
    pub fn to_json(&self, camel: bool) -> Value {
        let iso = |t: Option<Timestamp>| t.map(Timestamp::to_rfc3339);
        let snake = json!({
            "id": self.id,
            "object": "checkout.session",
            "url": self.url,
            "status": self.status.as_str(),
            "mode": self.mode.as_str(),
            "product_id": self.product.id,
            "amount": self.amount,
            "currency": self.currency,
            "customer_email": self.customer_email,
            "customer_name": self.customer_name,
            "external_customer_id": self.external_customer_id,
            "promotion_code": self.promotion_code,
            "metadata": self.metadata,
            "success_url": self.success_url,
            "cancel_url": self.cancel_url,
            "created_at": self.created_at.to_rfc3339(),
            "expires_at": self.expires_at.to_rfc3339(),
            "completed_at": iso(self.completed_at),
            "cancelled_at": iso(self.cancelled_at),
            "order_id": self.order_id,
            "subscription_id": self.subscription_id,
            "payment_intent_id": self.payment_intent_id,
            "setup_intent_id": self.setup_intent_id,
        });
        if camel {
            camel_keys(snake)
        } else {
            snake
        }
    }

    /// The paying customer as webhooks carry it.
    pub fn customer(&self) -> Customer {
        Customer {
            id: self.customer_id.clone(),
            name: self.customer_name.clone(),
            email: self.customer_email.clone(),
            external_id: self.external_customer_id.clone(),
        }
    }
}

/// Top-level keys in camelCase (`metadata`'s own keys are the shop's and stay as they are).
fn camel_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (camel_case(&k), v)).collect()),
        other => other,
    }
}
