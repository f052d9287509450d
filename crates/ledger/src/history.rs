//! The owner's history: any slice of the sales — by shop days, state, mode, tender, product,
//! "needs a look", or text (an id, a customer's email or name) — sorted by time or amount, a
//! page at a time, and the count and sum of the whole slice.
//!
//! Pages are keyset pages (the next page starts after the last sale seen, never at an
//! offset), so the thousandth page of a million sales costs what the first does; each sort has
//! an index that ends in `id`, and the filters use indexes of their own (migration 5). Text is
//! matched as an exact id (sale, checkout — any the sale ever had —, order, subscription) or,
//! from three characters, anywhere in an email or name through the trigram index; a shorter
//! text falls back to a scan. Not here: what the rows look like to a person (the views), or
//! writing anything.

use crate::sql::Value;
use crate::sql::{Db, Dialect};

use recur_domain::{Day, Mode, Money, ProductId, SaleState, Tender, TxnId};

use crate::db::Ledger;
use crate::error::LedgerError;
use crate::rows::{sale_from_row, SALE_COLUMNS};
use crate::types::Sale;

/// The most sales one page holds.
pub const PAGE_MAX: usize = 500;
/// Rows per read of an export from the shared ledger.
const EXPORT_PAGE: usize = 2_000;

/// How the slice is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    AmountHigh,
    AmountLow,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Newest, Sort::Oldest, Sort::AmountHigh, Sort::AmountLow];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::AmountHigh => "amount_high",
            Sort::AmountLow => "amount_low",
        }
    }

    pub fn parse(text: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    fn descending(self) -> bool {
        matches!(self, Sort::Newest | Sort::AmountHigh)
    }

    fn by_amount(self) -> bool {
        matches!(self, Sort::AmountHigh | Sort::AmountLow)
    }
}

/// Which sales. Every field narrows; the default is every sale.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// First and last shop day, both included.
    pub from: Option<Day>,
    pub to: Option<Day>,
    /// Any of these states (none = any).
    pub states: Vec<SaleState>,
    pub mode: Option<Mode>,
    pub tender: Option<Tender>,
    pub product: Option<ProductId>,
    /// Only sales with a note for a person.
    pub attention: bool,
    /// An id, or part of a customer's email or name.
    pub text: Option<String>,
    /// Only sales made at this shop, at this counter (names as in [`crate::Origin`]).
    pub shop: Option<String>,
    pub counter: Option<String>,
}

/// Where a page starts: just after this sale, in the page's sort.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub amount: i64,
    pub id: TxnId,
}

impl Cursor {
    fn of(sale: &Sale) -> Cursor {
        Cursor {
            created_at: sale.created_at.unix_ms(),
            amount: sale.amount.get(),
            id: sale.id.clone(),
        }
    }

    /// `created_at.amount.id`: opaque to the views, which hand it back for the next page.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.created_at, self.amount, self.id)
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let mut parts = text.splitn(3, '.');
        let created_at = parts.next()?.parse().ok()?;
        let amount = parts.next()?.parse().ok()?;
        let id = TxnId::new(parts.next().filter(|id| !id.is_empty())?);
        Some(Cursor { created_at, amount, id })
    }
}

/// One page, and where the next one starts (none after the last).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryPage {
    pub sales: Vec<Sale>,
    pub next: Option<Cursor>,
}

/// The whole slice in two figures (and what of it was received).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistoryTotals {
    pub count: u64,
    /// The sum of the asked amounts.
    pub amount: Money,
    /// Received, less refunded, over the paid sales of the slice.
    pub net: Money,
}

