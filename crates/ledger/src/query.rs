//! Reading sales: one with its history, lists, the open ones for the sweep, a day's totals.
//!
//! Read-only; nothing here writes. The journal and subscriptions have their own readers.

use crate::sql::{args, Db, Optional};

use recur_domain::{CauseKind, CheckoutId, Currency, Day, Money, SaleState, StepNote, Timestamp, TxnId};

use crate::db::Ledger;
use crate::error::LedgerError;
use crate::refunds::counts;
use crate::rows::{load_sale, money, parse_column, sale_from_row, time, SALE_COLUMNS};
use crate::types::{CheckoutRecord, DaySummary, RefundRecord, Sale, SaleDetail, SaleFilter, StateTotal, Transition};

impl Ledger {
    /// A sale with its full history, every checkout it had and its refunds.
    pub fn sale(&self, id: &TxnId) -> Result<Option<SaleDetail>, LedgerError> {
        self.read(|conn| {
            let Some(sale) = load_sale(conn, id)? else {
                return Ok(None);
            };
            Ok(Some(SaleDetail {
                history: history(conn, id)?,
                checkouts: checkouts(conn, id)?,
                refunds: refunds(conn, id)?,
                einvoices: crate::einvoices::of_sale(conn, id)?,
                subscription: crate::subscriptions::of_sale(conn, id)?,
                events: crate::journal::of_sale(conn, id)?,
                sale,
            }))
        })
    }

    /// The sale alone (no history or detail): cheap enough to call for every change.
    pub fn find_sale(&self, id: &TxnId) -> Result<Option<Sale>, LedgerError> {
        self.read(|conn| load_sale(conn, id))
    }

    /// Newest first.
    pub fn sales(&self, filter: &SaleFilter) -> Result<Vec<Sale>, LedgerError> {
        let sql = format!(
            "SELECT {SALE_COLUMNS} FROM sales WHERE (CAST(?1 AS TEXT) IS NULL OR state = ?1) \
             AND (CAST(?2 AS BIGINT) IS NULL OR created_at >= ?2) AND (CAST(?3 AS BIGINT) IS NULL OR created_at < ?3) \
             ORDER BY created_at DESC, id DESC LIMIT ?4"
        );
        let limit = filter.limit.map_or(i64::MAX, |l| i64::try_from(l).unwrap_or(i64::MAX));
        self.read(|conn| {
            let rows = conn.rows(
                &sql,
                args![
                    filter.state.map(SaleState::as_str),
                    filter.since.map(Timestamp::unix_ms),
                    filter.until.map(Timestamp::unix_ms),
                    limit
                ],
                sale_from_row,
            )?;
            Ok(rows)
        })
    }

    /// The sale any of whose checkouts (current or earlier) is `id`.
    pub fn sale_by_checkout(&self, id: &CheckoutId) -> Result<Option<Sale>, LedgerError> {
        let sql = format!(
            "SELECT {SALE_COLUMNS} FROM sales WHERE id = (SELECT sale_id FROM checkouts WHERE checkout_id = ?1)"
        );
        self.read(|conn| Ok(conn.row(&sql, [id.as_str()], sale_from_row).optional()?))
    }

    /// DRAFT and OPEN sales, oldest first, each with its current checkout: what the sweep
    /// must still resolve by reading sessions or by expiry.
    pub fn open_sales(&self) -> Result<Vec<Sale>, LedgerError> {
        let sql = format!("SELECT {SALE_COLUMNS} FROM sales WHERE state IN ('DRAFT', 'OPEN') ORDER BY created_at, id");
        self.read(|conn| {
            let rows = conn.rows(&sql, (), sale_from_row)?;
            Ok(rows)
        })
    }

