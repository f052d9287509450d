//! From a model to the lines of one paper width: the one place that decides what a receipt,
//! a day sheet and a test page say and where. Pure; both renderers (raster, Big5 text) and
//! the HTML print window draw these lines, so they cannot disagree.
//!
//! Every text line that comes out fits its paper: text is wrapped by display width (a Chinese
//! character or a full-width form counts 2 columns, Latin 1; `unicode-width`), between words
//! where Latin text has spaces and anywhere in Chinese. A line with an amount on the right
//! keeps the amount on its last line, or gives it a line of its own when nothing else fits.

use recur_domain::{Mode, Money, Tender};
use serde::{Deserialize, Serialize};
use unicode_width::UnicodeWidthChar;

use crate::model::{DaySheet, Lang, Paper, Payment, Receipt, Shop};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// One printed line. `big` is double width and height (half the columns).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Line {
    Text {
        text: String,
        /// Right-aligned on the same line (an amount).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        right: Option<String>,
        #[serde(default)]
        align: Align,
        #[serde(default)]
        big: bool,
        #[serde(default)]
        bold: bool,
    },
    /// A dashed rule across the paper.
    Rule,
    /// A QR code of `data`, centred.
    Qr { data: String },
    /// An empty line.
    Feed,
}

/// What one job prints: its paper and its lines, as kept in the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sheet {
    pub paper: Paper,
    pub lines: Vec<Line>,
}

impl Sheet {
    /// The text of every line, one per row (the right part after a space): what tests and the
    /// job record compare.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            match line {
                Line::Text { text, right, .. } => {
                    out.push_str(text);
                    if let Some(r) = right {
                        out.push(' ');
                        out.push_str(r);
                    }
                }
                Line::Rule => out.push_str("----"),
                Line::Qr { data } => out.push_str(&format!("[QR {data}]")),
                Line::Feed => {}
            }
            out.push('\n');
        }
        out
    }
}

/// Display width in columns.
pub fn width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// What may not start a line.
const CLOSING: &str = "）」』】〉》，。、！？：；…)]}.,!?:;";

/// `text` cut into pieces of at most `cols` columns: between words where there are spaces (Latin),
/// anywhere else. Never returns an empty list; an empty text is one empty line.
pub fn wrap(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    // Byte index in `current` just after the last space, and the width before it.
    let mut last_space: Option<usize> = None;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > cols {
            match last_space.filter(|&i| i < current.len() && c != ' ') {
                Some(at) => {
                    let rest = current.split_off(at);
                    lines.push(current.trim_end().to_owned());
                    used = width(&rest);
                    current = rest;
                }
                None => {
                    // No line starts with closing punctuation: the character before it comes
                    // down too.
                    let carried = match current.chars().last() {
                        Some(last) if CLOSING.contains(c) && current.chars().count() > 1 => {
                            current.pop();
                            Some(last)
                        }
                        _ => None,
                    };
                    lines.push(current.trim_end().to_owned());
                    current = carried.map(String::from).unwrap_or_default();
                    used = width(&current);
                }
            }
            last_space = None;
            if c == ' ' && current.is_empty() {
                continue;
            }
        }
        current.push(c);
        used += w;
        if c == ' ' {
            last_space = Some(current.len());
        } else if w == 2 {
            // A break may fall after any Chinese character.
            last_space = Some(current.len());
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current.trim_end().to_owned());
    }
    lines
}

/// Builds the lines of a sheet.
struct Out {
    cols: usize,
    lines: Vec<Line>,
}

impl Out {
    fn new(paper: Paper) -> Out {
        Out {
            cols: paper.columns(),
            lines: Vec::new(),
        }
    }

    fn text(&mut self, text: &str, align: Align, big: bool, bold: bool) {
        let cols = if big { self.cols / 2 } else { self.cols };
        for piece in wrap(text, cols) {
            self.lines.push(Line::Text {
                text: piece,
                right: None,
                align,
                big,
                bold,
            });
        }
    }

    fn left(&mut self, text: &str) {
        self.text(text, Align::Left, false, false);
    }

    fn center(&mut self, text: &str) {
        self.text(text, Align::Center, false, false);
    }

    /// `label` on the left, `value` on the right of the same line when both fit.
    fn pair(&mut self, label: &str, value: &str, big: bool, bold: bool) {
        let cols = if big { self.cols / 2 } else { self.cols };
        let value_w = width(value);
        if value_w + 1 >= cols {
            self.text(label, Align::Left, big, bold);
            self.text(value, Align::Right, big, bold);
            return;
        }
        let mut pieces = wrap(label, cols);
        let last = pieces.pop().unwrap_or_default();
        for piece in pieces {
            self.lines.push(Line::Text {
                text: piece,
                right: None,
                align: Align::Left,
                big,
                bold,
            });
        }
        if width(&last) + 1 + value_w <= cols {
            self.lines.push(Line::Text {
                text: last,
                right: Some(value.to_owned()),
                align: Align::Left,
                big,
                bold,
            });
        } else {
            self.lines.push(Line::Text {
                text: last,
                right: None,
                align: Align::Left,
                big,
                bold,
            });
            self.lines.push(Line::Text {
                text: String::new(),
                right: Some(value.to_owned()),
                align: Align::Left,
                big,
                bold,
            });
        }
    }

