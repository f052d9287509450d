//! The tunnel self-test: sign a test event exactly as Recur would and send it to the public
//! URL, proving the whole path (tunnel → listener → ledger) and timing it.
//!
//! Not here: running the tunnel program (`recur-pos-app`'s services and `recur-tunnel`).

use std::time::{Duration, Instant};

use recur_domain::{signature, EventId, Timestamp};

use crate::counter::Counter;
use crate::error::PosError;

/// What the self-test saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelfTestReport {
    pub event_id: EventId,
    /// The webhook URL the test event was sent to.
    pub url: String,
    /// The listener's HTTP status.
    pub status: u16,
    /// The test event is in the journal, verified: it came back through our own listener.
    pub journaled: bool,
    pub round_trip: Duration,
}

impl Counter {
    /// Sends a signed test event to `public_base` + `/webhooks/recur` and checks that it was
    /// journaled by our listener. Unknown event types are acknowledged and change nothing, so the
    /// test event is harmless.
    pub async fn self_test(&self, public_base: &str) -> Result<SelfTestReport, PosError> {
        let secret = self.webhook_secret().ok_or(PosError::NoWebhookSecret)?;
        let event_id = EventId::new(format!("evt_selftest_{}", recur_domain::TxnId::generate()));
        let body = serde_json::json!({
            "id": event_id.as_str(),
            "type": "pos.self_test",
            "timestamp": Timestamp::now().to_rfc3339(),
            "data": { "note": "Recur POS tunnel self-test" },
        })
        .to_string();
        let url = recur_listener::webhook_url(public_base);
        let started = Instant::now();
        let response = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| PosError::SelfTest(e.to_string()))?
            .post(&url)
            .header("Content-Type", "application/json")
            .header(
                "X-Recur-Signature",
                signature::sign_base64(secret.expose(), body.as_bytes()),
            )
            .header("X-Recur-Event-Id", event_id.as_str())
            .header("X-Recur-Event-Type", "pos.self_test")
            .header("X-Recur-Timestamp", Timestamp::now().unix_ms().to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| PosError::SelfTest(e.to_string()))?;
        let round_trip = started.elapsed();
        let status = response.status().as_u16();
        let journaled = self
            .ledger()
            .journal_entry(&event_id)?
            .is_some_and(|entry| entry.verified);
        Ok(SelfTestReport {
            event_id,
            url,
            status,
            journaled,
            round_trip,
        })
    }
}
