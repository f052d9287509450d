//! The owner's quick picks of shop days — today, yesterday, this week (Monday first), this
//! month — as a first and last [`Day`], from a given today (the clock is passed in). The
//! History screen's date filter and anything else that offers such picks use this one
//! definition. Not here: where a day begins and ends (`recur_domain::Day`).

use recur_domain::Day;

/// A named range of shop days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Today,
    Yesterday,
    ThisWeek,
    ThisMonth,
}

impl Period {
    pub const ALL: [Period; 4] = [Period::Today, Period::Yesterday, Period::ThisWeek, Period::ThisMonth];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Today => "today",
            Period::Yesterday => "yesterday",
            Period::ThisWeek => "week",
            Period::ThisMonth => "month",
        }
    }

    pub fn parse(text: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.as_str() == text.trim())
    }

    /// The first and last day of the period that contains `today` (both included).
    pub fn days(self, today: Day) -> (Day, Day) {
        match self {
            Period::Today => (today, today),
            Period::Yesterday => (today.plus_days(-1), today.plus_days(-1)),
            Period::ThisWeek => (today.plus_days(-weekday(today)), today),
            Period::ThisMonth => {
                let date = today.date();
                let first = Day::parse(&format!("{}-01", &date[..7])).unwrap_or(today);
                (first, today)
            }
        }
    }
}

/// 0 for Monday … 6 for Sunday.
fn weekday(day: Day) -> i64 {
    // The day's number since 1970-01-01 (a Thursday) in the shop's calendar.
    let days = (day.start.unix_ms() + 8 * 3_600_000).div_euclid(86_400_000);
    (days + 3).rem_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pick_names_its_first_and_last_day() {
        // 2026-12-02 is a Wednesday.
        let today = Day::parse("2026-12-02").unwrap();
        let cases = [
            ("today", "2026-12-02", "2026-12-02"),
            ("yesterday", "2026-12-01", "2026-12-01"),
            ("week", "2026-11-30", "2026-12-02"),
            ("month", "2026-12-01", "2026-12-02"),
        ];
        for (pick, from, to) in cases {
            let (a, b) = Period::parse(pick).unwrap().days(today);
            assert_eq!((a.date(), b.date()), (from.to_owned(), to.to_owned()), "{pick}");
        }
        let monday = Day::parse("2026-11-30").unwrap();
        assert_eq!(Period::ThisWeek.days(monday).0, monday);
        let sunday = Day::parse("2026-12-06").unwrap();
        assert_eq!(Period::ThisWeek.days(sunday).0, monday);
        assert_eq!(Period::parse("decade"), None);
    }
}
