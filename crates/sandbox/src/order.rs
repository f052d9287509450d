//! An order: one successful charge — a first payment through a checkout, or a renewal Recur
//! billed itself — with what has been refunded of it and its e-invoice.
//!
//! Refunds and e-invoices hang off orders (`order_id` is their key at Recur). The rules that
//! create orders are in [`crate::payment`] and [`crate::billing`]; refunds in
//! [`crate::refund`], e-invoice events in [`crate::einvoice`].

use recur_domain::Timestamp;
use serde_json::{json, Value};

use crate::ids;
use crate::session::{Customer, Session};
use crate::subscription::Subscription;

#[derive(Clone, Debug)]
pub struct Order {
    pub id: String,
    /// The charge behind the order (refund events name it as `charge_id`).
    pub charge_id: String,
    /// The checkout it came from; `None` for a renewal (Recur bills those itself).
    pub checkout_id: Option<String>,
    pub subscription_id: Option<String>,
    /// The renewal's invoice; `None` for a checkout's own payment.
    pub invoice_id: Option<String>,
    pub product_id: String,
    pub amount: i64,
    pub currency: String,
    pub customer: Customer,
    /// `purchase`, `subscription_create`, `subscription_cycle`, `subscription_update`, …
    pub billing_reason: String,
    pub paid_at: Timestamp,
    /// Successfully refunded so far.
    pub refunded: i64,
    /// How many refunds (of any outcome) were made, for refund numbers.
    pub refund_count: u32,
    pub einvoice: Option<EInvoiceRecord>,
}

/// The e-invoice issued for an order.
#[derive(Clone, Debug)]
pub struct EInvoiceRecord {
    /// As printed on the receipt: two letters, a dash, eight digits.
    pub number: String,
    pub issued_at: Timestamp,
    /// An allowance was made: the invoice can no longer be voided as a whole.
    pub reduced: bool,
    pub voided: bool,
}

impl Order {
    /// The paid checkout's own order (`billing_reason` `purchase` or `subscription_create`).
    pub fn of_checkout(s: &Session, billing_reason: &str, now: Timestamp) -> Order {
        Order {
            id: s.order_id.clone().unwrap_or_default(),
            charge_id: ids::cuid(now.unix_ms()),
            checkout_id: Some(s.id.clone()),
            subscription_id: s.subscription_id.clone(),
            invoice_id: None,
            product_id: s.product.id.clone(),
            amount: s.amount,
            currency: s.currency.clone(),
            customer: s.customer(),
            billing_reason: billing_reason.to_owned(),
            paid_at: now,
            refunded: 0,
            refund_count: 0,
            einvoice: None,
        }
    }

    /// A renewal Recur billed itself: no checkout, its own invoice.
    pub fn of_renewal(sub: &Subscription, id: String, invoice_id: &str, billing_reason: &str, now: Timestamp) -> Order {
        Order {
            id,
            charge_id: ids::cuid(now.unix_ms()),
            checkout_id: None,
            subscription_id: Some(sub.id.clone()),
            invoice_id: Some(invoice_id.to_owned()),
            product_id: sub.product.id.clone(),
            amount: sub.amount,
            currency: sub.currency.clone(),
            customer: sub.customer.clone(),
            billing_reason: billing_reason.to_owned(),
            paid_at: now,
            refunded: 0,
            refund_count: 0,
            einvoice: None,
        }
    }

    pub fn left_to_refund(&self) -> i64 {
        self.amount - self.refunded
    }

    /// `GET /_sandbox/orders` (the sandbox's own view; Recur has no such route).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "charge_id": self.charge_id, "checkout_id": self.checkout_id,
            "subscription_id": self.subscription_id, "invoice_id": self.invoice_id,
            "product_id": self.product_id, "amount": self.amount, "currency": self.currency,
            "billing_reason": self.billing_reason, "paid_at": self.paid_at.to_rfc3339(),
            "refunded_amount": self.refunded,
            "einvoice": self.einvoice.as_ref().map(|e| json!({"invoice_number": e.number,
                "issued_at": e.issued_at.to_rfc3339(), "voided": e.voided, "allowance": e.reduced})),
        })
    }
}
