//! `POST /webhooks/recur`: verify the raw body, commit it, answer from the committed outcome.
//!
//! 1. An announced body over the limit is answered 413 before any of it is read.
//! 2. A request with no `X-Recur-Signature`, several, or one that is not even text cannot
//!    verify, whatever its body. It is answered 401 at once, its body unread, unless the
//!    unverified-journal rate still allows one more: then its body is read (short deadline,
//!    digest only, nothing kept) and journaled.
//! 3. Otherwise the body is read whole and the signature checked over the raw bytes, in constant
//!    time, before anything parses them. A mismatch is journaled (rate permitting) as a digest and
//!    answered 401: no waiting for the writer, no hook.
//! 4. A verified body becomes a receipt for the writer; the answer waits for its batch to
//!    commit. Then the app's hook hears the outcome, with the event type read from the verified
//!    body.
//!
//! Not here: the ledger's rules, the group commit (see `writer`), body limits (see `body`).

use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::Request;
use recur_domain::{signature, Event, Timestamp};
use recur_ledger::{Applied, UnverifiedDelivery, UnverifiedReason, WebhookOutcome, WebhookReceipt};
use serde_json::json;
use tokio::time::Instant;

use crate::admission::{Activity, Slot};
use crate::body::{self, BodyError, Digest};
use crate::context::Context;
use crate::response::{self, closing, Answer};
use crate::stats::Count;
use crate::writer::SubmitError;

/// Headers never copied into the journal.
const NOT_JOURNALED: [&str; 2] = ["authorization", "cookie"];

pub(crate) async fn handle(req: Request<Incoming>, ctx: &Context, slot: &Slot) -> Answer {
    let (head, body) = req.into_parts();
    if body::announced_too_large(&body, ctx.config.max_body_bytes) {
        return refused(ctx, BodyError::TooLarge);
    }
    let received_at = Timestamp::now();
    match signature_of(&head) {
        Ok(given) => {
            let given = given.to_owned();
            signed(head, body, &given, received_at, ctx, slot).await
        }
        Err(reason) => unverifiable(head, body, reason, received_at, ctx).await,
    }
}

/// The one `X-Recur-Signature`, or why there is none to check.
fn signature_of(head: &Parts) -> Result<&str, UnverifiedReason> {
    let mut given = head.headers.get_all("x-recur-signature").iter();
    let first = given.next().ok_or(UnverifiedReason::NoSignature)?;
    if given.next().is_some() {
        return Err(UnverifiedReason::SeveralSignatures);
    }
    match first.to_str() {
        Ok(text) if text.trim().is_empty() => Err(UnverifiedReason::NoSignature),
        Ok(text) => Ok(text),
        // Not visible ASCII, so neither Base64 nor hex: it cannot match, body unread.
        Err(_) => Err(UnverifiedReason::Mismatch),
    }
}

async fn signed(head: Parts, body: Incoming, given: &str, at: Timestamp, ctx: &Context, slot: &Slot) -> Answer {
    slot.set(Activity::Reading);
    let deadline = Instant::now() + ctx.body_time(slot);
    let read = body::read_whole(body, ctx.config.max_body_bytes, deadline, &ctx.budget).await;
    slot.set(Activity::Waiting);
    let (bytes, _held) = match read {
        Ok(read) => read,
        Err(e) => return refused(ctx, e),
    };
    ctx.counters.add(Count::Received);
    if !signature::verify(ctx.config.webhook_secret.expose(), &bytes, given) {
        journal_unverified(
            &head,
            UnverifiedReason::Mismatch,
            body::digest_of(&bytes),
            at,
            ctx,
            true,
        );
        return unauthorized(ctx);
    }
    let receipt = WebhookReceipt {
        event_id_header: header(&head, "x-recur-event-id"),
        event_type_header: header(&head, "x-recur-event-type"),
        headers: journal_headers(&head),
        body: bytes,
        received_at: at,
    };
    verified(receipt, ctx, slot).await
}

async fn verified(receipt: WebhookReceipt, ctx: &Context, slot: &Slot) -> Answer {
    // The type the app may act on is the signed body's own, never the unsigned header.
    let event_type = Event::parse(&receipt.body, None, None).ok().map(|e| e.kind);
    let event_id = receipt.event_id_header.clone();
    slot.set(Activity::Committing);
    let committed = ctx.writer.submit(receipt).await;
    slot.set(Activity::Waiting);
    match committed {
        Ok(outcome) => {
            slot.prove();
            ctx.counters.outcome(&outcome);
            tracing::info!(event_id, outcome = outcome_name(&outcome), "webhook");
            ctx.hooks.outcome(&outcome, event_type);
            answer(&outcome)
        }
        Err(e) => {
            ctx.counters.add(Count::Failed);
            tracing::error!(error = ?e, event_id, "webhook not stored");
            failure(&e)
        }
    }
}

