//! Money is an integer number of whole TWD (NT$299 is `299`, not cents), never a float.

use std::fmt;

/// An amount in whole units of its currency (for TWD: whole New Taiwan dollars).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn new(whole_units: i64) -> Self {
        Self(whole_units)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// `NT$1,290`: thousands separators, no decimals.
    pub fn display_twd(self) -> String {
        format!("NT${}", group_thousands(self.0))
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({})", self.0)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_twd())
    }
}

fn group_thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// An ISO-4217 currency code, kept upper case so `twd` and `TWD` compare equal.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Currency(String);

impl Currency {
    pub fn new(code: &str) -> Self {
        Self(code.trim().to_ascii_uppercase())
    }

    pub fn twd() -> Self {
        Self("TWD".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.0)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_shop_money() {
        let cases = [
            (0, "NT$0"),
            (30, "NT$30"),
            (999, "NT$999"),
            (1000, "NT$1,000"),
            (1290, "NT$1,290"),
            (1_234_567, "NT$1,234,567"),
            (-1290, "NT$-1,290"),
        ];
        for (amount, expected) in cases {
            assert_eq!(Money::new(amount).display_twd(), expected, "amount {amount}");
        }
    }

    #[test]
    fn currency_compares_case_insensitively() {
        assert_eq!(Currency::new("twd"), Currency::twd());
        assert_eq!(Currency::new(" Twd "), Currency::twd());
        assert_ne!(Currency::new("usd"), Currency::twd());
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Money::new(i64::MAX).checked_add(Money::new(1)), None);
        assert_eq!(Money::new(5).checked_sub(Money::new(7)), Some(Money::new(-2)));
    }
}
