//! E-invoice facts (`einvoice.*`): Taiwan's electronic receipt (統一發票), which Recur issues
//! itself for a payment and voids or reduces (an allowance, 折讓) after a refund.
//!
//! Recur publishes only the keys — `order_id` and `invoice_id`, no `data.id` — so every other
//! field is read under several guessed names and the whole `data` object is kept as sent.
//! Not here: linking an e-invoice to a sale (the ledger does that by order id).

use serde_json::Value;

use crate::event::Event;
use crate::fact::key::MatchKey;
use crate::ids::{OrderId, SubscriptionId};
use crate::money::{Currency, Money};
use crate::time::Timestamp;

/// Which e-invoice event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EInvoiceKind {
    Issued,
    /// Recur could not issue it: the shop owes the customer a receipt, so a person must look.
    IssueFailed,
    /// Cancelled as a whole (after a full refund).
    Voided,
    /// Reduced by an allowance (折讓, after a partial refund).
    AllowanceCreated,
}

impl EInvoiceKind {
    pub const ALL: [EInvoiceKind; 4] = [Self::Issued, Self::IssueFailed, Self::Voided, Self::AllowanceCreated];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issued => "einvoice.issued",
            Self::IssueFailed => "einvoice.issue_failed",
            Self::Voided => "einvoice.voided",
            Self::AllowanceCreated => "einvoice.allowance_created",
        }
    }

    pub fn parse(event_type: &str) -> Option<Self> {
        let lower = event_type.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| k.as_str() == lower)
    }
}

/// One `einvoice.*` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EInvoice {
    pub kind: EInvoiceKind,
    /// The order the e-invoice is for: how it finds its sale.
    pub order_id: Option<OrderId>,
    /// The other published key (a renewal's invoice, or the e-invoice record itself).
    pub invoice_id: Option<String>,
    pub subscription_id: Option<SubscriptionId>,
    /// The receipt's number as printed (`AB-12345678`); guessed names.
    pub invoice_number: Option<String>,
    /// An allowance's own number, for `einvoice.allowance_created`; guessed names.
    pub allowance_number: Option<String>,
    /// Upper case, when the event names one.
    pub status: Option<String>,
    pub amount: Option<Money>,
    pub currency: Option<Currency>,
    /// For `einvoice.issue_failed`.
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    /// When it was issued, voided or reduced, else the envelope's time.
    pub at: Option<Timestamp>,
    pub key: MatchKey,
    /// `data` exactly as sent: the field names beyond the keys are not published.
    pub data: Value,
}

/// `None` for an `einvoice.*` type that is not documented.
pub(crate) fn einvoice(event: &Event, key: MatchKey) -> Option<EInvoice> {
    let kind = EInvoiceKind::parse(&event.kind)?;
    let number = |names: &[&str]| event.str_field(names).map(str::to_owned);
    Some(EInvoice {
        kind,
        order_id: event.order_id(),
        invoice_id: number(&["invoice_id", "einvoice_id"]),
        subscription_id: event.subscription_id(),
        invoice_number: number(&["invoice_number", "einvoice_number", "invoice_no", "number"]),
        allowance_number: number(&["allowance_number", "allowance_no"]),
        status: event.status(),
        amount: event.money_field(&["amount", "allowance_amount", "total_amount"]),
        currency: event.currency(),
        failure_code: event.failure_code(),
        failure_message: event.failure_message(),
        at: event
            .time_field(&["issued_at", "voided_at", "allowance_at", "created_at", "failed_at"])
            .or(event.timestamp),
        key,
        data: event.data.clone(),
    })
}
