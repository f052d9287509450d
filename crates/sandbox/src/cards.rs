//! Test cards: which numbers succeed, which decline and why, in zh-TW and English.
//!
//! VISA 4147 6310 0000 0001 and JCB 3560 5110 0000 0001 succeed with any future expiry and any
//! CVV, as in Recur's sandbox. The decline cards are this sandbox's own. Whether a session may
//! be paid at all (expired, already paid) is decided in `payment.rs`, not here.

use recur_domain::Timestamp;

use crate::session::PaymentMethod;

/// The cards that succeed.
pub const SUCCESS_CARDS: [(&str, &str); 2] = [("VISA", "4147631000000001"), ("JCB", "3560511000000001")];

/// The cards that decline, with the code they decline with.
pub const DECLINE_CARDS: [(&str, Decline); 3] = [
    ("4000000000000002", Decline::CardDeclined),
    ("4000000000009995", Decline::InsufficientFunds),
    ("4000000000000069", Decline::ExpiredCard),
];

/// Why a payment was declined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decline {
    CardDeclined,
    InsufficientFunds,
    ExpiredCard,
    /// Not a test card: declined as `card_declined`, with a hint to use one.
    NotATestCard,
}

impl Decline {
    /// The error code (`card_declined`, `insufficient_funds`, `expired_card`).
    pub fn code(self) -> &'static str {
        match self {
            Decline::CardDeclined | Decline::NotATestCard => "card_declined",
            Decline::InsufficientFunds => "insufficient_funds",
            Decline::ExpiredCard => "expired_card",
        }
    }

    pub fn message(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Decline::CardDeclined, Lang::Zh) => "卡片被拒絕，請改用其他卡片。",
            (Decline::CardDeclined, Lang::En) => "Your card was declined. Please use another card.",
            (Decline::InsufficientFunds, Lang::Zh) => "餘額不足，請改用其他卡片。",
            (Decline::InsufficientFunds, Lang::En) => "Insufficient funds. Please use another card.",
            (Decline::ExpiredCard, Lang::Zh) => "卡片已過期，請檢查有效期限。",
            (Decline::ExpiredCard, Lang::En) => "Your card has expired. Please check the expiry date.",
            (Decline::NotATestCard, Lang::Zh) => "卡片被拒絕：這是測試環境，請使用頁面上列出的測試卡號。",
            (Decline::NotATestCard, Lang::En) => {
                "Your card was declined: this is a sandbox, please use one of the test cards listed on this page."
            }
        }
    }
}

/// The two languages of the hosted page; zh-TW is the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(text: Option<&str>) -> Lang {
        match text.map(|t| t.trim().to_ascii_lowercase()) {
            Some(t) if t.starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-TW",
            Lang::En => "en",
        }
    }
}

/// A card input that is not even well formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// The expiry is not `MM/YY` (or `MM/YYYY`, `MMYY`).
    Expiry,
}

/// Charges `number` (spaces and dashes ignored) expiring `exp` (`MM/YY`; absent = valid).
pub fn charge(number: &str, exp: Option<&str>, now: Timestamp) -> Result<Result<PaymentMethod, Decline>, Malformed> {
    let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if let Some(exp) = exp.filter(|e| !e.trim().is_empty()) {
        let (month, year) = parse_expiry(exp).ok_or(Malformed::Expiry)?;
        if is_past(month, year, now) {
            return Ok(Err(Decline::ExpiredCard));
        }
    }
    if let Some((_, decline)) = DECLINE_CARDS.iter().find(|(n, _)| *n == digits) {
        return Ok(Err(*decline));
    }
    match SUCCESS_CARDS.iter().find(|(_, n)| *n == digits) {
        Some((brand, n)) => Ok(Ok(PaymentMethod {
            brand,
            last4: n[n.len() - 4..].to_owned(),
        })),
        None => Ok(Err(Decline::NotATestCard)),
    }
}

/// `MM/YY`, `MM / YY`, `MM/YYYY`, `MM-YY` or `MMYY` → (month, four-digit year).
pub fn parse_expiry(text: &str) -> Option<(u32, i32)> {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '/' | '-')).collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 4 | 6) {
        return None;
    }
    let month: u32 = digits[..2].parse().ok()?;
    let year: i32 = digits[2..].parse().ok()?;
    let year = if digits.len() == 4 { 2000 + year } else { year };
    (1..=12).contains(&month).then_some((month, year))
}

/// A card is valid through the last day of its expiry month (UTC).
fn is_past(month: u32, year: i32, now: Timestamp) -> bool {
    let today = now.to_rfc3339();
    let this_year: i32 = today[..4].parse().unwrap_or(0);
    let this_month: u32 = today[5..7].parse().unwrap_or(0);
    (year, month) < (this_year, this_month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_table() {
        // 2026-11-29.
        let now = Timestamp::from_unix_ms(1_796_031_608_123);
        let ok = |brand: &'static str| {
            Ok(Ok(PaymentMethod {
                brand,
                last4: "0001".into(),
            }))
        };
        let cases = [
            ("4147 6310 0000 0001", Some("12/30"), ok("VISA")),
            ("4147-6310-0000-0001", None, ok("VISA")),
            ("3560511000000001", Some("11/26"), ok("JCB")),
            ("4147631000000001", Some("10/26"), Ok(Err(Decline::ExpiredCard))),
            ("4000 0000 0000 0002", Some("12/30"), Ok(Err(Decline::CardDeclined))),
            ("4000000000009995", Some("12/2030"), Ok(Err(Decline::InsufficientFunds))),
            ("4000000000000069", Some("1230"), Ok(Err(Decline::ExpiredCard))),
            ("4242424242424242", Some("12/30"), Ok(Err(Decline::NotATestCard))),
            ("4147631000000001", Some("13/30"), Err(Malformed::Expiry)),
            ("4147631000000001", Some("soon"), Err(Malformed::Expiry)),
        ];
        for (number, exp, expected) in cases {
            assert_eq!(charge(number, exp, now), expected, "{number} {exp:?}");
        }
    }

    #[test]
    fn every_decline_has_a_message_in_both_languages() {
        for d in [
            Decline::CardDeclined,
            Decline::InsufficientFunds,
            Decline::ExpiredCard,
            Decline::NotATestCard,
        ] {
            assert!(!d.message(Lang::Zh).is_empty() && !d.message(Lang::En).is_empty());
            assert_ne!(d.message(Lang::Zh), d.message(Lang::En));
        }
    }
}
