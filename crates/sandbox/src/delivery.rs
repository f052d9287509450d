//! One delivery attempt over the wire, and the record the delivery log keeps of it.
//!
//! Queueing, retries and faults are in [`crate::webhook`]; this module only signs and POSTs.

use std::time::Duration;

use recur_domain::signature;
use serde::Serialize;

use crate::events::StoredEvent;

/// One delivery attempt of one event to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeliveryRecord {
    pub event_id: String,
    pub event_type: String,
    pub url: String,
    /// 1 for the first attempt, then 2, 3… for retries.
    pub attempt: u32,
    /// The endpoint's HTTP status; None when nothing was answered (or the attempt was dropped).
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
    /// When the attempt started, ISO-8601 UTC.
    pub at: String,
    /// This attempt belongs to an extra copy sent by the `duplicate_rate` fault.
    pub duplicate: bool,
    /// The last retry failed too: the sandbox gave up on this event for this endpoint.
    pub gave_up: bool,
}

impl DeliveryRecord {
    /// Whether the endpoint answered 2xx.
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

impl DeliveryRecord {
    pub(crate) fn trace(&self) {
        let (event, url, attempt) = (&self.event_id, &self.url, self.attempt);
        if self.delivered() {
            tracing::debug!(%event, url, attempt, "webhook delivered");
        } else {
            tracing::warn!(%event, url, attempt, status = ?self.status, error = ?self.error,
                gave_up = self.gave_up, "webhook delivery failed");
        }
    }
}

/// Signs and POSTs events; one per delivery thread.
pub(crate) struct Sender {
    /// Built lazily on the delivery thread: a blocking client owns a runtime that must not be
    /// created or dropped on a caller's async thread.
    client: Option<reqwest::blocking::Client>,
    secret: String,
    timeout: Duration,
}

impl Sender {
    pub(crate) fn new(secret: String, timeout: Duration) -> Sender {
        Sender {
            client: None,
            secret,
            timeout,
        }
    }

    /// The endpoint's status (None if it never answered) and an error for anything but 2xx.
    pub(crate) fn post(&mut self, url: &str, event: &StoredEvent) -> (Option<u16>, Option<String>) {
        if self.client.is_none() {
            let built = reqwest::blocking::Client::builder()
                .timeout(self.timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build();
            match built {
                Ok(c) => self.client = Some(c),
                Err(e) => return (None, Some(format!("cannot build an HTTP client: {e}"))),
            }
        }
        let Some(client) = self.client.as_ref() else {
            return (None, Some("no HTTP client".to_owned()));
        };
        let result = client
            .post(url)
            .header("Content-Type", "application/json")
            .header("X-Recur-Signature", signature::sign_base64(&self.secret, &event.body))
            .header("X-Recur-Event-Id", event.id.as_str())
            .header("X-Recur-Event-Type", event.event_type.as_str())
            // The event's own time, the same on every retry (recur-api.md §6).
            .header("X-Recur-Timestamp", event.at.unix_ms().to_string())
            .header("User-Agent", "Recur-Sandbox-Webhooks/1.0")
            .body(event.body.to_vec())
            .send();
        match result {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let error = (!resp.status().is_success()).then(|| format!("endpoint answered HTTP {status}"));
                (Some(status), error)
            }
            Err(e) if e.is_timeout() => (None, Some(format!("no answer within {} ms", self.timeout.as_millis()))),
            Err(e) => (None, Some(format!("cannot deliver: {e}"))),
        }
    }
}
