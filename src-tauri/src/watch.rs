//! The session watcher: while the Pay screen shows a sale, read its checkout session every
//! poll interval (~2 s) until the sale is settled, backing off when Recur cannot be reached.
//!
//! Results reach the UI as core events (a read that changes the sale emits `sale-changed`)
//! and as `watch-status` (reading works / fails and retries). This is the confirmation path
//! until the webhook pipeline lands; both feed the core's one state machine. Not here: how a
//! session read changes a sale (`Counter::read_session`).

use std::sync::Arc;
use std::time::Duration;

use recur_domain::{SaleState, TxnId};
use recur_pos_core::{Counter, PosError};
use tauri::AppHandle;

use crate::events::{self, WatchStatus};
use crate::state::Watch;

/// The longest wait between reads while Recur keeps failing.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Starts watching `sale` (the caller stores the returned [`Watch`], replacing any other).
pub fn start(app: AppHandle, counter: Arc<Counter>, sale: TxnId) -> Watch {
    let id = sale;
    let task = tauri::async_runtime::spawn(async move {
        let interval = counter.config().poll_interval;
        let mut delay = interval;
        loop {
            let result = counter.read_session(&id).await;
            let (status, keep_going) = next(&id, &result, interval, &mut delay);
            events::emit(&app, events::WATCH_STATUS, status);
            if !keep_going {
                break;
            }
            tokio::time::sleep(delay).await;
        }
    });
    Watch { task }
}

/// Whether a sale in `state` can still change by reading its session. A FAILED sale is still
/// watched: its checkout stays open and the customer may pay with another card.
pub fn worth_watching(state: SaleState) -> bool {
    matches!(state, SaleState::Draft | SaleState::Open | SaleState::Failed)
}

/// The pure decision after one read: what to tell the UI, whether to go on, and the next delay.
fn next(
    id: &TxnId,
    result: &Result<recur_ledger::Sale, PosError>,
    interval: Duration,
    delay: &mut Duration,
) -> (WatchStatus, bool) {
    let status = |ok: bool, code: Option<String>, retry: Option<Duration>| WatchStatus {
        sale_id: id.to_string(),
        ok,
        code,
        retry_in_ms: retry.map(|d| d.as_millis() as u64),
    };
    match result {
        Ok(sale) => {
            *delay = interval;
            (status(true, None, None), worth_watching(sale.state))
        }
        Err(PosError::Recur(e)) if e.is_retryable() => {
            *delay = (*delay * 2).min(MAX_BACKOFF);
            (status(false, Some(format!("recur.{}", e.code())), Some(*delay)), true)
        }
        // Unauthorized, not found, a broken ledger: reading again will not help; the UI says
        // what to do and offers a manual retry.
        Err(e) => (status(false, Some(e.code()), None), false),
    }
}

#[cfg(test)]
mod tests {
    use recur_client::RecurError;

    use super::*;

    #[test]
    fn backs_off_on_network_errors_and_stops_on_others() {
        let id = TxnId::new("t");
        let interval = Duration::from_secs(2);
        let mut delay = interval;
        let network = || {
            Err(PosError::Recur(RecurError::Network {
                message: String::new(),
                connect: true,
            }))
        };
        let steps: Vec<(Result<recur_ledger::Sale, PosError>, bool, Option<u64>)> = vec![
            (network(), true, Some(4_000)),
            (network(), true, Some(8_000)),
            (network(), true, Some(16_000)),
            (network(), true, Some(30_000)),
            (network(), true, Some(30_000)),
            (
                Err(PosError::Recur(RecurError::Unauthorized { message: String::new() })),
                false,
                None,
            ),
        ];
        for (i, (result, keep, retry)) in steps.into_iter().enumerate() {
            let (status, going) = next(&id, &result, interval, &mut delay);
            assert_eq!((going, status.retry_in_ms), (keep, retry), "step {i}");
            assert!(!status.ok);
        }
    }

    #[test]
    fn settled_sales_are_not_watched() {
        let watched: Vec<SaleState> = SaleState::ALL.into_iter().filter(|s| worth_watching(*s)).collect();
        assert_eq!(watched, [SaleState::Draft, SaleState::Open, SaleState::Failed]);
    }
}
