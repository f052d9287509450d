//! The JSON of the owner's screens: History (a filter as the UI sends it, a page, the totals),
//! the day's close (the Z report, the 30-day trend, the cross-check with Recur), a cash sale
//! with its change, and an export's result. Amounts cross as integers (for the charts) and as
//! `NT$1,290` text; days as `YYYY-MM-DD` in the shop's zone.

use recur_domain::{Day, Mode, Money, ProductId, SaleState, Tender, Timestamp};
use recur_ledger::{Adjustment, CloseRecord, DayReport, HistoryFilter, HistoryTotals, Tally, Total, TrendDay};
use recur_pos_core::{Difference, Period, PosError};
use serde::{Deserialize, Serialize};

use super::{CommandError, SaleDto, TotalsDto};

/// A History filter as the UI keeps it (and puts in the URL): every field optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FilterInput {
    /// `today`, `yesterday`, `week`, `month`, or `custom` / none for `from`–`to`.
    pub period: Option<String>,
    /// `YYYY-MM-DD`, shop days, both included.
    pub from: Option<String>,
    pub to: Option<String>,
    pub states: Vec<String>,
    pub mode: Option<String>,
    pub tender: Option<String>,
    pub product: Option<String>,
    pub attention: bool,
    pub text: Option<String>,
    pub counter: Option<String>,
}

fn blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn invalid(what: &str, text: &str) -> CommandError {
    CommandError::from(PosError::InvalidInput(format!("unknown {what} {text:?}")))
}

/// `YYYY-MM-DD`, refused with a code when it is not a date.
pub fn parse_day(text: &str) -> Result<Day, CommandError> {
    Day::parse(text).ok_or_else(|| invalid("date", text))
}

