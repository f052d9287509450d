//! The day's close (Z report): a shop day's sales broken down by state, tender, mode and
//! product, refunds, renewals, what is still open, the first and last sale, the cash the drawer
//! should hold — and closing it, an explicit act kept in the ledger with its figures.
//!
//! A closed day is never rewritten: a close records the last state change it includes, and any
//! later change to a sale of a closed day (a late refund, a late payment) appears as an
//! adjustment on the next close. Closing a day twice is refused. Not here: cross-checking with
//! Recur (the core reads sessions), printing or showing a report.

use crate::sql::{args, Db, Optional, Row, SqlResult, Value};
use serde_json::json;

use recur_domain::{Day, Mode, Money, SaleState, StepNote, Tender, Timestamp, TxnId};

use crate::db::Ledger;
use crate::error::LedgerError;
use crate::query::summary_in;
use crate::rows::parse_column;
use crate::types::DaySummary;

/// A count and a sum of asked amounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Total {
    pub count: u64,
    pub amount: Money,
}

/// One line of a breakdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally<K> {
    pub key: K,
    pub total: Total,
}

/// A late change to a sale of an already closed day, carried onto the next close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adjustment {
    /// The closed day the sale belongs to.
    pub day: Day,
    pub sale_id: TxnId,
    pub product_name: String,
    pub from: Option<SaleState>,
    pub to: SaleState,
    /// Its effect on that day's net (negative for a late refund).
    pub amount: Money,
    pub at: Timestamp,
}

/// A close as kept in the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseRecord {
    /// The close's number (1 for the shop's first).
    pub seq: i64,
    pub day: Day,
    pub closed_at: Timestamp,
    pub closed_by: Option<String>,
    pub expected_cash: Money,
    pub counted_cash: Option<Money>,
    /// The day's net as it was closed (kept with the close's figures; a later change to the
    /// day is carried by the next close, never written into this one).
    pub net: Money,
}

impl CloseRecord {
    /// Counted minus expected: negative when cash is missing.
    pub fn difference(&self) -> Option<Money> {
        self.counted_cash.and_then(|c| c.checked_sub(self.expected_cash))
    }
}

/// Everything the Z report shows for one shop day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayReport {
    pub summary: DaySummary,
    pub by_tender: Vec<Tally<Tender>>,
    pub by_mode: Vec<Tally<Mode>>,
    /// By product name, most sold first.
    pub by_product: Vec<Tally<String>>,
    pub refunds: Total,
    pub open: Total,
    pub first_sale: Option<Timestamp>,
    pub last_sale: Option<Timestamp>,
    /// Cash taken for the day's paid cash sales.
    pub expected_cash: Money,
    /// Late changes to closed days, since the last close: what the next close carries.
    pub adjustments: Vec<Adjustment>,
    /// The close of this day, when it was closed.
    pub close: Option<CloseRecord>,
    /// Paid sales by hour of the day (0–23): count and amount received.
    pub by_hour: Vec<Total>,
}

/// The close's number is counted within its shop (`seq` runs across the shops of a shared
/// ledger; on a file the two are the same).
const CLOSE_COLUMNS: &str = "(SELECT count(*) FROM closes c2 WHERE c2.shop = closes.shop AND c2.seq <= closes.seq), \
    day, closed_at, closed_by, expected_cash, counted_cash, json_extract(figures, '$.net')";

impl Ledger {
    /// The Z report of `day` (closed or not).
    pub fn day_report(&self, day: Day) -> Result<DayReport, LedgerError> {
        let shop = self.closing_shop();
        self.read(|conn| report(conn, summary_in(conn, day, &shop)?, &shop))
    }

    /// Closes `day`: keeps the report's figures, the cash counted and who closed it. A day is
    /// closed once; a second close is refused with [`LedgerError::DayClosed`].
    pub fn close_day(
        &self,
        day: Day,
        counted_cash: Option<Money>,
        closed_by: Option<&str>,
        now: Timestamp,
    ) -> Result<CloseRecord, LedgerError> {
        let shop = self.closing_shop();
        self.write(|tx| {
            if let Some(done) = close_of(tx, day, &shop)? {
                return Err(LedgerError::DayClosed {
                    day: day.date(),
                    seq: done.seq,
                });
            }
            let report = report(tx, summary_in(tx, day, &shop)?, &shop)?;
            let through: i64 = tx.row("SELECT COALESCE(max(seq), 0) FROM transitions", (), |r| r.get(0))?;
            tx.exec(
                "INSERT INTO closes (day, closed_at, closed_by, expected_cash, counted_cash, through_transition, figures, \
                 shop) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                args![
                    day.date(),
                    now.unix_ms(),
                    closed_by,
                    report.expected_cash.get(),
                    counted_cash.map(Money::get),
                    through,
                    figures(&report).to_string(),
                    shop
                ],
            )?;
            close_of(tx, day, &shop)?.ok_or_else(|| LedgerError::Corrupt("a close just written is gone".into()))
        })
    }

    /// Every close of this handle's shop (see `closing_shop`), newest first.
    pub fn closes(&self, limit: usize) -> Result<Vec<CloseRecord>, LedgerError> {
        let sql = format!("SELECT {CLOSE_COLUMNS} FROM closes WHERE shop = ?2 ORDER BY seq DESC LIMIT ?1");
        let shop = self.closing_shop();
        self.read(|conn| {
            let rows = conn.rows(
                &sql,
                args![i64::try_from(limit).unwrap_or(i64::MAX), shop],
                close_from_row,
            )?;
            Ok(rows)
        })
    }
}