impl Ledger {
    /// Up to `limit` sales of `filter` in `sort` order, after `after`.
    pub fn history(
        &self,
        filter: &HistoryFilter,
        sort: Sort,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<HistoryPage, LedgerError> {
        let limit = limit.clamp(1, PAGE_MAX);
        let mut query = Where::of(filter, self.dialect());
        if let Some(after) = after {
            query.after(sort, after);
        }
        let d = if sort.descending() { "DESC" } else { "ASC" };
        // Each order is exactly the columns of its index, so the page is read off it.
        let order = if sort.by_amount() {
            format!("amount {d}, created_at {d}, id {d}")
        } else {
            format!("created_at {d}, id {d}")
        };
        let sql = format!(
            "SELECT {SALE_COLUMNS} FROM sales WHERE {} ORDER BY {order} LIMIT {}",
            query.sql(),
            limit + 1
        );
        self.read(|conn| {
            let mut sales = select(conn, &sql, &query.values)?;
            let next = (sales.len() > limit).then(|| {
                sales.truncate(limit);
                sales.last().map(Cursor::of)
            });
            Ok(HistoryPage {
                sales,
                next: next.flatten(),
            })
        })
    }

    /// The count and sums of every sale of `filter`.
    pub fn history_totals(&self, filter: &HistoryFilter) -> Result<HistoryTotals, LedgerError> {
        let query = Where::of(filter, self.dialect());
        let sql = format!(
            "SELECT count(*), COALESCE(sum(amount), 0), \
             COALESCE(sum(CASE WHEN state IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') \
                 THEN COALESCE(paid_amount, amount) - refunded_amount END), 0) FROM sales WHERE {}",
            query.sql()
        );
        self.read(|conn| {
            let (count, amount, net): (i64, i64, i64) =
                conn.row(&sql, &query.values, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(HistoryTotals {
                count: u64::try_from(count).unwrap_or(0),
                amount: Money::new(amount),
                net: Money::new(net),
            })
        })
    }

    /// Every sale of `filter`, oldest first, handed to `each` one at a time (an export of a
    /// million rows never holds them all); `each` returns false to stop (a cancelled export).
    /// Returns how many were handed over.
    ///
    /// On a file, one statement streams every row. On the shared ledger, keyset pages of
    /// [`EXPORT_PAGE`] rows, each its own short read: no snapshot is held open for the length of
    /// an export, and `each` (which writes the file) runs on the caller's thread.
    pub fn each_sale(&self, filter: &HistoryFilter, mut each: impl FnMut(&Sale) -> bool) -> Result<u64, LedgerError> {
        if self.dialect() == Dialect::Sqlite {
            let query = Where::of(filter, Dialect::Sqlite);
            let sql = format!(
                "SELECT {SALE_COLUMNS} FROM sales WHERE {} ORDER BY created_at, id",
                query.sql()
            );
            return self.read_file(|conn| {
                Ok(Db::Sqlite(conn).each(&sql, &query.values, |row| Ok(each(&sale_from_row(row)?)))?)
            });
        }
        let mut cursor: Option<Cursor> = None;
        let mut handed = 0;
        loop {
            let mut query = Where::of(filter, Dialect::Postgres);
            if let Some(cursor) = &cursor {
                query.after(Sort::Oldest, cursor);
            }
            let sql = format!(
                "SELECT {SALE_COLUMNS} FROM sales WHERE {} ORDER BY created_at, id LIMIT {EXPORT_PAGE}",
                query.sql()
            );
            let page = self.read(|db| Ok(db.rows(&sql, &query.values, sale_from_row)?))?;
            for sale in &page {
                handed += 1;
                if !each(sale) {
                    return Ok(handed);
                }
            }
            if page.len() < EXPORT_PAGE {
                return Ok(handed);
            }
            cursor = page.last().map(Cursor::of);
        }
    }
}

fn select(conn: &Db<'_>, sql: &str, values: &[Value]) -> Result<Vec<Sale>, LedgerError> {
    Ok(conn.rows(sql, values, sale_from_row)?)
}

/// A WHERE clause built from a filter: conditions with `?` placeholders and their values,
/// never text pasted into SQL.
struct Where {
    conditions: Vec<String>,
    values: Vec<Value>,
    dialect: Dialect,
}

impl Where {
    fn of(filter: &HistoryFilter, dialect: Dialect) -> Where {
        let mut w = Where {
            conditions: Vec::new(),
            values: Vec::new(),
            dialect,
        };
        if let Some(from) = filter.from {
            w.push("created_at >= ?", Value::Int(from.start.unix_ms()));
        }
        if let Some(to) = filter.to {
            w.push("created_at < ?", Value::Int(to.end.unix_ms()));
        }
        if !filter.states.is_empty() {
            let marks = vec!["?"; filter.states.len()].join(", ");
            w.conditions.push(format!("state IN ({marks})"));
            w.values
                .extend(filter.states.iter().map(|s| Value::Text(s.as_str().to_owned())));
        }
        if let Some(mode) = filter.mode {
            w.push("mode = ?", Value::Text(mode.as_str().to_owned()));
        }
        if let Some(tender) = filter.tender {
            w.push("tender = ?", Value::Text(tender.as_str().to_owned()));
        }
        if let Some(product) = &filter.product {
            w.push("product_id = ?", Value::Text(product.as_str().to_owned()));
        }
        if filter.attention {
            w.conditions.push("attention_count > 0".to_owned());
        }
        // A named shop or counter also says it is not blank: that lets SQLite use the partial
        // index (it cannot tell from a bound value alone).
        if let Some(shop) = filter.shop.as_deref().map(str::trim) {
            w.push("shop = ?", Value::Text(shop.to_owned()));
            if !shop.is_empty() {
                w.conditions.push("shop <> ''".to_owned());
            }
        }
        if let Some(counter) = filter.counter.as_deref().map(str::trim) {
            w.push("counter = ?", Value::Text(counter.to_owned()));
            if !counter.is_empty() {
                w.conditions.push("counter <> ''".to_owned());
            }
        }
        if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            w.text(text);
        }
        w
    }

    fn push(&mut self, condition: &str, value: Value) {
        self.conditions.push(condition.to_owned());
        self.values.push(value);
    }

    /// Exact ids through their indexes; an email or name part through the trigram index, or —
    /// under three characters, which a trigram cannot hold (a two-character Chinese name) — a
    /// LIKE on the rows the other conditions leave: in the WHERE itself, not a subquery, so a
    /// date range narrows it first (a day's sales, not a million).
    fn text(&mut self, text: &str) {
        let exact = "SELECT rowid FROM sales WHERE id = ?1 OR order_id = ?1 OR subscription_id = ?1 \
            UNION SELECT s.rowid FROM checkouts c JOIN sales s ON s.id = c.sale_id WHERE c.checkout_id = ?1";
        let n = self.values.len();
        let exact = exact.replace("?1", &format!("?{}", n + 1));
        self.values.push(Value::Text(text.to_owned()));
        let p = n + 2;
        if self.dialect == Dialect::Postgres {
            // One trigram GIN index over the four columns (see `pg::TEXT`). From three
            // characters the matches are a set of their own, as on SQLite: inside an OR beside
            // the ids' subquery the planner cannot use the index, and walks every sale by time
            // (benches/owner.rs: 63 ms → 0.5 ms at 100,000 sales). A shorter text holds no
            // trigram: the rows the other conditions leave are filtered, as on SQLite.
            self.values
                .push(Value::Text(format!("%{}%", text.replace(['%', '_', '\\'], ""))));
            if text.chars().count() >= 3 {
                self.conditions.push(format!(
                    "rowid IN ({exact} UNION SELECT rowid FROM sales WHERE {} ILIKE ?{p})",
                    crate::pg::TEXT
                ));
            } else {
                self.conditions
                    .push(format!("(rowid IN ({exact}) OR {} ILIKE ?{p})", crate::pg::TEXT));
            }
        } else if text.chars().count() >= 3 {
            self.values
                .push(Value::Text(format!("\"{}\"", text.replace('"', "\"\""))));
            self.conditions.push(format!(
                "rowid IN ({exact} UNION SELECT rowid FROM sales_text WHERE sales_text MATCH ?{p})"
            ));
        } else {
            self.values
                .push(Value::Text(format!("%{}%", text.replace(['%', '_', '\\'], ""))));
            self.conditions.push(format!(
                "(rowid IN ({exact}) OR customer_email LIKE ?{p} OR customer_name LIKE ?{p} \
                 OR paid_email LIKE ?{p} OR paid_name LIKE ?{p})"
            ));
        }
    }

    /// Strictly after `cursor` in `sort` order (the row-value comparison uses the sort's index).
    fn after(&mut self, sort: Sort, cursor: &Cursor) {
        let op = if sort.descending() { "<" } else { ">" };
        if sort.by_amount() {
            self.conditions.push(format!("(amount, created_at, id) {op} (?, ?, ?)"));
            self.values.push(Value::Int(cursor.amount));
        } else {
            self.conditions.push(format!("(created_at, id) {op} (?, ?)"));
        }
        self.values.push(Value::Int(cursor.created_at));
        self.values.push(Value::Text(cursor.id.as_str().to_owned()));
    }

    fn sql(&self) -> String {
        if self.conditions.is_empty() {
            "1 = 1".to_owned()
        } else {
            self.conditions.join(" AND ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let cursor = Cursor {
            created_at: 1_796_031_608_000,
            amount: 120,
            id: TxnId::new("01M8SQHH7JF2E3HWPNTBCP8J33"),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        for junk in ["", "1.2", "x.1.id", "1.y.id", "1.2."] {
            assert_eq!(Cursor::decode(junk), None, "{junk}");
        }
    }
}
