//! A token bucket: at most `rate` admissions a second on average, `burst` at once.
//!
//! It bounds what unverified deliveries and return-page visits may cost: past the rate they are
//! answered as usual but not journaled (or not handed to the app). The clock is passed in, so the
//! rule is a pure function of the times it is asked at.

use std::time::Instant;

#[derive(Debug)]
pub(crate) struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl TokenBucket {
    /// Full at the start: the first `burst` admissions are immediate.
    pub fn new(rate_per_second: f64, burst: f64) -> Self {
        TokenBucket {
            rate: rate_per_second.max(0.0),
            burst: burst.max(0.0),
            tokens: burst.max(0.0),
            last: None,
        }
    }

    /// Takes one token if there is one.
    pub fn admit(&mut self, now: Instant) -> bool {
        if let Some(last) = self.last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.rate;
            self.tokens = (self.tokens + refill).min(self.burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn admits_a_burst_then_the_rate() {
        let start = Instant::now();
        let ms = |n: u64| start + Duration::from_millis(n);
        let mut bucket = TokenBucket::new(2.0, 3.0);
        // (time in ms, admitted?)
        let cases = [
            (0, true),
            (0, true),
            (0, true),
            (0, false),
            (400, false),
            (500, true),
            (900, false),
            (1_050, true),
            (10_000, true),
            (10_000, true),
            (10_000, true),
            (10_000, false),
        ];
        for (at, expected) in cases {
            assert_eq!(bucket.admit(ms(at)), expected, "at {at} ms");
        }
    }

    #[test]
    fn a_zero_rate_admits_nothing() {
        let mut bucket = TokenBucket::new(0.0, 0.0);
        assert!(!bucket.admit(Instant::now()));
    }
}
