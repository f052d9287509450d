//! The JSON the UI sees: small, flat structs built from core types at the boundary.
//!
//! Core types never grow `Serialize`; this module is the only place that decides how a sale,
//! a product or a day looks to JavaScript. Times cross as Unix milliseconds (the UI formats
//! them in Asia/Taipei); money crosses both as a whole-TWD integer and as `NT$1,290` text so
//! the UI never formats money itself. Not here: any rule about sales.

mod review;
mod settings;

pub use review::{JournalDto, JournalEntryDto, ReapplyDto, SaleDetailDto, SubscriptionDto};
pub use settings::{KeyDto, ListenerDto, PresetDto, SelfTestDto, SettingsDto, StatusDto, TunnelDto, UrlChangeDto};

use recur_client::Product;
use recur_domain::state::{decide, Decision};
use recur_domain::{CauseKind, Money, SaleState, Timestamp};
use recur_ledger::{DaySummary, Sale};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct ProductDto {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// `ONE_TIME`, `SUBSCRIPTION`, …
    pub product_type: String,
    pub price: i64,
    pub price_text: String,
    /// `MONTHLY`, `YEARLY`, … for subscriptions.
    pub billing_period: Option<String>,
    pub trial_days: Option<u32>,
    pub active: bool,
}

impl From<&Product> for ProductDto {
    fn from(p: &Product) -> ProductDto {
        ProductDto {
            id: p.id.to_string(),
            name: p.name.clone(),
            description: p.description.clone(),
            product_type: p.product_type.clone(),
            price: p.price.get(),
            price_text: p.price.display_twd(),
            billing_period: p.billing_period.clone(),
            trial_days: p.trial_days,
            active: p.active,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SaleDto {
    pub id: String,
    pub product_id: String,
    pub product_name: String,
    /// `PAYMENT`, `SUBSCRIPTION` or `SETUP`.
    pub mode: String,
    pub amount: i64,
    pub amount_text: String,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    /// `DRAFT`, `OPEN`, `PAID`, `FAILED`, `EXPIRED`, `CANCELLED`, `PARTIALLY_REFUNDED`, `REFUNDED`.
    pub state: String,
    /// The customer has the payment page open (`checkout.created`).
    pub page_opened: bool,
    /// Whether the cashier may ask for a new checkout (after expiry or failure).
    pub can_renew: bool,
    /// Whether the cashier may still cancel it.
    pub can_cancel: bool,
    pub checkout_id: Option<String>,
    pub url: Option<String>,
    pub expires_at: Option<i64>,
    pub order_id: Option<String>,
    pub subscription_id: Option<String>,
    pub paid_amount_text: Option<String>,
    pub refunded_amount: i64,
    /// `NT$120` when something was refunded.
    pub refunded_text: Option<String>,
    pub failure: Option<String>,
    /// What a person must look at (amount mismatch, paid after cancel, …); empty when nothing.
    pub attention: Vec<AttentionDto>,
    pub created_at: i64,
    pub updated_at: i64,
    pub paid_at: Option<i64>,
}

impl From<&Sale> for SaleDto {
    fn from(s: &Sale) -> SaleDto {
        SaleDto {
            id: s.id.to_string(),
            product_id: s.product_id.to_string(),
            product_name: s.product_name.clone(),
            mode: s.mode.as_str().to_owned(),
            amount: s.amount.get(),
            amount_text: s.amount.display_twd(),
            customer_email: s.customer_email.clone(),
            customer_name: s.customer_name.clone(),
            state: s.state.as_str().to_owned(),
            page_opened: s.page_opened_at.is_some(),
            can_renew: matches!(s.state, SaleState::Failed | SaleState::Expired)
                && allowed(s.state, SaleState::Open, CauseKind::Create),
            can_cancel: allowed(s.state, SaleState::Cancelled, CauseKind::Cashier),
            checkout_id: s.checkout_id.as_ref().map(ToString::to_string),
            url: s.url.clone(),
            expires_at: s.expires_at.map(Timestamp::unix_ms),
            order_id: s.order_id.as_ref().map(ToString::to_string),
            subscription_id: s.subscription_id.as_ref().map(ToString::to_string),
            paid_amount_text: s.paid_amount.map(Money::display_twd),
            refunded_amount: s.refunded_amount.get(),
            refunded_text: (s.refunded_amount.get() != 0).then(|| s.refunded_amount.display_twd()),
            failure: s.failure.clone(),
            attention: s.attention.as_deref().map(AttentionDto::list).unwrap_or_default(),
            created_at: s.created_at.unix_ms(),
            updated_at: s.updated_at.unix_ms(),
            paid_at: s.paid_at.map(Timestamp::unix_ms),
        }
    }
}

/// One note of a sale's attention list: the ledger writes `code: details` (`amount_mismatch:
/// expected NT$120, received NT$100`); the UI translates the code and shows the details as is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttentionDto {
    pub code: String,
    pub detail: String,
}

impl AttentionDto {
    /// The ledger's `; `-separated list.
    pub fn list(text: &str) -> Vec<AttentionDto> {
        text.split("; ")
            .map(str::trim)
            .filter(|note| !note.is_empty())
            .map(|note| match note.split_once(':') {
                Some((code, detail)) if !code.contains(' ') => AttentionDto {
                    code: code.trim().to_owned(),
                    detail: detail.trim().to_owned(),
                },
                _ => AttentionDto {
                    code: "other".to_owned(),
                    detail: note.to_owned(),
                },
            })
            .collect()
    }
}

/// Whether the domain's state machine lets the cashier make this move (buttons follow it).
fn allowed(from: SaleState, to: SaleState, cause: CauseKind) -> bool {
    decide(from, to, cause) == Ok(Decision::Apply)
}

/// A checkout URL as a QR code the UI can show as an image.
#[derive(Clone, Debug, Serialize)]
pub struct QrDto {
    pub url: String,
    /// The host the URL points at, shown small under the code.
    pub host: String,
    /// `data:image/svg+xml;base64,…`
    pub data_url: String,
    /// Modules per side, quiet zone included (for sizing whole pixels per module).
    pub modules: u32,
}

/// What the Pay screen needs: the sale and its QR.
#[derive(Clone, Debug, Serialize)]
pub struct PayDto {
    pub sale: SaleDto,
    pub qr: Option<QrDto>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct TotalsDto {
    pub paid_count: u64,
    pub paid_text: String,
    pub open_count: u64,
    pub failed_count: u64,
    pub refunded_text: String,
    pub net_text: String,
    /// Sales flagged for a person to look at.
    pub attention_count: u64,
    /// Subscription renewals paid today, and their sum.
    pub renewals: u64,
    pub renewals_text: String,
}

impl From<&DaySummary> for TotalsDto {
    fn from(d: &DaySummary) -> TotalsDto {
        let count =
            |wanted: fn(SaleState) -> bool| d.by_state.iter().filter(|t| wanted(t.state)).map(|t| t.count).sum();
        TotalsDto {
            paid_count: count(SaleState::is_paid),
            paid_text: d.collected.display_twd(),
            open_count: count(|s| matches!(s, SaleState::Draft | SaleState::Open)),
            failed_count: count(|s| matches!(s, SaleState::Failed | SaleState::Expired)),
            refunded_text: d.refunded.display_twd(),
            net_text: d.net.display_twd(),
            attention_count: d.attention,
            renewals: d.renewals,
            renewals_text: d.renewals_total.display_twd(),
        }
    }
}

impl TotalsDto {
    /// The day's totals; the paid count leaves out card-only (SETUP) sales, which the ledger
    /// records as PAID but which took no money.
    pub fn for_day(summary: &DaySummary, sales: &[Sale]) -> TotalsDto {
        let mut totals = TotalsDto::from(summary);
        let setups = sales
            .iter()
            .filter(|s| s.state.is_paid() && s.mode == recur_domain::Mode::Setup)
            .count();
        totals.paid_count = totals.paid_count.saturating_sub(setups as u64);
        totals
    }
}

/// Today's sales, newest first, and the day's totals.
#[derive(Clone, Debug, Serialize)]
pub struct TodayDto {
    /// The start of today in Asia/Taipei.
    pub day_start: i64,
    pub totals: TotalsDto,
    pub sales: Vec<SaleDto>,
}

/// What the customer-facing window may know: one sale's amount, product, QR and state; never
/// an email, a name, another sale or anything to act on.
#[derive(Clone, Debug, Serialize)]
pub struct CustomerViewDto {
    pub shop_name: String,
    /// `idle`, or the shown sale's state.
    pub state: String,
    pub page_opened: bool,
    pub amount_text: Option<String>,
    pub product_name: Option<String>,
    pub mode: Option<String>,
    pub qr: Option<QrDto>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use recur_ledger::StateTotal;

    #[test]
    fn totals_count_paid_open_and_failed() {
        let total = |state, count| StateTotal {
            state,
            count,
            amount: Money::new(100),
        };
        let day = DaySummary {
            day_start: Timestamp::from_unix_ms(0),
            day_end: Timestamp::from_unix_ms(1),
            by_state: vec![
                total(SaleState::Open, 2),
                total(SaleState::Paid, 3),
                total(SaleState::Failed, 1),
                total(SaleState::Refunded, 1),
            ],
            collected: Money::new(1290),
            refunded: Money::new(90),
            net: Money::new(1200),
            attention: 0,
            renewals: 0,
            renewals_total: Money::ZERO,
        };
        let t = TotalsDto::from(&day);
        assert_eq!((t.paid_count, t.open_count, t.failed_count), (4, 2, 1));
        assert_eq!(t.paid_text, "NT$1,290");
        assert_eq!(t.net_text, "NT$1,200");
        assert_eq!(t.refunded_text, "NT$90");
    }

    #[test]
    fn attention_notes_split_into_code_and_details() {
        let cases: [(&str, &[(&str, &str)]); 4] = [
            ("", &[]),
            (
                "paid_after_cancel: payment arrived after the cashier cancelled",
                &[("paid_after_cancel", "payment arrived after the cashier cancelled")],
            ),
            (
                "amount_mismatch: expected NT$120, received NT$100; currency_mismatch: expected TWD, received USD",
                &[
                    ("amount_mismatch", "expected NT$120, received NT$100"),
                    ("currency_mismatch", "expected TWD, received USD"),
                ],
            ),
            (
                "something odd happened: twice",
                &[("other", "something odd happened: twice")],
            ),
        ];
        for (text, expected) in cases {
            let got: Vec<(String, String)> = AttentionDto::list(text)
                .into_iter()
                .map(|a| (a.code, a.detail))
                .collect();
            let want: Vec<(String, String)> = expected.iter().map(|(c, d)| (c.to_string(), d.to_string())).collect();
            assert_eq!(got, want, "{text}");
        }
    }
}
