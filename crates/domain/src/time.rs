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

    /// `2026-11-29T17:40:08+08:00`: the shop's wall clock with its offset (exports for people).
    pub fn to_shop_rfc3339(self) -> String {
        let local = Timestamp(self.0 + TAIPEI_OFFSET_MS).to_rfc3339();
        format!("{}+08:00", &local[..19])
    }

    /// The calendar day in Taipei, as `YYYY-MM-DD`, for "today" and the day close.
    pub fn taipei_date(self) -> String {
        let local = Timestamp(self.0 + TAIPEI_OFFSET_MS).to_rfc3339();
        local[..10].to_owned()
    }

    /// The start of the Taipei calendar day that contains `self`.
    pub fn taipei_day_start(self) -> Self {
        Day::containing(self).start
    }
}

/// One calendar day of the shop, Asia/Taipei: the instants in `[start, end)`. The one place
/// that knows where a shop's day begins and ends ("today", the day's close, exports by date).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    pub start: Timestamp,
    pub end: Timestamp,
}

const DAY_MS: i64 = 24 * 3600 * 1000;

impl Day {
    /// The day that contains `instant`.
    pub fn containing(instant: Timestamp) -> Day {
        let local = instant.0 + TAIPEI_OFFSET_MS;
        let start = Timestamp(local.div_euclid(DAY_MS) * DAY_MS - TAIPEI_OFFSET_MS);
        Day {
            start,
            end: start.plus_ms(DAY_MS),
        }
    }

    /// The day named `YYYY-MM-DD`, or `None` when the text is not such a date.
    pub fn parse(text: &str) -> Option<Day> {
        let text = text.trim();
        if text.len() != 10 {
            return None;
        }
        Timestamp::parse_rfc3339(&format!("{text}T00:00:00+08:00")).map(Day::containing)
    }

    /// `YYYY-MM-DD`.
    pub fn date(self) -> String {
        self.start.taipei_date()
    }

    /// The day after this one (`n` days later; negative goes back).
    pub fn plus_days(self, n: i64) -> Day {
        Day::containing(self.start.plus_ms(n.saturating_mul(DAY_MS)))
    }

    /// Whether `instant` falls on this day.
    pub fn contains(self, instant: Timestamp) -> bool {
        self.start <= instant && instant < self.end
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

    #[test]
    fn the_shop_clock_carries_its_offset() {
        let t = Timestamp::parse_rfc3339("2026-11-29T16:30:05.250Z").unwrap();
        assert_eq!(t.to_shop_rfc3339(), "2026-11-30T00:30:05+08:00");
        assert_eq!(Timestamp::parse_rfc3339(&t.to_shop_rfc3339()), Some(t.plus_ms(-250)));
    }

    #[test]
    fn a_day_is_named_by_its_taipei_date() {
        let day = Day::parse("2026-11-30").unwrap();
        assert_eq!(day.start.to_rfc3339(), "2026-11-29T16:00:00.000Z");
        assert_eq!(day.end.to_rfc3339(), "2026-11-30T16:00:00.000Z");
        assert_eq!(day.date(), "2026-11-30");
        assert!(day.contains(day.start) && !day.contains(day.end));
        assert_eq!(day.plus_days(1).date(), "2026-12-01");
        assert_eq!(day.plus_days(-30).date(), "2026-10-31");
        assert_eq!(Day::containing(day.end.plus_ms(-1)), day);
        for bad in ["2026-13-01", "2026-11-3", "yesterday", ""] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
    }
}
