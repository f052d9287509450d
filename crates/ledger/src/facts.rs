//! Applying facts from Recur (webhooks, session reads) to sales.
//!
//! Every rule here is idempotent and, as far as the facts allow, independent of order: the same
//! facts applied once in order or several times shuffled leave the same sales. That is why
//! times keep their minimum, missing fields are only ever filled, never overwritten, and money
//! once recorded is never changed. Matching is by checkout id or our transaction id only.
//! Refunds and subscriptions have their own modules; matching and payments live here.

use crate::sql::Value;
use crate::sql::{args, Db};

use recur_domain::fact::{Fact, MatchKey, Payment};
use recur_domain::state::{decide, Decision};
use recur_domain::{Attention, CheckoutId, Failure, Money, SaleState, StepNote, Timestamp};

use crate::db::Ledger;
use crate::error::LedgerError;
use crate::matching::{checkout_count, match_sale};
use crate::rows::{flag, record_step, require_sale, set_failure, Step};
use crate::types::{Applied, Cause, Sale};
use crate::{einvoices, refunds, subscriptions, waiting};

impl Ledger {
    /// Applies one fact in one transaction. Facts from Recur (`CauseKind::Event`,
    /// `SessionRead`) never fail on the state machine: at worst they are no-ops.
    pub fn apply_fact(&self, fact: &Fact, cause: &Cause, now: Timestamp) -> Result<Applied, LedgerError> {
        self.write(|tx| apply_in(tx, fact, cause, now))
    }
}

pub(crate) fn apply_in(conn: &Db<'_>, fact: &Fact, cause: &Cause, now: Timestamp) -> Result<Applied, LedgerError> {
    match fact {
        Fact::PageOpened { key, at } => page_opened(conn, key, at.unwrap_or(now), now),
        Fact::Paid(payment) => paid(conn, payment, cause, now),
        Fact::PaymentFailed {
            key,
            code,
            message,
            subscription_id,
        } => {
            let failure = Failure::Declined {
                code: code.clone(),
                message: message.clone(),
            };
            let applied = unpaid_end(conn, key, SaleState::Failed, Some(&failure), cause, now)?;
            if let (Some(subscription), Some(sale)) = (subscription_id, sale_of(&applied)) {
                // The subscription stays pending, but it is this sale's: its events are no
                // longer unmatched.
                subscriptions::link_sale(conn, subscription, sale, now)?;
                waiting::adopt(conn, sale, None, Some(subscription))?;
            }
            Ok(applied)
        }
        Fact::Expired { key } => unpaid_end(conn, key, SaleState::Expired, None, cause, now),
        Fact::CheckoutUnconfirmed { key, .. } => unconfirmed(conn, key, now),
        Fact::Refund(refund) => refunds::apply(conn, refund, cause, now),
        Fact::Subscription(update) => subscriptions::apply(conn, update, cause, now),
        Fact::RenewalFailed(failure) => subscriptions::renewal_failed(conn, failure, cause, now),
        Fact::EInvoice(einvoice) => einvoices::apply(conn, einvoice, now),
        // Listed for a person (the journal keeps it as unmatched, with what it lacks).
        Fact::Unplaceable { .. } => Ok(Applied::Unmatched),
        Fact::CatalogChanged | Fact::Ignored => Ok(Applied::Ignored),
    }
}

fn sale_of(applied: &Applied) -> Option<&recur_domain::TxnId> {
    match applied {
        Applied::Changed { sale, .. } | Applied::Recorded { sale } | Applied::NoOp { sale, .. } => Some(sale),
        Applied::Unmatched | Applied::Ignored => None,
    }
}

/// A `checkout.completed` that proves no payment (Recur sends one after a failed first
/// subscription payment too): nothing changes; the journal says why.
fn unconfirmed(conn: &Db<'_>, key: &MatchKey, now: Timestamp) -> Result<Applied, LedgerError> {
    Ok(match match_sale(conn, key, now)? {
        Some(sale) => Applied::NoOp {
            sale: sale.id,
            reason: "checkout completed without a completed status or an order: waiting for order.paid".to_owned(),
        },
        None => Applied::Unmatched,
    })
}

fn page_opened(conn: &Db<'_>, key: &MatchKey, at: Timestamp, now: Timestamp) -> Result<Applied, LedgerError> {
    let Some(sale) = match_sale(conn, key, now)? else {
        return Ok(Applied::Unmatched);
    };
    let changed = conn.exec(
        "UPDATE sales SET page_opened_at = ?2, updated_at = ?3 WHERE id = ?1 \
         AND (page_opened_at IS NULL OR page_opened_at > ?2)",
        args![sale.id.as_str(), at.unix_ms(), now.unix_ms()],
    )?;
    Ok(match changed {
        0 => Applied::NoOp {
            sale: sale.id,
            reason: "the page was already seen open".to_owned(),
        },
        _ => Applied::Recorded { sale: sale.id },
    })
}

