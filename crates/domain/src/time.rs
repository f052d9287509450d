//! Instants as Unix milliseconds, written as ISO-8601 UTC with milliseconds (Recur's format).
//!
//! There is no `now()` here: callers pass the clock in, so every time rule can be tested.

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

/// Taiwan has no daylight saving time: Asia/Taipei is UTC+8 all year.
pub const TAIPEI_OFFSET_MS: i64 = 8 * 3600 * 1000;

impl Timestamp {
    pub const fn from_unix_ms(ms: i64) -> Self {
        Self(ms)
    }

    pub const fn unix_ms(self) -> i64 {
        self.0
    }

    /// The wall clock, for the one-line wrappers at the edges.
    pub fn now() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Self(now)
    }

    pub fn plus_ms(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// `2026-11-29T09:40:08.123Z`.
    pub fn to_rfc3339(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        let Ok(dt) = OffsetDateTime::from_unix_timestamp_nanos(nanos) else {
            return String::from("invalid-time");
        };
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.millisecond()
        )
    }

    /// Parses RFC 3339 / ISO-8601 with an offset (`Z` or `+08:00`), with or without fractions.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let dt = OffsetDateTime::parse(text.trim(), &Rfc3339).ok()?;
        Some(Self((dt.unix_timestamp_nanos() / 1_000_000) as i64))
    }

    /// The calendar day in Taipei, as `YYYY-MM-DD`, for "today" and the day close.
    pub fn taipei_date(self) -> String {
        let local = Timestamp(self.0 + TAIPEI_OFFSET_MS).to_rfc3339();
        local[..10].to_owned()
    }

    /// The start of the Taipei calendar day that contains `self`.
    pub fn taipei_day_start(self) -> Self {
        let day_ms = 24 * 3600 * 1000;
        let local = self.0 + TAIPEI_OFFSET_MS;
        Self(local.div_euclid(day_ms) * day_ms - TAIPEI_OFFSET_MS)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_rfc3339())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_iso_8601_with_milliseconds() {
        let t = Timestamp::from_unix_ms(1_795_945_208_123);
        let text = t.to_rfc3339();
        assert_eq!(text, "2026-11-29T09:40:08.123Z");
        assert_eq!(Timestamp::parse_rfc3339(&text), Some(t));
    }

    #[test]
    fn parses_offsets_and_no_fraction() {
        let a = Timestamp::parse_rfc3339("2026-11-29T17:40:08+08:00").unwrap();
        let b = Timestamp::parse_rfc3339("2026-11-29T09:40:08Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn taipei_day_boundaries() {
        // 2026-11-29T16:30Z is 00:30 on the 30th in Taipei.
        let t = Timestamp::parse_rfc3339("2026-11-29T16:30:00Z").unwrap();
        assert_eq!(t.taipei_date(), "2026-11-30");
        let start = t.taipei_day_start();
        assert_eq!(start.to_rfc3339(), "2026-11-29T16:00:00.000Z");
        assert_eq!(start.taipei_date(), "2026-11-30");
    }
}
