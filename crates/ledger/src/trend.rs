//! The owner's trend: the net of each shop day over a run of days, split by tender — what the
//! 30-day chart draws. One grouped read of the totals index (`sales_totals`) and one of the
//! renewals; days with no sales are present with zeros, so a chart never skips a day.
//!
//! Net is what the day's paid sales received less what was refunded on them, plus the
//! subscription renewals paid that day (always through Recur) — the same figure as the day's
//! summary. Not here: drawing it.

use crate::sql::args;

use recur_domain::{Day, Money, Tender, TAIPEI_OFFSET_MS};

use crate::db::Ledger;
use crate::error::LedgerError;

const DAY_MS: i64 = 86_400_000;

/// The most days one trend spans.
pub const TREND_MAX_DAYS: u32 = 366;

/// One day of the trend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrendDay {
    pub day: Day,
    /// Through Recur's checkout, renewals included.
    pub recur: Money,
    pub cash: Money,
}

impl TrendDay {
    pub fn net(&self) -> Money {
        Money::new(self.recur.get() + self.cash.get())
    }
}

impl Ledger {
    /// The `days` shop days that end with `last` (oldest first), each with its net by tender.
    pub fn trend(&self, last: Day, days: u32) -> Result<Vec<TrendDay>, LedgerError> {
        let days = days.clamp(1, TREND_MAX_DAYS);
        let first = last.plus_days(-(i64::from(days) - 1));
        let mut out: Vec<TrendDay> = (0..i64::from(days))
            .map(|n| TrendDay {
                day: first.plus_days(n),
                recur: Money::ZERO,
                cash: Money::ZERO,
            })
            .collect();
        let index = |at: i64| usize::try_from((at - first.start.unix_ms()).div_euclid(DAY_MS)).ok();
        let range = args![first.start.unix_ms(), last.end.unix_ms(), TAIPEI_OFFSET_MS];
        self.read(|conn| {
            // Shop days have a fixed offset (Asia/Taipei keeps no summer time), so a day is a
            // division of the shifted instant. `+state` keeps the planner off the state index
            // (a row lookup for each of a month's sales): the range is read off the covering
            // `sales_totals` alone (benches/owner.rs: 122 ms → a few ms at a million sales).
            let rows = conn.rows("SELECT (created_at + ?3) / 86400000, tender, \
                 COALESCE(sum(COALESCE(paid_amount, amount) - refunded_amount), 0) FROM sales \
                 WHERE created_at >= ?1 AND created_at < ?2 AND +state IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') \
                 GROUP BY 1, 2", range, |r| {
                Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<i64>(2)?))
            })?;
            for row in rows {
                let (local_day, tender, net) = row;
                let at = local_day * DAY_MS - TAIPEI_OFFSET_MS;
                if let Some(slot) = index(at).and_then(|i| out.get_mut(i)) {
                    match Tender::parse(&tender) {
                        Some(Tender::Cash) => slot.cash = Money::new(slot.cash.get() + net),
                        _ => slot.recur = Money::new(slot.recur.get() + net),
                    }
                }
            }
            // Each renewal's instant exactly as `renewals_by_day` holds it, so the index covers
            // the read (grouping in SQL would look up every row); the days are summed here.
            let rows = conn.rows("SELECT COALESCE(paid_at, recorded_at), COALESCE(amount, 0) FROM renewals \
                 WHERE status = 'PAID' AND COALESCE(paid_at, recorded_at) >= ?1 AND COALESCE(paid_at, recorded_at) < ?2", args![first.start.unix_ms(), last.end.unix_ms()], |r| {
                Ok((r.get::<i64>(0)?, r.get::<i64>(1)?))
            })?;
            for row in rows {
                let (at, amount) = row;
                if let Some(slot) = index(at).and_then(|i| out.get_mut(i)) {
                    slot.recur = Money::new(slot.recur.get() + amount);
                }
            }
            Ok(())
        })?;
        Ok(out)
    }
}