fn report(conn: &Db<'_>, summary: DaySummary, shop: &str) -> Result<DayReport, LedgerError> {
    let day = summary.day;
    let range = args![day.start.unix_ms(), day.end.unix_ms(), shop];
    let by_tender = tallies(conn, "tender", &range, Tender::parse)?;
    let by_mode = tallies(conn, "mode", &range, Mode::parse)?;
    let by_product = tallies(conn, "product_name", &range, |name| Some(name.to_owned()))?;
    let (refund_count, refunded): (i64, i64) = conn.row(
        "SELECT count(*), COALESCE(sum(refunded_amount), 0) FROM sales \
         WHERE created_at >= ?1 AND created_at < ?2 AND (?3 = '' OR shop = ?3) AND refunded_amount > 0",
        &range,
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (open_count, open_amount, first, last, cash): (i64, i64, Option<i64>, Option<i64>, i64) = conn.row(
        "SELECT COALESCE(sum(CASE WHEN state IN ('DRAFT', 'OPEN') THEN 1 ELSE 0 END), 0), \
         COALESCE(sum(CASE WHEN state IN ('DRAFT', 'OPEN') THEN amount END), 0), min(created_at), max(created_at), \
         COALESCE(sum(CASE WHEN tender = 'cash' AND state IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') \
             THEN amount END), 0) FROM sales WHERE created_at >= ?1 AND created_at < ?2 AND (?3 = '' OR shop = ?3)",
        &range,
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    Ok(DayReport {
        by_tender,
        by_mode,
        by_product,
        refunds: Total {
            count: refund_count as u64,
            amount: Money::new(refunded),
        },
        open: Total {
            count: open_count as u64,
            amount: Money::new(open_amount),
        },
        first_sale: first.map(Timestamp::from_unix_ms),
        last_sale: last.map(Timestamp::from_unix_ms),
        expected_cash: Money::new(cash),
        adjustments: adjustments(conn, shop)?,
        close: close_of(conn, day, shop)?,
        by_hour: by_hour(conn, day, shop)?,
        summary,
    })
}

/// Counts and asked sums of the day's sales by `column`, largest first.
fn tallies<K>(
    conn: &Db<'_>,
    column: &str,
    range: &[Value],
    key: fn(&str) -> Option<K>,
) -> Result<Vec<Tally<K>>, LedgerError> {
    // `column` is one of our own three names, never input.
    let sql = format!(
        "SELECT {column}, count(*), COALESCE(sum(amount), 0) FROM sales WHERE created_at >= ?1 AND created_at < ?2 \
         AND (?3 = '' OR shop = ?3) GROUP BY {column} ORDER BY count(*) DESC, {column}"
    );
    let rows = conn.rows(&sql, range, |r| {
        Ok(Tally {
            key: parse_column(r, 0, key)?,
            total: Total {
                count: r.get::<i64>(1)? as u64,
                amount: Money::new(r.get(2)?),
            },
        })
    })?;
    Ok(rows)
}

/// Paid sales by the shop's hour of their creation.
fn by_hour(conn: &Db<'_>, day: Day, shop: &str) -> Result<Vec<Total>, LedgerError> {
    let mut hours = vec![Total::default(); 24];
    let rows = conn.rows(
        "SELECT (created_at - ?1) / 3600000, count(*), COALESCE(sum(COALESCE(paid_amount, amount)), 0) FROM sales \
         WHERE created_at >= ?1 AND created_at < ?2 AND (?3 = '' OR shop = ?3) \
         AND state IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') GROUP BY 1",
        args![day.start.unix_ms(), day.end.unix_ms(), shop],
        |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?, r.get::<i64>(2)?)),
    )?;
    for row in rows {
        let (hour, count, amount) = row;
        if let Some(slot) = usize::try_from(hour).ok().and_then(|h| hours.get_mut(h)) {
            *slot = Total {
                count: count as u64,
                amount: Money::new(amount),
            };
        }
    }
    Ok(hours)
}

