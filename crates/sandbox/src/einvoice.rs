//! E-invoices (電子發票), which Recur issues itself: `einvoice.issued` (or `issue_failed`) after
//! a payment, `einvoice.voided` after a full refund and `einvoice.allowance_created` (折讓)
//! after a partial one, per [`EinvoiceMode`] (`--einvoice on|off|fail`).
//!
//! Recur publishes only the keys, `order_id` and `invoice_id` (no `data.id`); every other field
//! name here is this sandbox's guess, listed in the README. `invoice_id` is the renewal's
//! invoice when the e-invoice is for one, else null; the receipt's own identity is its
//! `invoice_number`. That a void follows a full refund and an allowance a partial one is
//! inferred, not sourced. Not here: when refunds happen ([`crate::refund`]).

use recur_domain::Timestamp;
use serde_json::{json, Value};

use crate::config::EinvoiceMode;
use crate::events::Draft;
use crate::ids;
use crate::order::{EInvoiceRecord, Order};

/// The e-invoice event after `order` was paid, if any.
pub fn after_payment(mode: EinvoiceMode, order: &mut Order, now: Timestamp) -> Vec<Draft> {
    match mode {
        EinvoiceMode::Off => Vec::new(),
        EinvoiceMode::Fail => {
            let mut data = keys(order);
            data["status"] = json!("failed");
            data["amount"] = json!(order.amount);
            data["failure_code"] = json!("einvoice_issue_failed");
            data["failure_message"] = json!("The e-invoice platform did not accept the invoice (sandbox)");
            data["failed_at"] = json!(now.to_rfc3339());
            vec![("einvoice.issue_failed", data)]
        }
        EinvoiceMode::On => {
            let record = EInvoiceRecord {
                number: ids::einvoice_number(),
                issued_at: now,
                reduced: false,
                voided: false,
            };
            let mut data = numbered(order, &record, "issued");
            data["amount"] = json!(order.amount);
            data["issued_at"] = json!(now.to_rfc3339());
            data["carrier_type"] = json!("email");
            data["buyer_email"] = json!(order.customer.email);
            order.einvoice = Some(record);
            vec![("einvoice.issued", data)]
        }
    }
}

/// The e-invoice event after a successful refund of `amount`: a void when the whole order was
/// refunded at once, an allowance otherwise. Nothing without an issued, unvoided e-invoice.
pub fn after_refund(mode: EinvoiceMode, order: &mut Order, amount: i64, now: Timestamp) -> Vec<Draft> {
    let Some(mut record) = order.einvoice.clone().filter(|r| !r.voided) else {
        return Vec::new();
    };
    if mode != EinvoiceMode::On {
        return Vec::new();
    }
    let draft = if amount == order.amount && !record.reduced {
        record.voided = true;
        let mut data = numbered(order, &record, "voided");
        data["amount"] = json!(order.amount);
        data["voided_at"] = json!(now.to_rfc3339());
        data["void_reason"] = json!("refund");
        ("einvoice.voided", data)
    } else {
        record.reduced = true;
        let mut data = numbered(order, &record, "allowance_created");
        data["allowance_number"] = json!(ids::einvoice_number());
        data["amount"] = json!(amount);
        data["remaining_amount"] = json!(order.left_to_refund());
        data["allowance_at"] = json!(now.to_rfc3339());
        ("einvoice.allowance_created", data)
    };
    order.einvoice = Some(record);
    vec![draft]
}

/// The published keys, and what ties an e-invoice to a subscription.
fn keys(order: &Order) -> Value {
    json!({
        "order_id": order.id, "invoice_id": order.invoice_id,
        "subscription_id": order.subscription_id, "currency": order.currency,
    })
}

fn numbered(order: &Order, record: &EInvoiceRecord, status: &str) -> Value {
    let mut data = keys(order);
    data["invoice_number"] = json!(record.number);
    data["status"] = json!(status);
    data
}
