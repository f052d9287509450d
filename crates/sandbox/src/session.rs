//! A checkout session and the JSON Recur answers for it (camelCase, ISO-8601 UTC with ms).
//!
//! Expiry is applied lazily: whoever reads a session passes `now`, and an OPEN session past its
//! `expiresAt` becomes EXPIRED at that moment. Creating and paying sessions is in
//! [`crate::state`].

use recur_domain::{Mode, SessionStatus, Timestamp};
use serde_json::{json, Map, Value};

use crate::catalog::Product;

/// The card a session was paid with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentMethod {
    pub brand: &'static str,
    pub last4: String,
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

    /// The session as `GET /v1/checkout/sessions/{id}` answers it.
    pub fn to_json(&self) -> Value {
        let iso = |t: Option<Timestamp>| t.map(Timestamp::to_rfc3339);
        json!({
            "id": self.id,
            "object": "checkout.session",
            "url": self.url,
            "status": self.status.as_str(),
            "mode": self.mode.as_str(),
            "productId": self.product.id,
            "amount": self.amount,
            "currency": self.currency,
            "customerEmail": self.customer_email,
            "customerName": self.customer_name,
            "metadata": self.metadata,
            "successUrl": self.success_url,
            "cancelUrl": self.cancel_url,
            "createdAt": self.created_at.to_rfc3339(),
            "expiresAt": self.expires_at.to_rfc3339(),
            "completedAt": iso(self.completed_at),
            "cancelledAt": iso(self.cancelled_at),
            "orderId": self.order_id,
            "subscriptionId": self.subscription_id,
            "paymentIntentId": self.payment_intent_id,
            "setupIntentId": self.setup_intent_id,
        })
    }

    /// `{id, name, email, external_id}` as webhooks carry it.
    pub fn customer_json(&self) -> Value {
        json!({
            "id": self.customer_id,
            "name": self.customer_name,
            "email": self.customer_email,
            "external_id": null,
        })
    }
}
