//! Filling an empty ledger with many realistic sales (`recur-pos dev seed`), for the history
//! benchmark and for trying the owner's screens at a busy shop's scale.
//!
//! Three years of a coffee shop: most sales paid, some refunded in part or whole, some declined,
//! expired or cancelled, a few still open today; a third in cash; subscriptions with monthly
//! renewals; one journal row (a small signed `order.paid`) per Recur payment. Deterministic for a
//! given seed. It refuses a ledger that already has sales. Fast because it writes in one
//! transaction, fills the text index once at the end, and skips the per-row work of the live
//! path — the rows are the same shape, not made by the same code. Not here: anything a shop
//! would run.

use crate::sql::{args, Db, Dialect};

use recur_domain::{Mode, Timestamp, TxnId};

use crate::db::Ledger;
use crate::error::LedgerError;

const DAY: i64 = 86_400_000;
const YEARS: i64 = 3;

/// What a seed wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub sales: u64,
    pub refunds: u64,
    pub renewals: u64,
    pub journal: u64,
}

/// (id, name, price, subscription).
const PRODUCTS: [(&str, &str, i64, bool); 8] = [
    ("prod_latte", "拿鐵咖啡", 120, false),
    ("prod_americano", "美式咖啡", 90, false),
    ("prod_beans_half", "手沖咖啡豆 半磅", 450, false),
    ("prod_cinnamon_roll", "肉桂捲", 85, false),
    ("prod_gift_box", "禮盒", 1290, false),
    ("prod_points_100", "儲值 100 點", 100, false),
    ("prod_coffee_monthly", "咖啡月卡", 299, true),
    ("prod_member_yearly", "年度會員", 2990, true),
];
const FAMILY: [&str; 10] = ["陳", "林", "黃", "張", "李", "王", "吳", "劉", "蔡", "楊"];
const GIVEN: [&str; 10] = [
    "美玲", "志明", "淑芬", "建宏", "雅婷", "俊傑", "怡君", "家豪", "佩珊", "冠宇",
];

impl Ledger {
    /// Writes `count` sales spread over the three years before `now` (seeded by `seed`).
    pub fn seed(&self, count: u64, seed: u64, now: Timestamp) -> Result<SeedReport, LedgerError> {
        self.write(|tx| {
            let existing: i64 = tx.row("SELECT count(*) FROM sales", (), |r| r.get(0))?;
            if existing > 0 {
                return Err(LedgerError::NotEmpty(existing as u64));
            }
            // One text-index fill at the end instead of one per row.
            match tx.dialect() {
                Dialect::Sqlite => {
                    tx.batch(
                        "DROP TRIGGER sales_text_insert; DROP TRIGGER sales_text_update; DROP TRIGGER sales_text_delete;",
                    )?;
                    let report = fill(tx, count, seed, now)?;
                    tx.batch(crate::migrations::TEXT_TRIGGERS)?;
                    tx.batch("INSERT INTO sales_text(sales_text) VALUES ('rebuild');")?;
                    Ok(report)
                }
                Dialect::Postgres => {
                    tx.batch("DROP INDEX sales_text; ALTER TABLE sales DISABLE TRIGGER sales_changed;")?;
                    let report = fill(tx, count, seed, now)?;
                    tx.batch(&format!(
                        "CREATE INDEX sales_text ON sales USING gin ({} gin_trgm_ops); \
                         ALTER TABLE sales ENABLE TRIGGER sales_changed;",
                        crate::pg::TEXT
                    ))?;
                    Ok(report)
                }
            }
        })
    }
}

const STEP: &str = "INSERT INTO transitions (sale_id, from_state, to_state, cause, reference, note, at) VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6)";
const CHECKOUT: &str =
    "INSERT INTO checkouts (checkout_id, sale_id, url, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
const SALE: &str =
    "INSERT INTO sales (id, product_id, product_name, mode, amount, currency, customer_email, customer_name, \
         state, tender, cash_tendered, checkout_id, url, order_id, subscription_id, paid_amount, paid_currency, \
         refunded_amount, paid_at, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'TWD', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19)";
const JOURNAL: &str =
    "INSERT INTO webhook_journal (event_id, event_type, verified, claimed, body, headers, outcome, sale_id, \
         received_at, processed_at, body_len) VALUES (?1, 'order.paid', 1, 1, ?2, '[]', 'changed', ?3, ?4, ?4, ?5)";
const REFUND: &str =
    "INSERT INTO refunds (refund_id, sale_id, order_id, status, amount, currency, created_at, updated_at) \
         VALUES (?1, ?2, ?3, 'SUCCEEDED', ?4, 'TWD', ?5, ?5)";
const SUBSCRIPTION: &str =
    "INSERT INTO subscriptions (subscription_id, status, status_at, product_id, sale_id, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?3, ?3)";
const RENEWAL: &str = "INSERT INTO renewals (renewal_id, subscription_id, order_id, amount, currency, paid_at, billing_reason, recorded_at) \
         VALUES (?1, ?2, ?3, ?4, 'TWD', ?5, 'subscription_cycle', ?5)";

