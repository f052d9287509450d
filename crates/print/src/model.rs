//! What is printed, before any layout: plain data the app fills in from the ledger and the
//! settings. Amounts are [`Money`]; times are already on the shop's clock (text).

use recur_domain::{Mode, Money, Tender};
use serde::{Deserialize, Serialize};

/// The language of the printed words.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn parse(text: &str) -> Option<Lang> {
        match text.trim() {
            "zh-TW" | "zh" | "zh-tw" => Some(Lang::ZhTw),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// The paper roll: its printable width in dots (8 dots/mm) and in columns of Font A (12 dots).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Paper {
    #[serde(rename = "58")]
    Mm58,
    #[default]
    #[serde(rename = "80")]
    Mm80,
}

impl Paper {
    pub fn parse(text: &str) -> Option<Paper> {
        match text.trim().trim_end_matches("mm") {
            "58" => Some(Paper::Mm58),
            "80" => Some(Paper::Mm80),
            _ => None,
        }
    }

    pub fn mm(self) -> u16 {
        match self {
            Paper::Mm58 => 58,
            Paper::Mm80 => 80,
        }
    }

    /// Dots across: 384 at 58 mm, 576 at 80 mm.
    pub fn dots(self) -> u32 {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }

    /// Half-width columns across (a Chinese character takes two): 32 or 48.
    pub fn columns(self) -> usize {
        (self.dots() / 12) as usize
    }
}

/// How the printer is driven.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrintMode {
    /// The whole sheet as one image (`GS v 0`): any printer, any character.
    #[default]
    Raster,
    /// The printer's own font, Chinese in Big5 (printers with a Traditional Chinese font).
    Text,
}

impl PrintMode {
    pub fn parse(text: &str) -> Option<PrintMode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "raster" => Some(PrintMode::Raster),
            "text" => Some(PrintMode::Text),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PrintMode::Raster => "raster",
            PrintMode::Text => "text",
        }
    }
}

/// The shop's header and footer, from Settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shop {
    pub name: String,
    pub address: Vec<String>,
    pub footer: Option<String>,
}

/// How a receipt's sale was paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payment {
    /// Through Recur's checkout; the card's brand and last four digits when Recur reported them.
    Recur {
        brand: Option<String>,
        last4: Option<String>,
    },
    Cash {
        tendered: Money,
        change: Money,
    },
}

/// A paid sale's receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub shop: Shop,
    pub sale_id: String,
    /// When it was paid, on the shop's clock (`2026-12-02 14:05`).
    pub at: String,
    pub product: String,
    pub mode: Mode,
    pub amount: Money,
    pub payment: Payment,
    /// The e-invoice number Recur reported (`AB-12345678`).
    pub invoice_number: Option<String>,
    /// Printed again from History: says so.
    pub reprint: bool,
}

/// A close as the day sheet shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseLine {
    pub seq: i64,
    pub at: String,
    pub by: Option<String>,
    pub counted_cash: Option<Money>,
    pub difference: Option<Money>,
}

/// The day's report (Z report) as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaySheet {
    pub shop: Shop,
    /// `2026-12-02`.
    pub date: String,
    pub printed_at: String,
    pub close: Option<CloseLine>,
    pub paid: u64,
    pub collected: Money,
    pub refunded: Money,
    pub renewals: u64,
    pub renewals_total: Money,
    pub net: Money,
    pub cards_saved: u64,
    pub open: u64,
    pub unpaid: u64,
    pub by_tender: Vec<(Tender, u64, Money)>,
    pub by_product: Vec<(String, u64, Money)>,
    pub expected_cash: Money,
    /// Late changes to closed days carried onto this one: count and effect on the net.
    pub adjustments: (u64, Money),
}

/// The printer's part of the app's settings (`settings.json`), kept here with the types it
/// names so the app's settings and its printing need not import each other.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrinterSettings {
    /// `tcp://HOST:PORT`, `usb://VID:PID` or `serial:///dev/ttyUSB0`.
    pub uri: Option<String>,
    pub paper: Paper,
    pub mode: PrintMode,
    /// Print the receipt when a sale is paid (else on the button).
    pub auto_print: bool,
    /// Keep the drawer shut after a cash sale (default: it opens).
    pub no_drawer: bool,
    /// The receipt's address lines under the shop name.
    pub address: Vec<String>,
    pub footer: Option<String>,
    /// The language of the printed words (default zh-TW).
    pub lang: Lang,
}
