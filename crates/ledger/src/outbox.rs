//! Cash sales a counter made while the shop's shared ledger was away, and their upload.
//!
//! A counter on the shared ledger keeps a small ledger file of its own, the outbox. When the
//! database cannot be reached a cash sale (which needs no Recur) is written there instead,
//! whole — its id, times, shop and counter, every state change — and uploaded when the
//! database is back: [`Ledger::import_cash_sale`] writes it under its own id only if that id is
//! not there yet (`ON CONFLICT (id) DO NOTHING`), and only after that commit does the outbox
//! forget it. An upload cut anywhere is simply done again: the sale lands exactly once. Recur
//! sales never go to the outbox: a sale must be in the shared ledger before Recur sees it.
//!
//! Not here: when to upload (the counter's follower, `recur-pos-core`).

use recur_domain::{SaleState, Tender, TxnId};

use crate::db::Ledger;
use crate::error::LedgerError;
use crate::rows::{insert_step, Step};
use crate::sql::args;
use crate::types::{SaleDetail, SaleFilter};

impl Ledger {
    /// The cash sales this outbox holds, oldest first, each whole.
    pub fn waiting_cash(&self) -> Result<Vec<SaleDetail>, LedgerError> {
        let mut sales = self.sales(&SaleFilter::default())?;
        sales.reverse();
        let mut out = Vec::with_capacity(sales.len());
        for sale in sales {
            if let Some(detail) = self.sale(&sale.id)? {
                out.push(detail);
            }
        }
        Ok(out)
    }

    /// How many cash sales wait in this outbox.
    pub fn waiting_count(&self) -> Result<u64, LedgerError> {
        self.read(|db| Ok(db.row("SELECT count(*) FROM sales", (), |r| r.get::<u64>(0))?))
    }

    /// Writes a cash sale made elsewhere (an outbox's) with its own id, times and history.
    /// Returns false, changing nothing, when the sale is here already (an upload done twice).
    pub fn import_cash_sale(&self, detail: &SaleDetail) -> Result<bool, LedgerError> {
        let s = &detail.sale;
        if s.tender != Tender::Cash || s.state != SaleState::Paid {
            return Err(LedgerError::Corrupt(format!(
                "only a paid cash sale travels through the outbox, not {} ({})",
                s.id, s.state
            )));
        }
        self.write(|tx| {
            let written = tx.exec(
                "INSERT INTO sales (id, product_id, product_name, mode, amount, currency, customer_email, \
                 customer_name, state, tender, cash_tendered, paid_amount, paid_currency, paid_at, created_at, \
                 updated_at, shop, counter) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'cash', ?10, ?5, ?6, ?11, ?12, ?13, ?14, ?15) \
                 ON CONFLICT (id) DO NOTHING",
                args![
                    s.id.as_str(),
                    s.product_id.as_str(),
                    s.product_name,
                    s.mode.as_str(),
                    s.amount.get(),
                    s.currency.as_str(),
                    s.customer_email,
                    s.customer_name,
                    s.state.as_str(),
                    s.cash_tendered.map(|m| m.get()),
                    s.paid_at.map(|t| t.unix_ms()),
                    s.created_at.unix_ms(),
                    s.updated_at.unix_ms(),
                    s.shop,
                    s.counter
                ],
            )?;
            if written == 0 {
                return Ok(false);
            }
            for t in &detail.history {
                let step = Step::new(&s.id, t.from, t.to, t.cause, t.at)
                    .reference(t.reference.as_deref())
                    .note(t.note.clone());
                insert_step(tx, &step)?;
            }
            Ok(true)
        })
    }

    /// Forgets a sale of this outbox once its upload has committed.
    pub fn forget_uploaded(&self, id: &TxnId) -> Result<(), LedgerError> {
        self.write(|tx| {
            tx.exec("DELETE FROM transitions WHERE sale_id = ?1", [id.as_str()])?;
            tx.exec("DELETE FROM sale_attention WHERE sale_id = ?1", [id.as_str()])?;
            tx.exec("DELETE FROM sales WHERE id = ?1", [id.as_str()])?;
            Ok(())
        })
    }
}
