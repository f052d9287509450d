//! The HTML of the hosted checkout page, its result pages and the return pages: zh-TW first,
//! English second, inline CSS, no scripts and no external resources.
//!
//! What happens when a form is posted is decided in [`crate::page`]; this module only renders.

use recur_domain::time::TAIPEI_OFFSET_MS;
use recur_domain::{Mode, Money, Timestamp};

use crate::cards::{Lang, DECLINE_CARDS, SUCCESS_CARDS};
use crate::catalog::BillingPeriod;
use crate::session::Session;

/// The sandbox's shop, as the page shows it.
const SHOP_ZH: &str = "Recur 測試商店";
const SHOP_EN: &str = "Recur Test Shop";

/// Every sentence of the pages, in one language.
pub struct Texts {
    pub title: &'static str,
    pub shop: &'static str,
    pub sandbox_badge: &'static str,
    pub switch_label: &'static str,
    pub switch_lang: &'static str,
    pub mode_payment: &'static str,
    pub mode_subscription: &'static str,
    pub mode_setup: &'static str,
    pub trial: &'static str,
    /// Weekly, monthly, yearly.
    pub periods: [&'static str; 3],
    pub taipei_time: &'static str,
    pub email: &'static str,
    pub card_number: &'static str,
    pub expiry: &'static str,
    pub cvc: &'static str,
    pub pay: &'static str,
    pub save_card: &'static str,
    pub cancel: &'static str,
    pub test_cards: &'static str,
    pub succeeds: &'static str,
    pub expires_at: &'static str,
    pub expired: &'static str,
    pub already_paid: &'static str,
    pub not_found: &'static str,
    pub missing_email: &'static str,
    pub bad_email: &'static str,
    pub missing_card: &'static str,
    pub bad_expiry: &'static str,
    pub paid_title: &'static str,
    pub paid_body: &'static str,
    pub cancelled_title: &'static str,
    pub cancelled_body: &'static str,
}

pub const ZH: Texts = Texts {
    title: "付款",
    shop: SHOP_ZH,
    sandbox_badge: "測試環境：不會真的扣款",
    switch_label: "English",
    switch_lang: "en",
    mode_payment: "單次付款",
    mode_subscription: "定期訂閱",
    mode_setup: "僅儲存卡片，不會扣款",
    trial: " 天免費試用",
    periods: ["每週", "每月", "每年"],
    taipei_time: "台灣時間",
    email: "電子郵件（寄送收據）",
    card_number: "卡號",
    expiry: "有效期限（MM/YY）",
    cvc: "安全碼（CVV）",
    pay: "付款",
    save_card: "儲存卡片",
    cancel: "取消",
    test_cards: "測試卡號",
    succeeds: "付款成功",
    expires_at: "付款連結有效至",
    expired: "此付款連結已過期，請回到商店重新結帳。",
    already_paid: "此訂單已付款，不會重複扣款。",
    not_found: "找不到此付款頁面。",
    missing_email: "請輸入電子郵件。",
    bad_email: "電子郵件格式不正確。",
    missing_card: "請輸入卡號。",
    bad_expiry: "有效期限格式不正確，請輸入 MM/YY。",
    paid_title: "付款完成",
    paid_body: "感謝您的購買，收據已寄到您的電子郵件。",
    cancelled_title: "已取消",
    cancelled_body: "付款已取消，沒有扣款。",
};

pub const EN: Texts = Texts {
    title: "Checkout",
    shop: SHOP_EN,
    sandbox_badge: "Sandbox: no real money moves",
    switch_label: "中文",
    switch_lang: "zh-TW",
    mode_payment: "One-time payment",
    mode_subscription: "Subscription",
    mode_setup: "Save card only, nothing is charged",
    trial: "-day free trial",
    periods: ["weekly", "monthly", "yearly"],
    taipei_time: "Taiwan time",
    email: "Email (for the receipt)",
    card_number: "Card number",
    expiry: "Expiry (MM/YY)",
    cvc: "CVV",
    pay: "Pay",
    save_card: "Save card",
    cancel: "Cancel",
    test_cards: "Test cards",
    succeeds: "succeeds",
    expires_at: "This link is valid until",
    expired: "This payment link has expired. Please go back to the shop and check out again.",
    already_paid: "This order is already paid; it will not be charged twice.",
    not_found: "This payment page does not exist.",
    missing_email: "Please enter your email.",
    bad_email: "That email address is not valid.",
    missing_card: "Please enter a card number.",
    bad_expiry: "The expiry date is not valid; use MM/YY.",
    paid_title: "Payment complete",
    paid_body: "Thank you for your purchase. A receipt is on its way to your email.",
    cancelled_title: "Cancelled",
    cancelled_body: "The payment was cancelled; nothing was charged.",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// What the form should show again after a failed attempt.
#[derive(Default)]
pub struct FormState<'a> {
    pub error: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// The payment page of an OPEN session.
pub fn checkout_page(s: &Session, lang: Lang, form: &FormState) -> String {
    let t = texts(lang);
    let body = format!(
        "{summary}{error}{form}<p class=\"note\">{label} {expires}</p>{cards}",
        summary = summary(s, t),
        error = form
            .error
            .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e)))
            .unwrap_or_default(),
        form = pay_form(s, lang, form.email.or(s.customer_email.as_deref()).unwrap_or("")),
        label = t.expires_at,
        expires = taipei_time(s.expires_at, t),
        cards = test_cards(lang),
    );
    layout(lang, t.title, &format!("/checkout/{}", s.id), &body)
}