/// FAILED or EXPIRED: only about the sale's current checkout. A failure of an earlier checkout
/// must not end a sale the cashier has since re-opened with a new QR code.
fn unpaid_end(
    conn: &Db<'_>,
    key: &MatchKey,
    to: SaleState,
    failure: Option<&Failure>,
    cause: &Cause,
    now: Timestamp,
) -> Result<Applied, LedgerError> {
    let Some(sale) = match_sale(conn, key, now)? else {
        return Ok(Applied::Unmatched);
    };
    match (&key.checkout_id, &sale.checkout_id) {
        (Some(theirs), Some(current)) if theirs != current => {
            let reason = format!("about {theirs}, an earlier checkout of this sale");
            return Ok(Applied::NoOp { sale: sale.id, reason });
        }
        // Named only by our transaction id: with several checkouts it may be about an earlier
        // one, and ending the sale would hide the checkout the customer can still pay.
        (None, Some(_)) if checkout_count(conn, &sale.id)? > 1 => {
            let reason = "names no checkout, and the sale has had several".to_owned();
            return Ok(Applied::NoOp { sale: sale.id, reason });
        }
        _ => {}
    }
    match decide(sale.state, to, cause.kind)? {
        Decision::Ignore(reason) => Ok(Applied::NoOp {
            sale: sale.id,
            reason: reason.to_owned(),
        }),
        Decision::Apply => {
            set_failure(conn, &sale.id, failure)?;
            let note = failure.map(|f| StepNote::Failed(f.code()));
            let step = Step::new(&sale.id, Some(sale.state), to, cause.kind, now)
                .reference(cause.reference.as_deref())
                .note(note);
            record_step(conn, &step)?;
            Ok(Applied::Changed {
                sale: sale.id,
                from: sale.state,
                to,
            })
        }
    }
}

fn paid(conn: &Db<'_>, payment: &Payment, cause: &Cause, now: Timestamp) -> Result<Applied, LedgerError> {
    let Some(sale) = match_sale(conn, &payment.key, now)? else {
        return Ok(Applied::Unmatched);
    };
    let decision = decide(sale.state, SaleState::Paid, cause.kind)?;
    let filled = fill_payment(conn, &sale, payment, now)?;
    if decision == Decision::Apply {
        let note = payment.amount.map(|amount| StepNote::Received { amount });
        let step = Step::new(&sale.id, Some(sale.state), SaleState::Paid, cause.kind, now)
            .reference(cause.reference.as_deref())
            .note(note);
        record_step(conn, &step)?;
        // Money received wins over an earlier failure; the failure stays in the history.
        set_failure(conn, &sale.id, None)?;
        if sale.state == SaleState::Cancelled {
            flag(conn, &sale.id, &Attention::PaidAfterCancel, now)?;
        }
    }
    if let Some(subscription) = &payment.subscription_id {
        subscriptions::link_sale(conn, subscription, &sale.id, now)?;
    }
    refunds::settle(conn, &sale.id, cause.reference.as_deref(), now)?;
    einvoices::settle(conn, &sale.id, now)?;
    // Events that came before this payment told us whose they are.
    let order = require_sale(conn, &sale.id)?.order_id;
    waiting::adopt(conn, &sale.id, order.as_ref(), payment.subscription_id.as_ref())?;
    let state = require_sale(conn, &sale.id)?.state;
    Ok(match decision {
        _ if state != sale.state => Applied::Changed {
            sale: sale.id,
            from: sale.state,
            to: state,
        },
        Decision::Ignore(reason) if filled.is_empty() => Applied::NoOp {
            sale: sale.id,
            reason: reason.to_owned(),
        },
        Decision::Ignore(reason) => Applied::NoOp {
            sale: sale.id,
            reason: format!("{reason}; filled {}", filled.join(", ")),
        },
        Decision::Apply => Applied::Changed {
            sale: sale.id,
            from: sale.state,
            to: state,
        },
    })
}