async fn unverifiable(head: Parts, body: Incoming, reason: UnverifiedReason, at: Timestamp, ctx: &Context) -> Answer {
    if !ctx.admit_unverified() {
        ctx.counters.add(Count::Unverified);
        ctx.counters.add(Count::UnverifiedDropped);
        // The body is never read: close, so it is not taken for the next request.
        return closing(unauthorized(ctx));
    }
    let deadline = Instant::now() + ctx.config.pressured_timeout;
    match body::digest(body, ctx.config.max_body_bytes, deadline).await {
        Ok(digest) => {
            ctx.counters.add(Count::Received);
            journal_unverified(&head, reason, digest, at, ctx, false);
            unauthorized(ctx)
        }
        Err(e) => refused(ctx, e),
    }
}

/// Hands the digest to the writer's lossy lane; `limit` says whether the rate still has to be
/// asked (an unverifiable body was read only because it already allowed one).
fn journal_unverified(
    head: &Parts,
    reason: UnverifiedReason,
    digest: Digest,
    at: Timestamp,
    ctx: &Context,
    limit: bool,
) {
    ctx.counters.add(Count::Unverified);
    let event_id = header(head, "x-recur-event-id");
    if limit && !ctx.admit_unverified() {
        ctx.counters.add(Count::UnverifiedDropped);
        tracing::debug!(
            reason = reason.code(),
            event_id,
            "unverified delivery not journaled (rate)"
        );
        return;
    }
    let headers = head.headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes()));
    let delivery = UnverifiedDelivery::new(reason, headers, digest.len, digest.sha256, &digest.prefix, at);
    if ctx.writer.record_unverified(delivery) {
        tracing::warn!(reason = reason.code(), event_id, "webhook signature not accepted");
    } else {
        ctx.counters.add(Count::UnverifiedDropped);
    }
}

fn header(head: &Parts, name: &str) -> Option<String> {
    head.headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn journal_headers(head: &Parts) -> Vec<(String, String)> {
    head.headers
        .iter()
        .filter(|(name, _)| !NOT_JOURNALED.contains(&name.as_str()))
        .map(|(name, value)| (name.to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect()
}

fn unauthorized(ctx: &Context) -> Answer {
    ctx.counters.add(Count::Rejected);
    response::error(401, "invalid_signature", "the X-Recur-Signature header does not verify")
}

fn answer(outcome: &WebhookOutcome) -> Answer {
    match outcome {
        WebhookOutcome::Applied(_) => response::json(
            200,
            &json!({ "received": true, "duplicate": false, "outcome": outcome_name(outcome) }),
        ),
        WebhookOutcome::Duplicate => response::json(
            200,
            &json!({ "received": true, "duplicate": true, "outcome": "duplicate" }),
        ),
        WebhookOutcome::Rejected => {
            response::error(401, "invalid_signature", "the X-Recur-Signature header does not verify")
        }
        WebhookOutcome::Undecodable(why) => response::error(400, "undecodable_event", why),
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
fn failure(error: &SubmitError) -> Answer {
    match error {
        SubmitError::Ledger(e) => response::error(500, e.code(), "the webhook could not be stored; deliver it again"),
        SubmitError::Stopped => closing(response::error(
            503,
            "not_stored",
            "the webhook was not stored; deliver it again",
        )),
    }
}

/// The answer to a body that was not (completely) read; the connection is closed after it.
fn refused(ctx: &Context, error: BodyError) -> Answer {
    ctx.counters.add(Count::Rejected);
    tracing::debug!(error = ?error, "webhook body refused");
    let answer = match error {
        BodyError::TooLarge => response::error(
            413,
            "payload_too_large",
            "the body is larger than this endpoint accepts",
        ),
        BodyError::TimedOut => response::error(408, "request_timeout", "the request was not received in time"),
        BodyError::Incomplete => response::error(400, "incomplete_request", "the request ended early"),
        BodyError::Busy => response::error(503, "listener_busy", "too many large bodies at once; try again"),
    };
    closing(answer)
}