/// Product, amount and what kind of charge this is.
fn summary(s: &Session, t: &Texts) -> String {
    let mode = match s.mode {
        Mode::Payment => t.mode_payment.to_owned(),
        Mode::Subscription => format!(
            "{} · {}",
            t.mode_subscription,
            period_label(t, s.product.billing_period)
        ),
        Mode::Setup => t.mode_setup.to_owned(),
    };
    let trial = match (s.mode, s.product.trial_days) {
        (Mode::Subscription, Some(days)) if days > 0 => {
            format!("<p class=\"note\">{days}{}</p>", t.trial)
        }
        _ => String::new(),
    };
    let desc = s
        .product
        .description
        .as_deref()
        .map(|d| format!("<p>{}</p>", esc(d)))
        .unwrap_or_default();
    format!(
        "<div class=\"item\"><h2>{}</h2>{desc}<p class=\"amount\">{}</p><p class=\"mode\">{mode}</p>{trial}</div>",
        esc(&s.product.name),
        Money::new(s.amount).display_twd(),
    )
}

/// The card form and the cancel button: plain form posts, so no script is needed.
fn pay_form(s: &Session, lang: Lang, email: &str) -> String {
    let t = texts(lang);
    let button = if s.mode == Mode::Setup { t.save_card } else { t.pay };
    format!(
        r#"<form method="post" action="/checkout/{id}/pay" class="pay">
<input type="hidden" name="lang" value="{lang}">
<label>{l_email}<input type="email" name="email" value="{email}" required autocomplete="email"></label>
<label>{l_card}<input type="text" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4147 6310 0000 0001" required></label>
<div class="row"><label>{l_exp}<input type="text" name="exp" placeholder="MM/YY" autocomplete="cc-exp" required></label>
<label>{l_cvc}<input type="text" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" required></label></div>
<button type="submit" class="primary">{button}</button>
</form>
<form method="post" action="/checkout/{id}/cancel" class="cancel"><input type="hidden" name="lang" value="{lang}"><button type="submit" class="link">{cancel}</button></form>
"#,
        id = esc(&s.id),
        lang = lang.code(),
        l_email = t.email,
        email = esc(email),
        l_card = t.card_number,
        l_exp = t.expiry,
        l_cvc = t.cvc,
        cancel = t.cancel,
    )
}

