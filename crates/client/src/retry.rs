//! When to try a request again, as a pure function of the request kind, the error, the attempt
//! number and a jitter draw — so every rule is tested without a clock or a socket.
//!
//! Not here: the waiting itself and the random draw (the client does both around this).

use std::time::Duration;

use crate::config::ClientConfig;
use crate::error::RecurError;

/// What a request does to Recur's state, which decides whether repeating it is safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// A GET: repeating it changes nothing at Recur.
    Read,
    /// `POST /v1/checkout/sessions`: every accepted request makes a new session.
    Create,
}

/// Attempt limit and backoff shape. Built from [`ClientConfig`] by the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first backoff step; it doubles with each attempt.
    pub base: Duration,
    /// The longest wait, for the backoff and for `Retry-After` alike.
    pub cap: Duration,
}

impl RetryPolicy {
    pub fn from_config(config: &ClientConfig) -> Self {
        Self {
            max_attempts: config.max_read_attempts.max(1),
            base: config.backoff_base,
            cap: config.backoff_cap,
        }
    }

    /// How long to wait before the next attempt, or `None` to give up with `err`.
    ///
    /// `attempt` is the 1-based number of the attempt that just failed; `jitter` is a uniform
    /// draw in `[0, 1)` (clamped) that spreads the backoff ("full jitter": anywhere between
    /// zero and the exponential step).
    ///
    /// Reads retry rate limits, 5xx, timeouts and transport failures. A create is retried only
    /// when Recur surely did not act on it: Recur documents no idempotency key, so a create
    /// repeated after it reached Recur could open a second checkout session for the same sale
    /// (and the customer could pay twice). That leaves two cases:
    /// - a connection that failed while connecting (`Network { connect: true }`): not one byte
    ///   of the request was sent;
    /// - HTTP 429: Recur's rate limiter rejects the request before processing it, so the
    ///   session was not created and a retry after `Retry-After` is as safe as the first try.
    ///
    /// A 5xx, a timeout or a connection dropped after sending may each have come after the
    /// session was made: the create fails, and the caller reconciles by its transaction id.
    pub fn retry_delay(&self, kind: RequestKind, err: &RecurError, attempt: u32, jitter: f64) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let safe = match kind {
            RequestKind::Read => err.is_retryable(),
            RequestKind::Create => matches!(
                err,
                RecurError::Network { connect: true, .. } | RecurError::RateLimited { .. }
            ),
        };
        if !safe {
            return None;
        }
        match err {
            RecurError::RateLimited {
                retry_after: Some(wait),
            } => Some((*wait).min(self.cap)),
            _ => Some(self.backoff(attempt, jitter)),
        }
    }

    /// Full-jitter exponential backoff: `jitter × min(cap, base × 2^(attempt-1))`.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        let step = self.base.saturating_mul(1u32 << doublings).min(self.cap);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            1.0
        };
        step.mul_f64(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base: MS(250),
            cap: Duration::from_secs(8),
        }
    }

    fn network(connect: bool) -> RecurError {
        RecurError::Network {
            message: "refused".into(),
            connect,
        }
    }

    #[test]
    fn retry_decisions() {
        use RequestKind::{Create, Read};
        let server = RecurError::Server {
            status: 500,
            message: String::new(),
        };
        let limited = |s: u64| RecurError::RateLimited {
            retry_after: Some(Duration::from_secs(s)),
        };
        let unlimited = RecurError::RateLimited { retry_after: None };
        let not_found = RecurError::NotFound { message: String::new() };
        let garbage = RecurError::Undecodable { message: String::new() };
        let invalid = RecurError::InvalidRequest {
            field: None,
            message: String::new(),
        };
        let cases: Vec<(RequestKind, RecurError, u32, f64, Option<Duration>)> = vec![
            // Reads: transient errors back off 250, 500, 1000 ms (× jitter) then give up.
            (Read, server.clone(), 1, 1.0, Some(MS(250))),
            (Read, server.clone(), 2, 1.0, Some(MS(500))),
            (Read, server.clone(), 3, 0.5, Some(MS(500))),
            (Read, server.clone(), 4, 1.0, None),
            (Read, RecurError::Timeout, 1, 1.0, Some(MS(250))),
            (Read, network(false), 1, 0.0, Some(MS(0))),
            (Read, network(true), 2, 1.0, Some(MS(500))),
            (Read, limited(2), 1, 0.3, Some(Duration::from_secs(2))),
            (Read, limited(60), 1, 0.3, Some(Duration::from_secs(8))),
            (Read, unlimited.clone(), 1, 1.0, Some(MS(250))),
            (Read, limited(2), 4, 1.0, None),
            (Read, not_found.clone(), 1, 1.0, None),
            (Read, garbage.clone(), 1, 1.0, None),
            (Read, invalid.clone(), 1, 1.0, None),
            // Creates: only when Recur surely never processed the request.
            (Create, network(true), 1, 1.0, Some(MS(250))),
            (Create, network(true), 4, 1.0, None),
            (Create, limited(1), 1, 1.0, Some(Duration::from_secs(1))),
            (Create, unlimited.clone(), 2, 1.0, Some(MS(500))),
            (Create, server.clone(), 1, 1.0, None),
            (Create, RecurError::Timeout, 1, 1.0, None),
            (Create, network(false), 1, 1.0, None),
            (Create, garbage.clone(), 1, 1.0, None),
            (Create, RecurError::Conflict { message: String::new() }, 1, 1.0, None),
        ];
        for (kind, err, attempt, jitter, expected) in cases {
            let got = policy().retry_delay(kind, &err, attempt, jitter);
            assert_eq!(
                got,
                expected,
                "{kind:?} {} attempt {attempt} jitter {jitter}",
                err.code()
            );
        }
    }

    #[test]
    fn backoff_is_capped_and_jitter_is_clamped() {
        let p = policy();
        assert_eq!(p.backoff(6, 1.0), Duration::from_secs(8));
        assert_eq!(p.backoff(1000, 1.0), Duration::from_secs(8));
        assert_eq!(p.backoff(1, 7.0), MS(250));
        assert_eq!(p.backoff(1, -1.0), MS(0));
        assert_eq!(p.backoff(1, f64::NAN), MS(250));
        assert_eq!(p.backoff(0, 1.0), MS(250));
    }

    #[test]
    fn one_attempt_means_no_retry() {
        let p = RetryPolicy {
            max_attempts: 1,
            ..policy()
        };
        assert_eq!(p.retry_delay(RequestKind::Read, &RecurError::Timeout, 1, 1.0), None);
    }

    #[test]
    fn defaults_follow_the_config() {
        let c = ClientConfig::new("https://api.recur.tw", recur_domain::Secret::new("sk_test_x"));
        assert_eq!(RetryPolicy::from_config(&c), policy());
    }
}