/// Stores what a payment says, filling only what is still unknown (a second report of the
/// same payment never changes money), and flags what does not add up. Returns what it filled.
fn fill_payment(conn: &Db<'_>, sale: &Sale, p: &Payment, now: Timestamp) -> Result<Vec<&'static str>, LedgerError> {
    // What is still unknown, read once; then ONE update of the sale (each update of the sale
    // rewrites its row and index entries, and one of the customer's text columns re-indexes
    // its full text).
    let (paid_checkout, unknown, paid_at) = conn.row(
        "SELECT paid_checkout_id, order_id IS NULL, subscription_id IS NULL, paid_checkout_id IS NULL, \
         paid_amount IS NULL, paid_currency IS NULL, paid_email IS NULL, paid_name IS NULL, paid_at \
         FROM sales WHERE id = ?1",
        [sale.id.as_str()],
        |r| {
            let mut unknown = [false; 7];
            for (i, slot) in unknown.iter_mut().enumerate() {
                *slot = r.get(i + 1)?;
            }
            Ok((r.get::<Option<String>>(0)?, unknown, r.get::<Option<i64>>(8)?))
        },
    )?;
    flag_second_payment(conn, sale, paid_checkout.as_deref(), p, now)?;
    let text = |value: Option<String>| value.map(Value::Text);
    let fields: [(&'static str, Option<Value>); 7] = [
        ("order_id", text(p.order_id.as_ref().map(ToString::to_string))),
        (
            "subscription_id",
            text(p.subscription_id.as_ref().map(ToString::to_string)),
        ),
        (
            "paid_checkout_id",
            text(p.key.checkout_id.as_ref().map(ToString::to_string)),
        ),
        ("paid_amount", p.amount.map(|a| Value::Int(a.get()))),
        ("paid_currency", text(p.currency.as_ref().map(ToString::to_string))),
        ("paid_email", text(p.customer_email.clone())),
        ("paid_name", text(p.customer_name.clone())),
    ];
    let mut filled = Vec::new();
    let mut sets = Vec::new();
    let mut values = vec![Value::Text(sale.id.to_string())];
    for ((column, value), unknown) in fields.into_iter().zip(unknown) {
        // Only what is still unknown: a second report of the same payment never changes money.
        if let (Some(value), true) = (value, unknown) {
            values.push(value);
            // Column names are our own constants, never input.
            sets.push(format!("{column} = ?{}", values.len()));
            filled.push(column);
        }
    }
    let at = p.paid_at.unwrap_or(now).unix_ms();
    if paid_at.is_none_or(|known| known > at) {
        values.push(Value::Int(at));
        sets.push(format!("paid_at = ?{}", values.len()));
    }
    if !sets.is_empty() {
        values.push(Value::Int(now.unix_ms()));
        sets.push(format!("updated_at = ?{}", values.len()));
        let sql = format!("UPDATE sales SET {} WHERE id = ?1", sets.join(", "));
        conn.exec(&sql, values)?;
    }
    flag_mismatch(conn, sale, p, now)?;
    Ok(filled)
}

/// The amount or currency Recur received is not what the sale asked: still paid (the money
/// is real), but a person must look.
fn flag_mismatch(conn: &Db<'_>, sale: &Sale, p: &Payment, now: Timestamp) -> Result<(), LedgerError> {
    if let Some(amount) = p.amount.filter(|a| *a != sale.amount) {
        let note = Attention::AmountMismatch {
            expected: sale.amount,
            received: amount,
        };
        flag(conn, &sale.id, &note, now)?;
    }
    if p.amount.is_none() && sale.amount != Money::ZERO {
        // Recur did not say how much: the sale is paid, but its takings are the asked price
        // only by assumption.
        flag(conn, &sale.id, &Attention::AmountMissing, now)?;
    }
    if let Some(currency) = p.currency.as_ref().filter(|c| **c != sale.currency) {
        let note = Attention::CurrencyMismatch {
            expected: sale.currency.clone(),
            received: currency.clone(),
        };
        flag(conn, &sale.id, &note, now)?;
    }
    Ok(())
}

/// Two different checkouts (or orders) of one sale both paid: the customer paid twice. Both
/// ids are named in a fixed order (see [`Attention::double_payment`]) so the note is the same
/// whichever payment came first.
fn flag_second_payment(
    conn: &Db<'_>,
    sale: &Sale,
    paid_checkout: Option<&str>,
    p: &Payment,
    now: Timestamp,
) -> Result<(), LedgerError> {
    let pairs = [
        (paid_checkout, p.key.checkout_id.as_ref().map(CheckoutId::as_str)),
        (
            sale.order_id.as_ref().map(|o| o.as_str()),
            p.order_id.as_ref().map(|o| o.as_str()),
        ),
    ];
    for (known, reported) in pairs {
        if let (Some(known), Some(reported)) = (known, reported) {
            if known != reported {
                flag(conn, &sale.id, &Attention::double_payment(known, reported), now)?;
            }
        }
    }
    Ok(())
}