    /// Every checkout that could still be paid without our knowing, for the sweep to read: all
    /// checkouts of DRAFT and OPEN sales, and those of FAILED, EXPIRED and CANCELLED sales that
    /// have not expired by `since` (a declined customer may still pay with another card; an
    /// earlier checkout stays payable after a new QR). Oldest sale first.
    pub fn sweep_targets(&self, since: Timestamp) -> Result<Vec<(TxnId, CheckoutId)>, LedgerError> {
        self.read(|conn| {
            let rows = conn.rows(
                "SELECT s.id, c.checkout_id FROM checkouts c JOIN sales s ON s.id = c.sale_id \
                 WHERE s.state IN ('DRAFT', 'OPEN') \
                    OR (s.state IN ('FAILED', 'EXPIRED', 'CANCELLED') AND (c.expires_at IS NULL OR c.expires_at > ?1)) \
                 ORDER BY s.created_at, s.id, c.created_at",
                [since.unix_ms()],
                |r| Ok((TxnId::new(r.get::<String>(0)?), CheckoutId::new(r.get::<String>(1)?))),
            )?;
            Ok(rows)
        })
    }

    /// Counts and sums by state of the sales created on `day`, plus the renewals paid on it.
    pub fn day_summary(&self, day: Day) -> Result<DaySummary, LedgerError> {
        let shop = self.closing_shop();
        self.read(|conn| summary_in(conn, day, &shop))
    }

    /// The shop whose day this handle reports and closes: on the shared ledger, its own
    /// (several shops of one account share it, and each closes its own day); on a file, every
    /// sale in it ("": the file is one shop's, whatever names its sales carry).
    pub(crate) fn closing_shop(&self) -> String {
        if self.is_shared() {
            self.origin().shop.clone()
        } else {
            String::new()
        }
    }
}

