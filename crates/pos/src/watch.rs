//! Watching one sale: read its checkout session every poll interval (~2 s) until it is settled,
//! backing off while Recur cannot be reached. The one loop behind the window's Pay screen and
//! `recur-pos charge --wait`.
//!
//! A read that changes the sale goes through the ledger's state machine like a webhook would
//! (and tells the counter's listeners); each read is also reported to the caller as a
//! [`WatchStatus`], so a screen can say "reading works" or "retrying in 8 s". Not here: how a
//! session read changes a sale (`Counter::read_session`), or who stops the watch (the caller
//! drops the future).

use std::time::Duration;

use recur_domain::{Backoff, ErrorCode, SaleState, TxnId};
use recur_ledger::Sale;

use crate::counter::Counter;
use crate::error::PosError;

/// The longest wait between reads while Recur keeps failing.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How far to watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// Until reading the session cannot change the sale any more. A FAILED sale is still
    /// watched: its checkout stays open and the customer may pay with another card (the Pay
    /// screen).
    Settled,
    /// Until the sale is final: paid, failed, expired or cancelled (`charge --wait`).
    Final,
}

impl Until {
    pub fn reached(self, state: SaleState) -> bool {
        match self {
            Until::Settled => !matches!(state, SaleState::Draft | SaleState::Open | SaleState::Failed),
            Until::Final => state.is_final(),
        }
    }
}

/// How the watch is doing after one read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchStatus {
    pub sale: TxnId,
    /// The read worked.
    pub ok: bool,
    /// Why the last read failed.
    pub code: Option<ErrorCode>,
    /// When the watch reads again after a failure it will retry.
    pub retry_in: Option<Duration>,
}

/// What to do after one read.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// Read again after this delay.
    Again(Duration),
    /// The sale is where the watch was asked to take it.
    Done,
    /// Reading again will not help (unauthorized, unknown session, a broken ledger).
    GiveUp,
}

impl Counter {
    /// Watches `id` until `until` (or `timeout`, then [`PosError::WaitTimedOut`]), telling
    /// `report` about every read. Ends with the sale as it is then, or with the error that
    /// made reading pointless.
    pub async fn watch(
        &self,
        id: &TxnId,
        until: Until,
        timeout: Option<Duration>,
        mut report: impl FnMut(&WatchStatus),
    ) -> Result<Sale, PosError> {
        let started = tokio::time::Instant::now();
        let interval = self.config().poll_interval;
        let mut backoff = Backoff::new(interval.saturating_mul(2), MAX_BACKOFF);
        loop {
            let result = self.read_session(id).await;
            let (status, next) = decide(id, &result, until, interval, &mut backoff);
            report(&status);
            let Next::Again(mut delay) = next else {
                return result;
            };
            if let Some(timeout) = timeout {
                let left = timeout.saturating_sub(started.elapsed());
                if left.is_zero() {
                    let sale = self.sale(id)?.sale;
                    return Err(PosError::WaitTimedOut(sale.state.to_string()));
                }
                // One last read at the deadline, not one interval after it.
                delay = delay.min(left);
            }
            tokio::time::sleep(delay).await;
        }
    }
}

/// The pure decision after one read.
fn decide(
    id: &TxnId,
    result: &Result<Sale, PosError>,
    until: Until,
    interval: Duration,
    backoff: &mut Backoff,
) -> (WatchStatus, Next) {
    let status = |ok: bool, code: Option<ErrorCode>, retry_in: Option<Duration>| WatchStatus {
        sale: id.clone(),
        ok,
        code,
        retry_in,
    };
    match result {
        Ok(sale) => {
            backoff.reset();
            let next = if until.reached(sale.state) {
                Next::Done
            } else {
                Next::Again(interval)
            };
            (status(true, None, None), next)
        }
        Err(PosError::Recur(e)) if e.is_retryable() => {
            let delay = backoff.next_delay();
            (
                status(false, Some(crate::error::recur_code(e)), Some(delay)),
                Next::Again(delay),
            )
        }
        Err(e) => (status(false, Some(e.code()), None), Next::GiveUp),
    }
}

#[cfg(test)]
mod tests {
    use recur_client::RecurError;

    use super::*;

    #[test]
    fn backs_off_on_network_errors_and_gives_up_on_others() {
        let id = TxnId::new("t");
        let interval = Duration::from_secs(2);
        let mut backoff = Backoff::new(interval * 2, MAX_BACKOFF);
        let network = || {
            Err(PosError::Recur(RecurError::Network {
                message: String::new(),
                connect: true,
            }))
        };
        let steps: Vec<(Result<Sale, PosError>, Next)> = vec![
            (network(), Next::Again(Duration::from_secs(4))),
            (network(), Next::Again(Duration::from_secs(8))),
            (network(), Next::Again(Duration::from_secs(16))),
            (network(), Next::Again(Duration::from_secs(30))),
            (network(), Next::Again(Duration::from_secs(30))),
            (
                Err(PosError::Recur(RecurError::Unauthorized { message: String::new() })),
                Next::GiveUp,
            ),
        ];
        for (i, (result, expected)) in steps.into_iter().enumerate() {
            let (status, next) = decide(&id, &result, Until::Settled, interval, &mut backoff);
            assert_eq!(next, expected, "step {i}");
            assert!(!status.ok);
            assert_eq!(
                status.retry_in,
                match expected {
                    Next::Again(d) => Some(d),
                    _ => None,
                }
            );
        }
    }

    #[test]
    fn the_pay_screen_watches_a_declined_sale_and_charge_wait_does_not() {
        let watched: Vec<SaleState> = SaleState::ALL
            .into_iter()
            .filter(|s| !Until::Settled.reached(*s))
            .collect();
        assert_eq!(watched, [SaleState::Draft, SaleState::Open, SaleState::Failed]);
        let waited: Vec<SaleState> = SaleState::ALL
            .into_iter()
            .filter(|s| !Until::Final.reached(*s))
            .collect();
        assert_eq!(waited, [SaleState::Draft, SaleState::Open]);
    }
}