fn fill(tx: &Db<'_>, count: u64, seed: u64, now: Timestamp) -> Result<SeedReport, LedgerError> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut report = SeedReport::default();
    let span = YEARS * 365 * DAY;
    let start = now.unix_ms() - span;
    for n in 0..count {
        // Evenly over the span, a little jitter; newest last, as a shop writes them.
        let at = start + (span as u128 * u128::from(n) / u128::from(count.max(1))) as i64 + rng.i64(0..60_000);
        let id = TxnId::generate_at(at as u64);
        let (product, name, price, is_sub) = PRODUCTS[weighted(&mut rng, &[30, 25, 6, 15, 3, 8, 9, 4])];
        let setup = !is_sub && rng.u8(0..100) < 1;
        let mode = match (is_sub, setup) {
            (true, _) => Mode::Subscription,
            (false, true) => Mode::Setup,
            _ => Mode::Payment,
        };
        let amount = if setup { 0 } else { price };
        let cash = !is_sub && !setup && rng.u8(0..100) < 32;
        let recent = now.unix_ms() - at < 2 * 3_600_000;
        let state = if cash { "PAID" } else { pick_state(&mut rng, recent) };
        let paid = matches!(state, "PAID" | "PARTIALLY_REFUNDED" | "REFUNDED");
        let refunded = match state {
            "REFUNDED" => amount,
            "PARTIALLY_REFUNDED" => amount / 3,
            _ => 0,
        };
        let who = rng.u32(0..60_000);
        let email = (!cash || rng.bool()).then(|| format!("c{who}@example.tw"));
        let person = email.as_ref().map(|_| {
            format!(
                "{}{}",
                FAMILY[who as usize % FAMILY.len()],
                GIVEN[(who / 10) as usize % GIVEN.len()]
            )
        });
        let cs = (!cash).then(|| format!("cs{n:09}"));
        let order = (paid && !cash && !setup).then(|| format!("ord{n:09}"));
        let sub = (paid && is_sub).then(|| format!("sub{n:09}"));
        tx.exec(
            SALE,
            args![
                id.as_str(),
                product,
                name,
                mode.as_str(),
                amount,
                email,
                person,
                state,
                if cash { "cash" } else { "recur" },
                cash.then(|| amount + [0, 0, 30, 80, 380][rng.usize(0..5)]),
                cs,
                cs.as_ref().map(|c| format!("https://checkout.recur.tw/{c}")),
                order,
                sub,
                paid.then_some(amount),
                paid.then_some("TWD"),
                refunded,
                paid.then_some(at + 45_000),
                at
            ],
        )?;
        let cause = if cash { "cash" } else { "create" };
        tx.exec(STEP, args![id.as_str(), None::<&str>, "DRAFT", cause, None::<&str>, at])?;
        tx.exec(
            STEP,
            args![
                id.as_str(),
                "DRAFT",
                state,
                if cash { "cash" } else { "event" },
                None::<&str>,
                at + 45_000
            ],
        )?;
        if let Some(cs) = &cs {
            tx.exec(
                CHECKOUT,
                args![
                    cs,
                    id.as_str(),
                    format!("https://checkout.recur.tw/{cs}"),
                    at + 1_800_000,
                    at
                ],
            )?;
        }
        if let Some(order) = &order {
            let body = format!(
                r#"{{"id":"evt{n:09}","type":"order.paid","data":{{"id":"{order}","checkout_id":"{}","amount":{amount},"currency":"TWD","status":"paid"}}}}"#,
                cs.as_deref().unwrap_or_default()
            );
            tx.exec(
                JOURNAL,
                args![
                    format!("evt{n:09}"),
                    body.as_bytes(),
                    id.as_str(),
                    at + 45_000,
                    body.len() as i64
                ],
            )?;
            report.journal += 1;
            if refunded > 0 {
                tx.exec(
                    REFUND,
                    args![format!("re{n:09}"), id.as_str(), order, refunded, at + 3 * DAY],
                )?;
                report.refunds += 1;
            }
        }
        if let Some(sub) = &sub {
            tx.exec(SUBSCRIPTION, args![sub, "ACTIVE", at, product, id.as_str()])?;
            let period = if price > 1000 { 365 * DAY } else { 30 * DAY };
            let mut due = at + period;
            while due < now.unix_ms() {
                tx.exec(
                    RENEWAL,
                    args![format!("in{}{n:09}", due), sub, format!("ordr{due}{n:09}"), price, due],
                )?;
                report.renewals += 1;
                due += period;
            }
        }
        report.sales += 1;
    }
    Ok(report)
}

/// The state of a Recur sale: mostly paid; declined, expired and cancelled ones; open only in
/// the last hours.
fn pick_state(rng: &mut fastrand::Rng, recent: bool) -> &'static str {
    if recent && rng.u8(0..100) < 40 {
        return "OPEN";
    }
    const STATES: [&str; 6] = [
        "PAID",
        "PARTIALLY_REFUNDED",
        "REFUNDED",
        "FAILED",
        "EXPIRED",
        "CANCELLED",
    ];
    STATES[weighted(rng, &[85, 2, 3, 4, 4, 2])]
}

fn weighted(rng: &mut fastrand::Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut roll = rng.u32(0..total);
    for (i, w) in weights.iter().enumerate() {
        if roll < *w {
            return i;
        }
        roll -= w;
    }
    weights.len() - 1
}