/// [`Ledger::day_summary`] on a connection the caller holds (a close computes it inside its
/// own transaction).
pub(crate) fn summary_in(conn: &Db<'_>, day: Day, shop: &str) -> Result<DaySummary, LedgerError> {
    let (day_start, day_end) = (day.start, day.end);
    {
        {
            let (by_state, sums) = state_totals(conn, day_start, day_end, shop)?;
            let (renewals, renewals_total, renewals_failed): (i64, i64, i64) = conn.row(
                "SELECT COALESCE(sum(CASE WHEN status = 'PAID' THEN 1 ELSE 0 END), 0), COALESCE(sum(CASE WHEN status = 'PAID' THEN amount END), 0), \
                 COALESCE(sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END), 0) FROM renewals \
                 WHERE COALESCE(paid_at, recorded_at) >= ?1 AND COALESCE(paid_at, recorded_at) < ?2 \
                 AND (?3 = '' OR subscription_id IN (SELECT b.subscription_id FROM subscriptions b \
                     JOIN sales s ON s.id = b.sale_id WHERE s.shop = ?3))",
                args![day_start.unix_ms(), day_end.unix_ms(), shop],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let open = count_of(&by_state, &[SaleState::Draft, SaleState::Open]);
            let unpaid = count_of(&by_state, &[SaleState::Failed, SaleState::Expired]);
            Ok(DaySummary {
                day,
                by_state,
                collected: Money::new(sums.collected),
                refunded: Money::new(sums.refunded),
                net: Money::new(sums.collected - sums.refunded + renewals_total),
                paid: sums.paid,
                cards_saved: sums.cards_saved,
                open,
                unpaid,
                attention: sums.attention,
                renewals: renewals as u64,
                renewals_total: Money::new(renewals_total),
                renewals_failed: renewals_failed as u64,
            })
        }
    }
}

struct Sums {
    collected: i64,
    refunded: i64,
    paid: u64,
    cards_saved: u64,
    attention: u64,
}

fn count_of(totals: &[StateTotal], states: &[SaleState]) -> u64 {
    totals
        .iter()
        .filter(|t| states.contains(&t.state))
        .map(|t| t.count)
        .sum()
}

/// Per state: count and asked amount; over paid states: received and refunded.
fn state_totals(
    conn: &Db<'_>,
    start: Timestamp,
    end: Timestamp,
    shop: &str,
) -> Result<(Vec<StateTotal>, Sums), LedgerError> {
    let rows = conn.rows("SELECT state, count(*), COALESCE(sum(amount), 0), COALESCE(sum(COALESCE(paid_amount, amount)), 0), \
         COALESCE(sum(refunded_amount), 0), sum(CASE WHEN attention_count > 0 THEN 1 ELSE 0 END), sum(CASE WHEN mode = 'SETUP' THEN 1 ELSE 0 END) \
         FROM sales WHERE created_at >= ?1 AND created_at < ?2 AND (?3 = '' OR shop = ?3) GROUP BY state", args![start.unix_ms(), end.unix_ms(), shop], |r| {
        Ok((
            parse_column(r, 0, SaleState::parse)?,
            r.get::<i64>(1)?,
            r.get(2)?,
            r.get::<i64>(3)?,
            r.get::<i64>(4)?,
            r.get::<i64>(5)?,
            r.get::<i64>(6)?,
        ))
    })?;
    let mut totals = Vec::new();
    let mut sums = Sums {
        collected: 0,
        refunded: 0,
        paid: 0,
        cards_saved: 0,
        attention: 0,
    };
    for row in rows {
        let (state, count, asked, received, refunded, attention, setups) = row;
        totals.push(StateTotal {
            state,
            count: count as u64,
            amount: Money::new(asked),
        });
        sums.attention += attention as u64;
        if state.is_paid() {
            sums.collected += received;
            sums.refunded += refunded;
            sums.paid += (count - setups) as u64;
            sums.cards_saved += setups as u64;
        }
    }
    totals.sort_by_key(|t| SaleState::ALL.iter().position(|s| *s == t.state));
    Ok((totals, sums))
}

fn history(conn: &Db<'_>, id: &TxnId) -> Result<Vec<Transition>, LedgerError> {
    let rows = conn.rows(
        "SELECT from_state, to_state, cause, reference, note, at FROM transitions WHERE sale_id = ?1 ORDER BY seq",
        [id.as_str()],
        |r| {
            let from = match r.get::<Option<String>>(0)? {
                Some(_) => Some(parse_column(r, 0, SaleState::parse)?),
                None => None,
            };
            Ok(Transition {
                from,
                to: parse_column(r, 1, SaleState::parse)?,
                cause: parse_column(r, 2, CauseKind::parse)?,
                reference: r.get(3)?,
                note: r.get::<Option<String>>(4)?.as_deref().map(StepNote::from_stored),
                at: Timestamp::from_unix_ms(r.get(5)?),
            })
        },
    )?;
    Ok(rows)
}

fn checkouts(conn: &Db<'_>, id: &TxnId) -> Result<Vec<CheckoutRecord>, LedgerError> {
    let rows = conn.rows(
        "SELECT checkout_id, url, expires_at, created_at FROM checkouts WHERE sale_id = ?1 ORDER BY created_at, rowid",
        [id.as_str()],
        |r| {
            Ok(CheckoutRecord {
                checkout_id: CheckoutId::new(r.get::<String>(0)?),
                url: r.get(1)?,
                expires_at: time(r.get(2)?),
                created_at: Timestamp::from_unix_ms(r.get(3)?),
            })
        },
    )?;
    Ok(rows)
}

fn refunds(conn: &Db<'_>, id: &TxnId) -> Result<Vec<RefundRecord>, LedgerError> {
    let rows = conn.rows(
        "SELECT refund_id, order_id, status, amount, refunded_amount, original_amount, currency, updated_at \
         FROM refunds WHERE sale_id = ?1 ORDER BY created_at, refund_id",
        [id.as_str()],
        |r| {
            let status: String = r.get(2)?;
            let refunded_amount = money(r.get(4)?);
            Ok(RefundRecord {
                refund_id: r.get(0)?,
                order_id: r.get::<Option<String>>(1)?.map(Into::into),
                counted: counts(&status),
                status,
                amount: money(r.get(3)?),
                refunded_amount,
                original_amount: money(r.get(5)?),
                currency: r.get::<Option<String>>(6)?.map(|c| Currency::new(&c)),
                updated_at: Timestamp::from_unix_ms(r.get(7)?),
            })
        },
    )?;
    Ok(rows)
}
