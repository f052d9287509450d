//! What our own side does to a sale: create it, attach Recur's checkout, record that creating
//! the checkout failed, cancel it at the counter.
//!
//! These are requests, so a transition the state machine refuses is an error
//! ([`LedgerError::Transition`]). Facts from Recur are in `facts.rs`; reading is in `query.rs`.

use crate::sql::{args, Db, Optional};

use recur_domain::state::{decide, Decision};
use recur_domain::{CauseKind, Failure, Money, SaleState, StepNote, Timestamp, TxnId};

use crate::db::Ledger;
use crate::error::LedgerError;
use crate::rows::{record_step, require_sale, set_failure, Step};
use crate::types::{NewCheckout, NewSale, Sale};

impl Ledger {
    /// Writes a DRAFT sale with a fresh id. Call this **before** calling Recur and send the id
    /// as `metadata.transaction_id`.
    pub fn create_sale(&self, new: NewSale, now: Timestamp) -> Result<Sale, LedgerError> {
        let id = TxnId::generate();
        self.write(|tx| {
            tx.exec(
                "INSERT INTO sales (id, product_id, product_name, mode, amount, currency, customer_email, \
                 customer_name, state, created_at, updated_at, shop, counter) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)",
                args![
                    id.as_str(),
                    new.product_id.as_str(),
                    new.product_name,
                    new.mode.as_str(),
                    new.amount.get(),
                    new.currency.as_str(),
                    new.customer_email,
                    new.customer_name,
                    SaleState::Draft.as_str(),
                    now.unix_ms(),
                    self.origin().shop,
                    self.origin().counter
                ],
            )?;
            record_step(tx, &Step::new(&id, None, SaleState::Draft, CauseKind::Create, now))?;
            require_sale(tx, &id)
        })
    }

    /// Records a cash sale: paid at once at the counter, with no checkout, never sent to Recur
    /// (and never matched to one of its webhooks). `tendered` is what the customer handed over;
    /// less than the amount is refused.
    pub fn record_cash_sale(&self, new: NewSale, tendered: Money, now: Timestamp) -> Result<Sale, LedgerError> {
        if tendered < new.amount {
            return Err(LedgerError::CashShort {
                amount: new.amount,
                tendered,
            });
        }
        let id = TxnId::generate();
        self.write(|tx| {
            tx.exec(
                "INSERT INTO sales (id, product_id, product_name, mode, amount, currency, customer_email, \
                 customer_name, state, tender, cash_tendered, paid_amount, paid_currency, paid_at, created_at, \
                 updated_at, shop, counter) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'cash', ?10, ?5, ?6, ?11, ?11, ?11, ?12, ?13)",
                args![
                    id.as_str(),
                    new.product_id.as_str(),
                    new.product_name,
                    new.mode.as_str(),
                    new.amount.get(),
                    new.currency.as_str(),
                    new.customer_email,
                    new.customer_name,
                    SaleState::Draft.as_str(),
                    tendered.get(),
                    now.unix_ms(),
                    self.origin().shop,
                    self.origin().counter
                ],
            )?;
            record_step(tx, &Step::new(&id, None, SaleState::Draft, CauseKind::Cash, now))?;
            let paid = Step::new(&id, Some(SaleState::Draft), SaleState::Paid, CauseKind::Cash, now)
                .note(Some(StepNote::Received { amount: new.amount }));
            record_step(tx, &paid)?;
            require_sale(tx, &id)
        })
    }

    /// Records the checkout Recur created and opens the sale: DRAFT → OPEN, or FAILED/EXPIRED →
    /// OPEN for a new QR code. An OPEN sale just switches to the new checkout.
    ///
    /// The checkout is mapped to the sale even when the transition is refused (say the cashier
    /// cancelled while Recur was creating it): the checkout exists at Recur and can be paid, and
    /// that payment must land on this sale.
    pub fn attach_checkout(&self, id: &TxnId, checkout: NewCheckout, now: Timestamp) -> Result<Sale, LedgerError> {
        let refused = self.write(|tx| {
            let sale = require_sale(tx, id)?;
            map_checkout(tx, id, &checkout, now)?;
            match decide(sale.state, SaleState::Open, CauseKind::Create) {
                Ok(Decision::Apply) => {
                    set_current_checkout(tx, id, &checkout, true, now)?;
                    let step = Step::new(id, Some(sale.state), SaleState::Open, CauseKind::Create, now)
                        .reference(Some(checkout.checkout_id.as_str()));
                    record_step(tx, &step)?;
                    Ok(None)
                }
                Ok(Decision::Ignore(_)) => set_current_checkout(tx, id, &checkout, false, now).map(|()| None),
                // A payment learnt before the checkout id came back (a very fast webhook).
                Err(_) if sale.state.is_paid() && sale.checkout_id.is_none() => {
                    set_current_checkout(tx, id, &checkout, false, now).map(|()| None)
                }
                Err(refusal) => Ok(Some(refusal)),
            }
        })?;
        match refused {
            Some(refusal) => Err(refusal.into()),
            None => self.read(|conn| require_sale(conn, id)),
        }
    }

