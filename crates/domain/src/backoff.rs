//! [`Backoff`]: the one doubling delay of the workspace (reading a session again, restarting a
//! tunnel, retrying a read while Recur cannot be reached).
//!
//! It only counts: the caller sleeps (on a thread or a runtime of its own) and decides when a
//! run was good enough to [`Backoff::reset`]. Not here: jitter or `Retry-After` (the Recur
//! client's retry policy, which is a pure function of an HTTP answer).

use std::time::Duration;

/// A delay that doubles after each failure, up to a cap, and starts over after a success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    /// Waits `initial` after the first failure, twice that after the second, … never more than
    /// `max`.
    pub const fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            initial,
            max,
            current: initial,
        }
    }

    /// The delay to wait now, after one more failure; the following one will be twice as long.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.current.min(self.max);
        self.current = self.current.saturating_mul(2).min(self.max);
        delay
    }

    /// What [`Backoff::next_delay`] would answer, without counting a failure.
    pub fn peek(&self) -> Duration {
        self.current.min(self.max)
    }

    /// A success: the next failure waits `initial` again.
    pub fn reset(&mut self) {
        self.current = self.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_starts_over_after_a_reset() {
        let mut backoff = Backoff::new(Duration::from_secs(4), Duration::from_secs(30));
        let delays: Vec<u64> = (0..6).map(|_| backoff.next_delay().as_secs()).collect();
        assert_eq!(delays, [4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff.peek(), Duration::from_secs(30));
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_secs(4));
    }

    #[test]
    fn an_initial_delay_above_the_cap_is_capped() {
        let mut backoff = Backoff::new(Duration::from_secs(90), Duration::from_secs(60));
        assert_eq!(backoff.next_delay(), Duration::from_secs(60));
        assert_eq!(backoff.next_delay(), Duration::from_secs(60));
    }
}
