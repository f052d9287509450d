//! The JSON the UI sees: small, flat structs built from core types at the boundary.
//!
//! Core types never grow `Serialize`; this module is the only place that decides how a sale,
//! a product or a day looks to JavaScript. Times cross as Unix milliseconds (the UI formats
//! them in Asia/Taipei); money crosses both as a whole-TWD integer and as `NT$1,290` text so
//! the UI never formats money itself. Not here: any rule about sales.

mod detail;
mod error;
mod owner;
mod print;
mod review;
mod settings;
mod shop;

pub use detail::SaleDetailDto;
pub use error::CommandError;
pub use owner::{
    parse_day, CashSaleDto, CrossCheckDto, DayReportDto, DifferenceDto, ExportDto, FilterInput, HistoryPageDto,
    HistoryTotalsDto, ProgressDto, TrendDayDto,
};
pub use print::{PrintJobDto, PrinterSettingsDto, PrinterStatusDto};
pub use review::{JournalDto, JournalEntryDto, ReapplyDto, SubscriptionDto};
pub use settings::{BackupsDto, KeyDto, ListenerDto, PresetDto, SelfTestDto, SettingsDto, StatusDto, TunnelDto};
pub use shop::{ShopCheckDto, ShopDto};

use std::collections::BTreeMap;

use base64::Engine;

use recur_client::Product;
use recur_domain::{Attention, Failure, Figure, Money, Timestamp};
use recur_ledger::{DaySummary, Sale};
use recur_pos_core::Today;
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
    /// `recur` (the checkout) or `cash`.
    pub tender: &'static str,
    /// Cash: what the customer handed over, and the change given back.
    pub cash_tendered_text: Option<String>,
    pub change_text: Option<String>,
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
    /// Why it failed, as `{code, params}` (`failure.<code>` in the UI's strings).
    pub failure: Option<CodeDto>,
    /// What a person must look at (amount mismatch, paid after cancel, …), as `{code, params}`
    /// (`attention.<code>`); empty when nothing.
    pub attention: Vec<CodeDto>,
    pub created_at: i64,
    pub updated_at: i64,
    pub paid_at: Option<i64>,
    /// Where it was sold (blank on a one-counter ledger).
    pub shop: String,
    pub counter: String,
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
            tender: s.tender.as_str(),
            cash_tendered_text: s.cash_tendered.map(Money::display_twd),
            change_text: recur_pos_core::change_due(s).map(Money::display_twd),
            page_opened: s.page_opened_at.is_some(),
            can_renew: s.state.can_renew(),
            can_cancel: s.state.can_cancel(),
            checkout_id: s.checkout_id.as_ref().map(ToString::to_string),
            url: s.url.clone(),
            expires_at: s.expires_at.map(Timestamp::unix_ms),
            order_id: s.order_id.as_ref().map(ToString::to_string),
            subscription_id: s.subscription_id.as_ref().map(ToString::to_string),
            paid_amount_text: s.paid_amount.map(Money::display_twd),
            refunded_amount: s.refunded_amount.get(),
            refunded_text: (s.refunded_amount.get() != 0).then(|| s.refunded_amount.display_twd()),
            failure: s.failure.as_ref().map(CodeDto::failure),
            attention: s.attention.iter().map(CodeDto::attention).collect(),
            created_at: s.created_at.unix_ms(),
            updated_at: s.updated_at.unix_ms(),
            paid_at: s.paid_at.map(Timestamp::unix_ms),
            shop: s.shop.clone(),
            counter: s.counter.clone(),
        }
    }
}

/// A code the UI translates, with the figures its sentence names (`{expected}`, …), each
/// already as a person reads it (money as `NT$1,290`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeDto {
    pub code: &'static str,
    pub params: BTreeMap<&'static str, String>,
}

impl CodeDto {
    fn new(code: &'static str, params: Vec<(&'static str, Figure)>) -> CodeDto {
        CodeDto {
            code,
            params: params.into_iter().map(|(k, v)| (k, v.display())).collect(),
        }
    }

    pub fn attention(note: &Attention) -> CodeDto {
        CodeDto::new(note.code().as_str(), note.params())
    }

    pub fn failure(failure: &Failure) -> CodeDto {
        CodeDto::new(failure.code().as_str(), failure.params())
    }

    pub fn note(note: &recur_domain::StepNote) -> CodeDto {
        CodeDto::new(note.code().as_str(), note.params())
    }
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

impl QrDto {
    /// The QR of `url`, or `None` when the URL is too long for any QR version.
    pub fn of(url: &str) -> Option<QrDto> {
        let qr = recur_pos_app::qr::svg(url)?;
        Some(QrDto {
            data_url: format!(
                "data:image/svg+xml;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(&qr.svg)
            ),
            url: qr.url,
            host: qr.host,
            modules: qr.modules,
        })
    }
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
    /// Renewal charges that failed today.
    pub renewals_failed: u64,
}

impl From<&DaySummary> for TotalsDto {
    fn from(d: &DaySummary) -> TotalsDto {
        TotalsDto {
            paid_count: d.paid,
            paid_text: d.collected.display_twd(),
            open_count: d.open,
            failed_count: d.unpaid,
            refunded_text: d.refunded.display_twd(),
            net_text: d.net.display_twd(),
            attention_count: d.attention,
            renewals: d.renewals,
            renewals_text: d.renewals_total.display_twd(),
            renewals_failed: d.renewals_failed,
        }
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

impl From<&Today> for TodayDto {
    fn from(t: &Today) -> TodayDto {
        TodayDto {
            day_start: t.summary.day.start.unix_ms(),
            totals: TotalsDto::from(&t.summary),
            sales: t.sales.iter().map(SaleDto::from).collect(),
        }
    }
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
    use recur_domain::{Currency, Day, ErrorCode};

    use super::*;

    #[test]
    fn totals_are_the_day_summary_in_words() {
        let day = DaySummary {
            day: Day::containing(Timestamp::from_unix_ms(0)),
            by_state: vec![],
            collected: Money::new(1290),
            refunded: Money::new(90),
            net: Money::new(1200),
            paid: 4,
            cards_saved: 1,
            open: 2,
            unpaid: 1,
            attention: 0,
            renewals: 0,
            renewals_total: Money::ZERO,
            renewals_failed: 0,
        };
        let t = TotalsDto::from(&day);
        assert_eq!((t.paid_count, t.open_count, t.failed_count), (4, 2, 1));
        assert_eq!((t.paid_text.as_str(), t.net_text.as_str()), ("NT$1,290", "NT$1,200"));
        assert_eq!(t.refunded_text, "NT$90");
    }

    #[test]
    fn codes_cross_with_their_figures_as_people_read_them() {
        let note = CodeDto::attention(&Attention::AmountMismatch {
            expected: Money::new(1_290),
            received: Money::new(100),
        });
        assert_eq!(note.code, "amount_mismatch");
        assert_eq!(
            note.params,
            BTreeMap::from([("expected", "NT$1,290".to_owned()), ("received", "NT$100".to_owned())])
        );
        let currency = CodeDto::attention(&Attention::CurrencyMismatch {
            expected: Currency::twd(),
            received: Currency::new("USD"),
        });
        assert_eq!(currency.params["received"], "USD");
        let failure = CodeDto::failure(&Failure::CreateFailed {
            error: ErrorCode::RecurTimeout,
        });
        assert_eq!(
            (failure.code, failure.params["error"].as_str()),
            ("create_failed", "recur.timeout")
        );
    }
}