impl FilterInput {
    /// The core's filter, with quick picks resolved against `today`.
    pub fn into_filter(self, today: Day) -> Result<HistoryFilter, CommandError> {
        let (from, to) = match blank(&self.period).filter(|p| *p != "custom") {
            Some(pick) => {
                let (a, b) = Period::parse(pick).ok_or_else(|| invalid("period", pick))?.days(today);
                (Some(a), Some(b))
            }
            None => {
                let from = blank(&self.from).map(parse_day).transpose()?;
                let to = blank(&self.to).map(parse_day).transpose()?;
                (from, to.or(from))
            }
        };
        let states = self
            .states
            .iter()
            .map(|s| SaleState::parse(s).ok_or_else(|| invalid("state", s)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(HistoryFilter {
            from,
            to,
            states,
            mode: blank(&self.mode)
                .map(|m| Mode::parse(m).ok_or_else(|| invalid("mode", m)))
                .transpose()?,
            tender: blank(&self.tender)
                .map(|t| Tender::parse(t).ok_or_else(|| invalid("tender", t)))
                .transpose()?,
            product: blank(&self.product).map(ProductId::new),
            attention: self.attention,
            text: blank(&self.text).map(str::to_owned),
            // A counter of this shop; the shop is the counter's own until several share a ledger.
            shop: None,
            counter: blank(&self.counter).map(str::to_owned),
        })
    }
}

/// One page of History.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryPageDto {
    pub sales: Vec<SaleDto>,
    /// Hand back for the next page; none after the last.
    pub next: Option<String>,
}

/// The count and sums of the whole filtered set, and the days it covers.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryTotalsDto {
    pub count: u64,
    pub amount_text: String,
    pub net_text: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl HistoryTotalsDto {
    pub fn of(totals: &HistoryTotals, filter: &HistoryFilter) -> HistoryTotalsDto {
        HistoryTotalsDto {
            count: totals.count,
            amount_text: totals.amount.display_twd(),
            net_text: totals.net.display_twd(),
            from: filter.from.map(Day::date),
            to: filter.to.map(Day::date),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TotalDto {
    pub count: u64,
    pub amount: i64,
    pub amount_text: String,
}

impl From<&Total> for TotalDto {
    fn from(t: &Total) -> TotalDto {
        TotalDto {
            count: t.count,
            amount: t.amount.get(),
            amount_text: t.amount.display_twd(),
        }
    }
}

/// One line of a breakdown: its key as a code (state, tender, mode) or a product's name.
#[derive(Clone, Debug, Serialize)]
pub struct TallyDto {
    pub key: String,
    pub count: u64,
    pub amount_text: String,
}

impl TallyDto {
    fn of<K>(tally: &Tally<K>, key: impl Fn(&K) -> String) -> TallyDto {
        TallyDto {
            key: key(&tally.key),
            count: tally.total.count,
            amount_text: tally.total.amount.display_twd(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CloseDto {
    pub seq: i64,
    pub day: String,
    pub closed_at: i64,
    pub closed_by: Option<String>,
    pub expected_cash_text: String,
    pub counted_cash_text: Option<String>,
    /// Counted minus expected (negative: cash is missing).
    pub difference: Option<i64>,
    pub difference_text: Option<String>,
    /// The day's net as it was closed.
    pub net_text: String,
}

impl From<&CloseRecord> for CloseDto {
    fn from(c: &CloseRecord) -> CloseDto {
        CloseDto {
            seq: c.seq,
            day: c.day.date(),
            closed_at: c.closed_at.unix_ms(),
            closed_by: c.closed_by.clone(),
            expected_cash_text: c.expected_cash.display_twd(),
            counted_cash_text: c.counted_cash.map(Money::display_twd),
            difference: c.difference().map(Money::get),
            difference_text: c.difference().map(Money::display_twd),
            net_text: c.net.display_twd(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct AdjustmentDto {
    pub day: String,
    pub sale_id: String,
    pub product_name: String,
    pub from: Option<&'static str>,
    pub to: &'static str,
    pub amount_text: String,
    pub at: i64,
}

impl From<&Adjustment> for AdjustmentDto {
    fn from(a: &Adjustment) -> AdjustmentDto {
        AdjustmentDto {
            day: a.day.date(),
            sale_id: a.sale_id.to_string(),
            product_name: a.product_name.clone(),
            from: a.from.map(SaleState::as_str),
            to: a.to.as_str(),
            amount_text: a.amount.display_twd(),
            at: a.at.unix_ms(),
        }
    }
}

/// The Z report of one shop day.
#[derive(Clone, Debug, Serialize)]
pub struct DayReportDto {
    pub day: String,
    pub day_start: i64,
    pub totals: TotalsDto,
    pub by_state: Vec<TallyDto>,
    pub by_tender: Vec<TallyDto>,
    pub by_mode: Vec<TallyDto>,
    pub by_product: Vec<TallyDto>,
    pub refunds: TotalDto,
    pub open: TotalDto,
    pub first_sale: Option<i64>,
    pub last_sale: Option<i64>,
    pub expected_cash: i64,
    pub expected_cash_text: String,
    pub adjustments: Vec<AdjustmentDto>,
    pub close: Option<CloseDto>,
    /// Paid sales by hour, 0–23.
    pub by_hour: Vec<TotalDto>,
}

impl From<&DayReport> for DayReportDto {
    fn from(r: &DayReport) -> DayReportDto {
        let s = &r.summary;
        DayReportDto {
            day: s.day.date(),
            day_start: s.day.start.unix_ms(),
            totals: TotalsDto::from(s),
            by_state: s
                .by_state
                .iter()
                .map(|t| TallyDto {
                    key: t.state.as_str().to_owned(),
                    count: t.count,
                    amount_text: t.amount.display_twd(),
                })
                .collect(),
            by_tender: r
                .by_tender
                .iter()
                .map(|t| TallyDto::of(t, |k| k.as_str().to_owned()))
                .collect(),
            by_mode: r
                .by_mode
                .iter()
                .map(|t| TallyDto::of(t, |k| k.as_str().to_owned()))
                .collect(),
            by_product: r.by_product.iter().map(|t| TallyDto::of(t, Clone::clone)).collect(),
            refunds: TotalDto::from(&r.refunds),
            open: TotalDto::from(&r.open),
            first_sale: r.first_sale.map(Timestamp::unix_ms),
            last_sale: r.last_sale.map(Timestamp::unix_ms),
            expected_cash: r.expected_cash.get(),
            expected_cash_text: r.expected_cash.display_twd(),
            adjustments: r.adjustments.iter().map(AdjustmentDto::from).collect(),
            close: r.close.as_ref().map(CloseDto::from),
            by_hour: r.by_hour.iter().map(TotalDto::from).collect(),
        }
    }
}

/// One day of the trend chart: net by tender.
#[derive(Clone, Debug, Serialize)]
pub struct TrendDayDto {
    pub day: String,
    pub recur: i64,
    pub cash: i64,
    pub net_text: String,
}

impl From<&TrendDay> for TrendDayDto {
    fn from(d: &TrendDay) -> TrendDayDto {
        TrendDayDto {
            day: d.day.date(),
            recur: d.recur.get(),
            cash: d.cash.get(),
            net_text: d.net().display_twd(),
        }
    }
}

/// One difference between the ledger and Recur: `difference.<code>` in the UI's strings, with
/// the figures its sentence names.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DifferenceDto {
    pub code: &'static str,
    pub sale_id: Option<String>,
    /// The ledger's state of the sale (a `state.<code>` the UI translates).
    pub state: Option<&'static str>,
    /// Recur's session status (`open`, `expired`, …).
    pub recur_status: Option<&'static str>,
    pub ledger_amount_text: Option<String>,
    pub recur_amount_text: Option<String>,
    pub named: Option<String>,
    pub error: Option<&'static str>,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
}

impl From<&Difference> for DifferenceDto {
    fn from(d: &Difference) -> DifferenceDto {
        let base = DifferenceDto {
            code: d.code(),
            sale_id: d.sale().map(ToString::to_string),
            ..DifferenceDto::default()
        };
        match d {
            Difference::PaidAtRecurOnly { ledger, amount, .. } => DifferenceDto {
                state: Some(ledger.as_str()),
                recur_amount_text: amount.map(Money::display_twd),
                ..base
            },
            Difference::PaidInLedgerOnly { recur, .. } => DifferenceDto {
                recur_status: Some(recur.as_str()),
                ..base
            },
            Difference::AmountDiffers { ledger, recur, .. } => DifferenceDto {
                ledger_amount_text: Some(ledger.display_twd()),
                recur_amount_text: Some(recur.display_twd()),
                ..base
            },
            Difference::OtherSale { named, .. } => DifferenceDto {
                named: Some(named.to_string()),
                ..base
            },
            Difference::NoCheckout { state, .. } => DifferenceDto {
                state: Some(state.as_str()),
                ..base
            },
            Difference::Unreadable { code, .. } => DifferenceDto {
                error: Some(code.as_str()),
                ..base
            },
            Difference::Unplaced { event_id, event_type } => DifferenceDto {
                event_id: Some(event_id.clone()),
                event_type: event_type.clone(),
                ..base
            },
            Difference::ExpiredAtRecur { .. } => base,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CrossCheckDto {
    pub day: String,
    pub checked: u64,
    pub differences: Vec<DifferenceDto>,
}

/// A cash sale as Sell shows it after the sale.
#[derive(Clone, Debug, Serialize)]
pub struct CashSaleDto {
    pub sale: SaleDto,
    pub tendered_text: Option<String>,
    pub change_text: Option<String>,
}

/// What an export wrote, and where.
#[derive(Clone, Debug, Serialize)]
pub struct ExportDto {
    pub rows: u64,
    pub cancelled: bool,
    pub path: String,
}

/// An export's or a cross-check's progress (`export-progress`, `cross-check-progress`).
#[derive(Clone, Debug, Serialize)]
pub struct ProgressDto {
    pub done: u64,
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(json: serde_json::Value) -> Result<HistoryFilter, CommandError> {
        let today = Day::parse("2026-12-02").unwrap();
        serde_json::from_value::<FilterInput>(json).unwrap().into_filter(today)
    }

    #[test]
    fn a_filter_from_the_ui_becomes_the_cores_and_junk_is_refused() {
        let f =
            filter(serde_json::json!({"period": "week", "states": ["PAID"], "tender": "cash", "text": "  "})).unwrap();
        assert_eq!(f.from.map(Day::date).as_deref(), Some("2026-11-30"));
        assert_eq!(f.to.map(Day::date).as_deref(), Some("2026-12-02"));
        assert_eq!(
            (f.states, f.tender, f.text),
            (vec![SaleState::Paid], Some(Tender::Cash), None)
        );
        let custom = filter(serde_json::json!({"period": "custom", "from": "2026-01-05"})).unwrap();
        assert_eq!(
            custom.to.map(Day::date).as_deref(),
            Some("2026-01-05"),
            "one day when only from"
        );
        assert_eq!(filter(serde_json::json!({})).unwrap(), HistoryFilter::default());
        for junk in [
            serde_json::json!({"period": "decade"}),
            serde_json::json!({"from": "yesterday"}),
            serde_json::json!({"states": ["LOST"]}),
            serde_json::json!({"tender": "gold"}),
        ] {
            assert_eq!(filter(junk).unwrap_err().code, recur_domain::ErrorCode::InvalidInput);
        }
    }
}