    /// Creating the checkout at Recur failed (or was interrupted): DRAFT → FAILED, kept and
    /// visible with the reason.
    pub fn mark_create_failed(&self, id: &TxnId, failure: &Failure, now: Timestamp) -> Result<Sale, LedgerError> {
        self.write(|tx| {
            let sale = require_sale(tx, id)?;
            let decision = decide(sale.state, SaleState::Failed, CauseKind::Create)?;
            set_failure(tx, id, Some(failure))?;
            tx.exec(
                "UPDATE sales SET updated_at = ?2 WHERE id = ?1",
                args![id.as_str(), now.unix_ms()],
            )?;
            if decision == Decision::Apply {
                let step = Step::new(id, Some(sale.state), SaleState::Failed, CauseKind::Create, now)
                    .note(Some(StepNote::Failed(failure.code())));
                record_step(tx, &step)?;
            }
            require_sale(tx, id)
        })
    }

    /// The cashier cancels a sale that has not been paid. Cancelling a cancelled sale is a no-op.
    pub fn cancel_sale(&self, id: &TxnId, now: Timestamp) -> Result<Sale, LedgerError> {
        self.write(|tx| {
            let sale = require_sale(tx, id)?;
            if decide(sale.state, SaleState::Cancelled, CauseKind::Cashier)? == Decision::Apply {
                record_step(
                    tx,
                    &Step::new(id, Some(sale.state), SaleState::Cancelled, CauseKind::Cashier, now),
                )?;
            }
            require_sale(tx, id)
        })
    }
}

/// Maps a checkout to its sale, once and forever. Attaching the same checkout twice (a retry)
/// is harmless; attaching it to a second sale is refused.
fn map_checkout(conn: &Db<'_>, id: &TxnId, checkout: &NewCheckout, now: Timestamp) -> Result<(), LedgerError> {
    let owner: Option<String> = conn
        .row(
            "SELECT sale_id FROM checkouts WHERE checkout_id = ?1",
            [checkout.checkout_id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    match owner {
        Some(owner) if owner == id.as_str() => Ok(()),
        Some(owner) => Err(LedgerError::CheckoutConflict {
            checkout: checkout.checkout_id.clone(),
            owner: owner.into(),
        }),
        None => {
            conn.exec(
                "INSERT INTO checkouts (checkout_id, sale_id, url, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                args![
                    checkout.checkout_id.as_str(),
                    id.as_str(),
                    checkout.url,
                    checkout.expires_at.map(Timestamp::unix_ms),
                    now.unix_ms()
                ],
            )?;
            Ok(())
        }
    }
}

/// Makes `checkout` the sale's current one. A re-opened sale starts clean: the old failure
/// reason belongs to the old checkout (it stays in the history).
fn set_current_checkout(
    conn: &Db<'_>,
    id: &TxnId,
    checkout: &NewCheckout,
    reopen: bool,
    now: Timestamp,
) -> Result<(), LedgerError> {
    conn.exec(
        "UPDATE sales SET checkout_id = ?2, url = ?3, expires_at = ?4, updated_at = ?5, \
         failure_code = CASE WHEN ?6 THEN NULL ELSE failure_code END, \
         failure_params = CASE WHEN ?6 THEN NULL ELSE failure_params END WHERE id = ?1",
        args![
            id.as_str(),
            checkout.checkout_id.as_str(),
            checkout.url,
            checkout.expires_at.map(Timestamp::unix_ms),
            now.unix_ms(),
            reopen
        ],
    )?;
    Ok(())
}
