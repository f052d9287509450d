//! A secret (Recur secret key, webhook secret) that cannot leak through `Debug`, `Display`
//! or serialization: it implements neither `Display` nor `Serialize`.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send or use it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `sk_test_••••••••1234`: the prefix and the last four characters, for a settings screen.
    pub fn masked(&self) -> String {
        const PREFIXES: [&str; 5] = ["sk_test_", "sk_live_", "pk_test_", "pk_live_", "whsec_"];
        let prefix = PREFIXES.iter().find(|p| self.0.starts_with(**p)).copied().unwrap_or("");
        let rest: Vec<char> = self.0[prefix.len()..].chars().collect();
        if rest.len() <= 4 {
            return format!("{prefix}••••");
        }
        let tail: String = rest[rest.len() - 4..].iter().collect();
        format!("{prefix}••••••••{tail}")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = Secret::new("sk_test_supersecretvalue");
        assert_eq!(format!("{s:?}"), "[REDACTED]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([REDACTED])");
    }

    #[test]
    fn masks_all_but_prefix_and_tail() {
        assert_eq!(Secret::new("sk_test_abcdefgh1234").masked(), "sk_test_••••••••1234");
        assert_eq!(Secret::new("whsec_abcdefgh9876").masked(), "whsec_••••••••9876");
        assert_eq!(Secret::new("sk_test_ab").masked(), "sk_test_••••");
        assert_eq!(Secret::new("abc").masked(), "••••");
    }
}