fn period_label(t: &Texts, period: Option<BillingPeriod>) -> &'static str {
    match period {
        Some(BillingPeriod::Weekly) => t.periods[0],
        Some(BillingPeriod::Yearly) => t.periods[2],
        _ => t.periods[1],
    }
}

/// `2026-11-29 18:24（台灣時間）`: the customer reads local time, not UTC.
fn taipei_time(at: Timestamp, t: &Texts) -> String {
    let local = at.plus_ms(TAIPEI_OFFSET_MS).to_rfc3339();
    format!("{} {} ({})", &local[..10], &local[11..16], t.taipei_time)
}

/// A page that only says something (expired, already paid, not found, …).
pub fn message_page(lang: Lang, switch_path: &str, title: &str, message: &str) -> String {
    let body = format!("<h2>{}</h2><p class=\"message\">{}</p>", esc(title), esc(message));
    layout(lang, title, switch_path, &body)
}

fn test_cards(lang: Lang) -> String {
    let t = texts(lang);
    let group = |n: &str| {
        n.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut rows: Vec<String> = SUCCESS_CARDS
        .iter()
        .map(|(brand, n)| format!("<li><code>{}</code> {brand} — {}</li>", group(n), t.succeeds))
        .collect();
    rows.extend(
        DECLINE_CARDS
            .iter()
            .map(|(n, d)| format!("<li><code>{}</code> — {}</li>", group(n), esc(d.message(lang)))),
    );
    format!(
        "<details class=\"cards\" open><summary>{}</summary><ul>{}</ul></details>",
        t.test_cards,
        rows.join("")
    )
}

fn layout(lang: Lang, title: &str, switch_path: &str, body: &str) -> String {
    let t = texts(lang);
    format!(
        r#"<!doctype html>
<html lang="{code}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {shop}</title><style>{CSS}</style></head>
<body><main><header><h1>{shop}</h1><a class="lang" href="{switch_path}?lang={switch_lang}" hreflang="{switch_lang}">{switch_label}</a></header>
<p class="badge">{badge}</p>
{body}
</main></body></html>"#,
        code = lang.code(),
        title = esc(title),
        shop = t.shop,
        switch_path = esc(switch_path),
        switch_lang = t.switch_lang,
        switch_label = t.switch_label,
        badge = t.sandbox_badge,
    )
}

const CSS: &str = "body{margin:0;background:#f4f5f7;font:16px/1.5 system-ui,-apple-system,'Noto Sans TC','PingFang TC',sans-serif;color:#1d2430}
main{max-width:440px;margin:24px auto;background:#fff;border-radius:12px;padding:24px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
header{display:flex;justify-content:space-between;align-items:center}h1{font-size:18px;margin:0}h2{font-size:20px;margin:8px 0}
.lang{font-size:14px}.badge{background:#fff4d6;color:#7a5800;border-radius:6px;padding:4px 8px;font-size:13px;display:inline-block}
.amount{font-size:32px;font-weight:700;margin:4px 0}.mode,.note{color:#5b6472;margin:2px 0;font-size:14px}
label{display:block;margin:12px 0 0;font-size:14px}input{display:block;width:100%;box-sizing:border-box;font-size:18px;padding:10px;margin-top:4px;border:1px solid #c9ced6;border-radius:8px}
.row{display:flex;gap:12px}.row label{flex:1}button{font-size:18px;cursor:pointer}
.primary{width:100%;margin-top:20px;padding:14px;border:0;border-radius:8px;background:#2f6fed;color:#fff;font-weight:600}
.link{background:none;border:0;color:#2f6fed;text-decoration:underline;padding:8px 0;font-size:16px}
.error{background:#fdecec;color:#a11;border-radius:8px;padding:10px}.message{font-size:18px}
.cards{margin-top:16px;font-size:14px;color:#5b6472}code{font-size:14px}";

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
