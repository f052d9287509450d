//! The JSON of one sale's full story: its history with causes, refunds, e-invoices, the
//! subscription it started with its renewals, and the webhook events that touched it.

use recur_domain::{Money, Timestamp};
use recur_ledger::{
    EInvoiceRecord, JournalEntry, RefundRecord, RenewalRecord, SaleDetail, SubscriptionRecord, Transition,
};
use serde::Serialize;

use super::{CodeDto, SaleDto};

/// One sale with how it got where it is.
#[derive(Clone, Debug, Serialize)]
pub struct SaleDetailDto {
    pub sale: SaleDto,
    /// Oldest first.
    pub history: Vec<TransitionDto>,
    pub refunds: Vec<RefundDto>,
    pub checkouts: usize,
    pub einvoices: Vec<EInvoiceDto>,
    pub subscription: Option<SaleSubscriptionDto>,
    /// The webhook events that touched the sale, oldest first (links to the Events tab).
    pub events: Vec<SaleEventDto>,
}

/// An e-invoice event of the sale.
#[derive(Clone, Debug, Serialize)]
pub struct EInvoiceDto {
    /// `issued`, `issue_failed`, `voided` or `allowance_created`.
    pub kind: String,
    pub invoice_number: Option<String>,
    pub allowance_number: Option<String>,
    pub amount_text: Option<String>,
    pub failure_code: Option<String>,
    pub at: i64,
}

impl From<&EInvoiceRecord> for EInvoiceDto {
    fn from(e: &EInvoiceRecord) -> EInvoiceDto {
        EInvoiceDto {
            kind: e.kind.trim_start_matches("einvoice.").to_owned(),
            invoice_number: e.invoice_number.clone(),
            allowance_number: e.allowance_number.clone(),
            amount_text: e.amount.map(Money::display_twd),
            failure_code: e.failure_code.clone(),
            at: e.at.unwrap_or(e.recorded_at).unix_ms(),
        }
    }
}

/// The subscription a sale started, with each renewal charge.
#[derive(Clone, Debug, Serialize)]
pub struct SaleSubscriptionDto {
    pub subscription_id: String,
    pub status: Option<String>,
    pub current_period_end: Option<i64>,
    pub renewals: Vec<RenewalDto>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RenewalDto {
    pub renewal_id: String,
    /// `PAID` or `FAILED`.
    pub status: String,
    pub amount_text: Option<String>,
    pub failure_code: Option<String>,
    pub at: i64,
}

impl From<&RenewalRecord> for RenewalDto {
    fn from(r: &RenewalRecord) -> RenewalDto {
        RenewalDto {
            renewal_id: r.renewal_id.clone(),
            status: r.status.clone(),
            amount_text: r.amount.map(Money::display_twd),
            failure_code: r.failure_code.clone(),
            at: r.paid_at.unwrap_or(r.recorded_at).unix_ms(),
        }
    }
}

impl From<&SubscriptionRecord> for SaleSubscriptionDto {
    fn from(s: &SubscriptionRecord) -> SaleSubscriptionDto {
        SaleSubscriptionDto {
            subscription_id: s.subscription_id.to_string(),
            status: s.status.clone(),
            current_period_end: s.current_period_end.map(Timestamp::unix_ms),
            renewals: s.renewals.iter().map(RenewalDto::from).collect(),
        }
    }
}

/// A webhook event that touched the sale.
#[derive(Clone, Debug, Serialize)]
pub struct SaleEventDto {
    pub seq: i64,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub outcome: &'static str,
    pub received_at: i64,
}

impl From<&JournalEntry> for SaleEventDto {
    fn from(e: &JournalEntry) -> SaleEventDto {
        SaleEventDto {
            seq: e.seq,
            event_id: e.event_id.as_ref().map(ToString::to_string),
            event_type: e.event_type.clone(),
            outcome: e.outcome.as_str(),
            received_at: e.received_at.unix_ms(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TransitionDto {
    pub from: Option<&'static str>,
    pub to: &'static str,
    /// `create`, `event`, `session_read` or `cashier`.
    pub cause: &'static str,
    pub reference: Option<String>,
    /// `{code, params}` (`note.<code>` in the UI's strings; `failed` names a failure code).
    pub note: Option<CodeDto>,
    pub at: i64,
}

impl From<&Transition> for TransitionDto {
    fn from(t: &Transition) -> TransitionDto {
        TransitionDto {
            from: t.from.map(|s| s.as_str()),
            to: t.to.as_str(),
            cause: t.cause.as_str(),
            reference: t.reference.clone(),
            note: t.note.as_ref().map(CodeDto::note),
            at: t.at.unix_ms(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RefundDto {
    pub refund_id: String,
    /// Upper case (`SUCCEEDED`, `PENDING`, …).
    pub status: String,
    pub amount_text: Option<String>,
    pub refunded_text: Option<String>,
    /// Whether it counts toward the sale's refunded amount.
    pub counted: bool,
    pub updated_at: i64,
}

impl From<&RefundRecord> for RefundDto {
    fn from(r: &RefundRecord) -> RefundDto {
        RefundDto {
            refund_id: r.refund_id.clone(),
            status: r.status.clone(),
            amount_text: r.amount.map(Money::display_twd),
            refunded_text: r.refunded_amount.map(Money::display_twd),
            counted: r.counted,
            updated_at: r.updated_at.unix_ms(),
        }
    }
}

impl From<&SaleDetail> for SaleDetailDto {
    fn from(d: &SaleDetail) -> SaleDetailDto {
        SaleDetailDto {
            sale: SaleDto::from(&d.sale),
            history: d.history.iter().map(TransitionDto::from).collect(),
            refunds: d.refunds.iter().map(RefundDto::from).collect(),
            checkouts: d.checkouts.len(),
            einvoices: d.einvoices.iter().map(EInvoiceDto::from).collect(),
            subscription: d.subscription.as_ref().map(SaleSubscriptionDto::from),
            events: d.events.iter().map(SaleEventDto::from).collect(),
        }
    }
}
