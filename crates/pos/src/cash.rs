//! Cash at the counter: a sale of a one-off product paid in cash is written PAID at once, with
//! what the customer handed over; it is never sent to Recur and nothing Recur says can match it.
//!
//! Not here: the drawer (printing) or the day's cash count (the close).

use recur_domain::{Mode, Money, Timestamp};
use recur_ledger::{NewSale, Sale};

use crate::counter::{clean_email, ChargeRequest, Counter};
use crate::error::PosError;

impl Counter {
    /// Records a cash sale of `req.product_id`. `tendered` is what the customer handed over
    /// (default: the exact amount); less than the price is refused (`cash_short`), and so is a
    /// subscription or a card-only sale (those need Recur).
    pub async fn charge_cash(&self, req: ChargeRequest, tendered: Option<Money>) -> Result<Sale, PosError> {
        let email = clean_email(req.customer_email.as_deref())?;
        let name = req.customer_name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        let product = self.find_product(&req.product_id).await?;
        let mode = crate::counter::mode_for(&product, req.mode)?;
        if mode != Mode::Payment {
            return Err(PosError::InvalidInput(format!(
                "a {mode} sale needs Recur's checkout; cash takes one-off payments only"
            )));
        }
        // Too little cash is refused by the ledger, with the rest of the cash rule.
        let tendered = tendered.unwrap_or(product.price);
        let new = NewSale {
            product_id: product.id.clone(),
            product_name: product.name.clone(),
            mode,
            amount: product.price,
            currency: product.currency.clone(),
            customer_email: email,
            customer_name: name,
        };
        // Known away: straight to the outbox, without waiting on a connection attempt first.
        if let (Some(outbox), false) = (&self.outbox, self.shared_status().reachable) {
            let sale = outbox.record_cash_sale(new, tendered, Timestamp::now())?;
            self.notify(&sale);
            self.emit(crate::counter::CoreEvent::SharedLedger(self.shared_status()));
            return Ok(sale);
        }
        let sale = match self.ledger().record_cash_sale(new.clone(), tendered, Timestamp::now()) {
            Err(recur_ledger::LedgerError::Unreachable { at, why }) => match &self.outbox {
                // The shop's database is away: the sale waits on this counter (see `shared`).
                Some(outbox) => {
                    let sale = outbox.record_cash_sale(new, tendered, Timestamp::now())?;
                    self.ledger_away(format!("{at}: {why}"));
                    sale
                }
                None => return Err(recur_ledger::LedgerError::Unreachable { at, why }.into()),
            },
            other => other?,
        };
        self.notify(&sale);
        Ok(sale)
    }
}

/// The change to give back for a cash sale (none for other tenders).
pub fn change_due(sale: &Sale) -> Option<Money> {
    sale.cash_tendered.and_then(|t| t.checked_sub(sale.amount))
}