/// State changes after the last close to sales of days already closed that moved money.
fn adjustments(conn: &Db<'_>, shop: &str) -> Result<Vec<Adjustment>, LedgerError> {
    let since: Option<i64> = conn
        .row(
            "SELECT through_transition FROM closes WHERE shop = ?1 ORDER BY seq DESC LIMIT 1",
            [shop],
            |r| r.get(0),
        )
        .optional()?;
    let Some(since) = since else { return Ok(Vec::new()) };
    let rows = conn.rows(
        "SELECT t.seq, t.sale_id, s.product_name, t.from_state, t.to_state, t.note, t.at, s.created_at \
         FROM transitions t JOIN sales s ON s.id = t.sale_id WHERE t.seq > ?1 AND (?2 = '' OR s.shop = ?2) \
         ORDER BY t.seq",
        args![since, shop],
        |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<Option<String>>(3)?,
                parse_column(r, 4, SaleState::parse)?,
                r.get::<Option<String>>(5)?,
                r.get::<i64>(6)?,
                r.get::<i64>(7)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, sale, product_name, from, to, note, at, created) = row;
        let day = Day::containing(Timestamp::from_unix_ms(created));
        if close_of(conn, day, shop)?.is_none() {
            continue;
        }
        let sale_id = TxnId::new(sale);
        let amount = effect(conn, &sale_id, seq, note.as_deref().map(StepNote::from_stored))?;
        if amount == Money::ZERO {
            // A step that moved no money (a sale created, a checkout expired): nothing to carry.
            continue;
        }
        out.push(Adjustment {
            day,
            sale_id,
            product_name,
            from: from.as_deref().and_then(SaleState::parse),
            to,
            amount,
            at: Timestamp::from_unix_ms(at),
        });
    }
    Ok(out)
}

/// What one step did to its day's net: a late payment adds what was received, a late refund
/// takes away what it added to the sale's refunded total.
fn effect(conn: &Db<'_>, sale: &TxnId, seq: i64, note: Option<StepNote>) -> Result<Money, LedgerError> {
    Ok(match note {
        Some(StepNote::Received { amount }) => amount,
        Some(StepNote::Refunded { total, .. }) => {
            let earlier: Option<String> = conn
                .row(
                    "SELECT note FROM transitions WHERE sale_id = ?1 AND seq < ?2 AND to_state IN \
                     ('PARTIALLY_REFUNDED', 'REFUNDED') ORDER BY seq DESC LIMIT 1",
                    args![sale.as_str(), seq],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            let before = match earlier.as_deref().map(StepNote::from_stored) {
                Some(StepNote::Refunded { total, .. }) => total,
                _ => Money::ZERO,
            };
            Money::new(-(total.get() - before.get()))
        }
        _ => Money::ZERO,
    })
}

fn close_of(conn: &Db<'_>, day: Day, shop: &str) -> Result<Option<CloseRecord>, LedgerError> {
    let sql = format!("SELECT {CLOSE_COLUMNS} FROM closes WHERE shop = ?2 AND day = ?1");
    Ok(conn.row(&sql, args![day.date(), shop], close_from_row).optional()?)
}

fn close_from_row(r: &Row<'_>) -> SqlResult<CloseRecord> {
    let day: String = r.get(1)?;
    Ok(CloseRecord {
        seq: r.get(0)?,
        day: Day::parse(&day).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, format!("day {day:?}").into())
        })?,
        closed_at: Timestamp::from_unix_ms(r.get(2)?),
        closed_by: r.get(3)?,
        expected_cash: Money::new(r.get(4)?),
        counted_cash: r.get::<Option<i64>>(5)?.map(Money::new),
        net: Money::new(r.get::<Option<i64>>(6)?.unwrap_or(0)),
    })
}

/// The figures a close keeps, as they were when it was made.
fn figures(report: &DayReport) -> serde_json::Value {
    let s = &report.summary;
    json!({
        "day": s.day.date(),
        "by_state": s.by_state.iter().map(|t| json!([t.state.as_str(), t.count, t.amount.get()])).collect::<Vec<_>>(),
        "by_tender": report.by_tender.iter().map(|t| json!([t.key.as_str(), t.total.count, t.total.amount.get()])).collect::<Vec<_>>(),
        "collected": s.collected.get(), "refunded": s.refunded.get(), "net": s.net.get(),
        "renewals": s.renewals, "renewals_total": s.renewals_total.get(),
        "expected_cash": report.expected_cash.get(),
        "adjustments": report.adjustments.iter().map(|a| json!([a.day.date(), a.sale_id.as_str(), a.to.as_str(), a.amount.get()])).collect::<Vec<_>>(),
    })
}