    fn header(&mut self, shop: &Shop) {
        if !shop.name.trim().is_empty() {
            self.text(shop.name.trim(), Align::Center, true, true);
        }
        for line in shop.address.iter().filter(|l| !l.trim().is_empty()) {
            self.center(line.trim());
        }
        self.lines.push(Line::Rule);
    }

    fn done(self, paper: Paper) -> Sheet {
        Sheet {
            paper,
            lines: self.lines,
        }
    }
}

/// The printed words, in both languages.
fn t(lang: Lang, key: &str) -> &'static str {
    let (zh, en) = match key {
        "receipt" => ("收據", "RECEIPT"),
        "reprint" => ("補印", "REPRINT"),
        "date" => ("日期", "Date"),
        "sale" => ("單號", "Sale"),
        "total" => ("合計", "Total"),
        "paid_by" => ("付款方式", "Paid by"),
        "card" => ("信用卡", "Card"),
        "recur" => ("線上付款", "Online payment"),
        "cash" => ("現金", "Cash"),
        "tendered" => ("收現", "Cash tendered"),
        "change" => ("找零", "Change"),
        "einvoice" => ("電子發票", "E-invoice"),
        "subscription" => ("定期訂閱（首期）", "Subscription (first period)"),
        "setup" => ("綁定信用卡（未扣款）", "Card saved (nothing charged)"),
        "day_title" => ("日結報表", "DAY REPORT (Z)"),
        "not_closed" => ("尚未結帳", "Not closed yet"),
        "close_no" => ("結帳序號", "Close no."),
        "closed_at" => ("結帳時間", "Closed at"),
        "closed_by" => ("結帳人", "Closed by"),
        "printed_at" => ("列印時間", "Printed"),
        "paid" => ("已付款筆數", "Paid sales"),
        "collected" => ("收款", "Collected"),
        "refunded" => ("退款", "Refunded"),
        "renewals" => ("續訂", "Renewals"),
        "net" => ("淨額", "Net"),
        "cards_saved" => ("綁卡", "Cards saved"),
        "open" => ("未完成", "Still open"),
        "unpaid" => ("未付款", "Unpaid"),
        "by_tender" => ("付款方式", "By tender"),
        "by_product" => ("商品", "By product"),
        "expected_cash" => ("應有現金", "Expected cash"),
        "counted_cash" => ("實點現金", "Counted cash"),
        "difference" => ("差額", "Difference"),
        "adjustments" => ("前日調整", "Adjustments"),
        "test_title" => ("印表機測試頁", "PRINTER TEST PAGE"),
        "test_raster" => ("中文（點陣圖）：", "Chinese as an image:"),
        "test_sample" => ("繁體中文測試：統一發票、找零", "繁體中文測試：統一發票、找零"),
        "test_qr" => ("QR 碼：", "QR code:"),
        "test_pick" => (
            "哪一段中文清楚，就在設定選那個模式。",
            "Pick the mode whose Chinese reads right in Settings.",
        ),
        other => unreachable!("no printed word {other}"),
    };
    match lang {
        Lang::ZhTw => zh,
        Lang::En => en,
    }
}

fn count(n: u64) -> String {
    n.to_string()
}

fn money(m: Money) -> String {
    m.display_twd()
}

/// A paid sale's receipt.
pub fn receipt_lines(r: &Receipt, paper: Paper, lang: Lang) -> Sheet {
    let mut out = Out::new(paper);
    out.header(&r.shop);
    if r.reprint {
        out.text(t(lang, "reprint"), Align::Center, false, true);
    }
    out.pair(t(lang, "date"), &r.at, false, false);
    out.pair(t(lang, "sale"), &r.sale_id, false, false);
    out.lines.push(Line::Rule);
    out.pair(&r.product, &money(r.amount), false, false);
    match r.mode {
        Mode::Payment => {}
        Mode::Subscription => out.left(t(lang, "subscription")),
        Mode::Setup => out.left(t(lang, "setup")),
    }
    out.lines.push(Line::Rule);
    let charged = if r.mode == Mode::Setup { Money::new(0) } else { r.amount };
    out.pair(t(lang, "total"), &money(charged), true, true);
    match &r.payment {
        Payment::Recur { brand, last4 } => {
            let how = match (brand, last4) {
                (None, None) => t(lang, "recur").to_owned(),
                (brand, last4) => {
                    let mut s = t(lang, "card").to_owned();
                    if let Some(b) = brand {
                        s.push(' ');
                        s.push_str(b);
                    }
                    if let Some(l) = last4 {
                        s.push_str(" **** ");
                        s.push_str(l);
                    }
                    s
                }
            };
            out.pair(t(lang, "paid_by"), &how, false, false);
        }
        Payment::Cash { tendered, change } => {
            out.pair(t(lang, "paid_by"), t(lang, "cash"), false, false);
            out.pair(t(lang, "tendered"), &money(*tendered), false, false);
            out.pair(t(lang, "change"), &money(*change), false, true);
        }
    }
    if let Some(number) = &r.invoice_number {
        out.pair(t(lang, "einvoice"), number, false, false);
    }
    out.lines.push(Line::Feed);
    out.lines.push(Line::Qr {
        data: r.sale_id.clone(),
    });
    out.center(&r.sale_id);
    if let Some(footer) = r.shop.footer.as_deref().filter(|f| !f.trim().is_empty()) {
        out.lines.push(Line::Feed);
        out.center(footer.trim());
    }
    out.done(paper)
}

