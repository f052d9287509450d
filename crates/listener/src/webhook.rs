//! `POST /webhooks/recur`: read the body within limits, verify the signature over the raw bytes,
//! hand the receipt to the writer, answer from the committed outcome.
//!
//! Not here: reading HTTP (see `http`), the ledger's rules, the group commit (see `writer`).

use recur_domain::{signature, Secret, Timestamp};
use recur_ledger::{Applied, WebhookOutcome, WebhookReceipt};
use serde_json::json;

use crate::http::{Conn, Framing, Head, ReadError, Response};
use crate::server::Context;
use crate::writer::SubmitError;

/// Headers never copied into the journal.
const NOT_JOURNALED: [&str; 2] = ["Authorization", "Cookie"];

/// Handles one delivery; the outcome (when the ledger gave one) is for the app's hook.
pub(crate) fn handle(conn: &mut Conn, head: &Head, ctx: &Context) -> (Response, Option<WebhookOutcome>) {
    let body = match read_body(conn, head, ctx) {
        Ok(body) => body,
        Err(e) => {
            ctx.counters.rejected();
            tracing::warn!(error = ?e, "webhook body refused");
            return (refusal(e), None);
        }
    };
    ctx.counters.received();
    let verdict = verify(head, &body, &ctx.config.webhook_secret);
    if let Err(reason) = verdict {
        tracing::warn!(
            reason,
            event_id = head.header("X-Recur-Event-Id"),
            "webhook signature not accepted"
        );
    }
    let receipt = WebhookReceipt {
        event_id_header: head.header("X-Recur-Event-Id").map(str::to_owned),
        event_type_header: head.header("X-Recur-Event-Type").map(str::to_owned),
        body,
        headers: journal_headers(head),
        verified: verdict.is_ok(),
        received_at: Timestamp::now(),
    };
    match ctx.writer.submit(receipt) {
        Ok(outcome) => {
            ctx.counters.outcome(&outcome);
            tracing::info!(
                event_id = head.header("X-Recur-Event-Id"),
                outcome = outcome_name(&outcome),
                "webhook"
            );
            (answer(&outcome), Some(outcome))
        }
        Err(e) => {
            ctx.counters.failed();
            tracing::error!(error = ?e, event_id = head.header("X-Recur-Event-Id"), "webhook not stored");
            (failure(&e), None)
        }
    }
}

fn read_body(conn: &mut Conn, head: &Head, ctx: &Context) -> Result<Vec<u8>, ReadError> {
    let framing = head.framing()?;
    let limit = ctx.config.max_body_bytes;
    // Refuse an announced oversize body before reading any of it (and before `100 Continue`).
    if matches!(framing, Framing::Length(n) if n > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    if head.expects_continue() && framing != Framing::Empty {
        conn.send_continue().map_err(ReadError::Io)?;
    }
    conn.read_body(framing, limit, ctx.config.read_timeout)
}

/// Whether the delivery may be trusted; the reason when not (for the log, never the secret).
fn verify(head: &Head, body: &[u8], secret: &Secret) -> Result<(), &'static str> {
    if head.tainted {
        return Err("control characters in the header fields");
    }
    let mut given = head.values("X-Recur-Signature");
    let Some(first) = given.next() else {
        return Err("no X-Recur-Signature");
    };
    if given.next().is_some() {
        return Err("more than one X-Recur-Signature");
    }
    if signature::verify(secret.expose(), body, first) {
        Ok(())
    } else {
        Err("the signature does not match the body")
    }
}

fn journal_headers(head: &Head) -> Vec<(String, String)> {
    head.headers
        .iter()
        .filter(|(name, _)| !NOT_JOURNALED.iter().any(|n| n.eq_ignore_ascii_case(name)))
        .cloned()
        .collect()
}

fn answer(outcome: &WebhookOutcome) -> Response {
    match outcome {
        WebhookOutcome::Applied(_) => Response::json(
            200,
            &json!({ "received": true, "duplicate": false, "outcome": outcome_name(outcome) }),
        ),
        WebhookOutcome::Duplicate => Response::json(
            200,
            &json!({ "received": true, "duplicate": true, "outcome": "duplicate" }),
        ),
        WebhookOutcome::Rejected => {
            Response::error(401, "invalid_signature", "the X-Recur-Signature header does not verify")
        }
        WebhookOutcome::Undecodable(why) => Response::error(400, "undecodable_event", why),
    }
}

fn outcome_name(outcome: &WebhookOutcome) -> &'static str {
    match outcome {
        WebhookOutcome::Applied(Applied::Changed { .. }) => "changed",
        WebhookOutcome::Applied(Applied::Recorded { .. }) => "recorded",
        WebhookOutcome::Applied(Applied::NoOp { .. }) => "noop",
        WebhookOutcome::Applied(Applied::Unmatched) => "unmatched",
        WebhookOutcome::Applied(Applied::Ignored) => "ignored",
        WebhookOutcome::Duplicate => "duplicate",
        WebhookOutcome::Rejected => "rejected",
        WebhookOutcome::Undecodable(_) => "undecodable",
    }
}

/// Not stored: answer so that Recur delivers again.
fn failure(error: &SubmitError) -> Response {
    match error {
        SubmitError::Ledger(e) => Response::error(500, e.code(), "the webhook could not be stored; deliver it again"),
        SubmitError::Stopped => {
            Response::error(503, "not_stored", "the webhook was not stored; deliver it again").closing()
        }
    }
}

/// The answer to a body that was not (completely) read; the connection is closed after it.
pub(crate) fn refusal(error: ReadError) -> Response {
    let response = match error {
        ReadError::TooLarge => Response::error(
            413,
            "payload_too_large",
            "the body is larger than this endpoint accepts",
        ),
        ReadError::TimedOut => Response::error(408, "request_timeout", "the request was not received in time"),
        ReadError::Malformed(what) => Response::error(400, "malformed_request", what),
        ReadError::Closed | ReadError::Io(_) => Response::error(400, "incomplete_request", "the request ended early"),
    };
    response.closing()
}