fn tender_word(lang: Lang, tender: Tender) -> &'static str {
    match tender {
        Tender::Recur => t(lang, "recur"),
        Tender::Cash => t(lang, "cash"),
    }
}

/// The day's report (Z report).
pub fn day_lines(d: &DaySheet, paper: Paper, lang: Lang) -> Sheet {
    let mut out = Out::new(paper);
    out.header(&d.shop);
    out.text(t(lang, "day_title"), Align::Center, true, true);
    out.text(&d.date, Align::Center, false, true);
    match &d.close {
        Some(c) => {
            out.pair(t(lang, "close_no"), &format!("#{}", c.seq), false, false);
            out.pair(t(lang, "closed_at"), &c.at, false, false);
            if let Some(by) = &c.by {
                out.pair(t(lang, "closed_by"), by, false, false);
            }
        }
        None => out.text(t(lang, "not_closed"), Align::Center, false, false),
    }
    out.pair(t(lang, "printed_at"), &d.printed_at, false, false);
    out.lines.push(Line::Rule);
    out.pair(t(lang, "paid"), &count(d.paid), false, false);
    out.pair(t(lang, "collected"), &money(d.collected), false, false);
    out.pair(t(lang, "refunded"), &money(Money::new(-d.refunded.get())), false, false);
    if d.renewals > 0 {
        out.pair(
            &format!("{} ({})", t(lang, "renewals"), d.renewals),
            &money(d.renewals_total),
            false,
            false,
        );
    }
    out.pair(t(lang, "net"), &money(d.net), true, true);
    out.pair(t(lang, "cards_saved"), &count(d.cards_saved), false, false);
    out.pair(t(lang, "open"), &count(d.open), false, false);
    out.pair(t(lang, "unpaid"), &count(d.unpaid), false, false);
    if !d.by_tender.is_empty() {
        out.lines.push(Line::Rule);
        out.text(t(lang, "by_tender"), Align::Left, false, true);
        for (tender, n, amount) in &d.by_tender {
            out.pair(
                &format!("{} × {n}", tender_word(lang, *tender)),
                &money(*amount),
                false,
                false,
            );
        }
    }
    if !d.by_product.is_empty() {
        out.lines.push(Line::Rule);
        out.text(t(lang, "by_product"), Align::Left, false, true);
        for (name, n, amount) in &d.by_product {
            out.pair(&format!("{name} × {n}"), &money(*amount), false, false);
        }
    }
    out.lines.push(Line::Rule);
    out.pair(t(lang, "expected_cash"), &money(d.expected_cash), false, true);
    if let Some(c) = &d.close {
        if let Some(counted) = c.counted_cash {
            out.pair(t(lang, "counted_cash"), &money(counted), false, false);
        }
        if let Some(diff) = c.difference {
            out.pair(t(lang, "difference"), &money(diff), false, true);
        }
    }
    if d.adjustments.0 > 0 {
        out.pair(
            &format!("{} ({})", t(lang, "adjustments"), d.adjustments.0),
            &money(d.adjustments.1),
            false,
            false,
        );
    }
    out.done(paper)
}

/// The test page's parts: what goes as printer text (Latin, then Chinese in Big5) and what as
/// an image (the same Chinese, and a QR). [`crate::escpos::test_job`] sends both.
pub struct TestPage {
    pub text: Sheet,
    pub image: Sheet,
}

/// The test page.
pub fn test_lines(paper: Paper, lang: Lang, printer: &str) -> TestPage {
    let mut text = Out::new(paper);
    text.text(t(lang, "test_title"), Align::Center, true, true);
    text.center(printer);
    text.center(&format!("{} mm · {} dots", paper.mm(), paper.dots()));
    text.lines.push(Line::Rule);
    text.left("Latin: ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 NT$1,234");
    text.left("Big5:");
    text.left(t(lang, "test_sample"));
    let mut image = Out::new(paper);
    image.left(t(lang, "test_raster"));
    image.left(t(lang, "test_sample"));
    image.left(t(lang, "test_qr"));
    image.lines.push(Line::Qr {
        data: "https://recur.tw".to_owned(),
    });
    image.center(t(lang, "test_pick"));
    TestPage {
        text: text.done(paper),
        image: image.done(paper),
    }
}
