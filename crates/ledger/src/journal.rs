//! The webhook journal: every verified delivery is stored whole, deduplicated by event id and
//! applied in the same transaction, so an acknowledged event is never lost and never applied
//! twice.
//!
//! Only verified, decodable deliveries *claim* their event id. A delivery whose signature did not
//! verify is journaled as `rejected` and claims nothing, so a later genuine delivery of the same
//! id still applies; and because anyone who reaches the tunnel can send one, it is kept as an
//! [`UnverifiedDelivery`] digest (a few hundred bytes, however large the body), and only the
//! newest [`UnverifiedDelivery::KEPT`] of them, none older than [`UnverifiedDelivery::KEPT_MS`].
//!
//! Not here: signature checking (the listener does it on the raw bytes), rate-limiting
//! unverified deliveries (the listener decides which reach the ledger at all), or HTTP.

use crate::sql::{args, Db, Optional, Row, SqlResult};

use recur_domain::fact::fact_from_event;
use recur_domain::{Event, EventId, Timestamp, TxnId};

use crate::db::Ledger;
use crate::error::LedgerError;
use crate::facts::apply_in;
use crate::outcome::Summary;
use crate::rows::{parse_column, time};
use crate::types::{
    Cause, JournalEntry, JournalOutcome, UnverifiedDelivery, UnverifiedReason, WebhookOutcome, WebhookReceipt,
};

/// Headers never worth keeping, in case a proxy adds them.
const DROPPED_HEADERS: [&str; 3] = ["authorization", "cookie", "x-recur-secret-key"];

const ENTRY_COLUMNS: &str = "seq, event_id, event_type, verified, outcome, sale_id, detail, body, headers, \
    received_at, processed_at, attempts, body_len, body_sha256";

impl UnverifiedDelivery {
    /// How many unverified deliveries the journal keeps (the newest).
    pub const KEPT: usize = 1_000;
    /// How long the journal keeps an unverified delivery: seven days.
    pub const KEPT_MS: i64 = 7 * 24 * 60 * 60 * 1000;
    /// How much of an unverified body is kept.
    pub const PREFIX_BYTES: usize = 256;
    /// How much of each kept header value is kept.
    pub const VALUE_BYTES: usize = 128;
    /// The most header fields kept.
    pub const MAX_HEADERS: usize = 16;
    /// The header fields worth keeping (lowercase): who sent it, through what, and what it
    /// claimed to be. Everything else is dropped unread.
    pub const HEADERS_KEPT: [&'static str; 13] = [
        "content-type",
        "content-length",
        "transfer-encoding",
        "user-agent",
        "x-recur-event-id",
        "x-recur-event-type",
        "x-recur-timestamp",
        "x-recur-signature",
        "x-forwarded-for",
        "cf-connecting-ip",
        "cf-ray",
        "cf-ipcountry",
        "true-client-ip",
    ];

    /// The digest of a delivery that did not verify, from its headers as received (name, raw
    /// value), the body's length and SHA-256, and the start of the body (of which only the first
    /// [`UnverifiedDelivery::PREFIX_BYTES`] are kept). Keeps only what the limits above allow.
    pub fn new<'a>(
        reason: UnverifiedReason,
        headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
        body_len: u64,
        body_sha256: [u8; 32],
        body_prefix: &[u8],
        received_at: Timestamp,
    ) -> UnverifiedDelivery {
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .filter(|(name, _)| Self::HEADERS_KEPT.iter().any(|k| k.eq_ignore_ascii_case(name)))
            .take(Self::MAX_HEADERS)
            .map(|(name, value)| (name.to_ascii_lowercase(), cut(value, Self::VALUE_BYTES)))
            .collect();
        let header = |wanted: &str| headers.iter().find(|(n, _)| n == wanted).map(|(_, v)| v.clone());
        UnverifiedDelivery {
            event_id_header: header("x-recur-event-id"),
            event_type_header: header("x-recur-event-type"),
            body_len,
            body_sha256,
            body_prefix: body_prefix[..body_prefix.len().min(Self::PREFIX_BYTES)].to_vec(),
            reason,
            received_at,
            headers,
        }
    }
}

/// At most `limit` bytes of `value`, as text (a character cut in half becomes U+FFFD).
fn cut(value: &[u8], limit: usize) -> String {
    String::from_utf8_lossy(&value[..value.len().min(limit)]).into_owned()
}

impl Ledger {
    /// Journals, deduplicates and applies one delivery in ONE transaction. Acknowledge the
    /// delivery (2xx) only after this returns `Ok`; on `Err` nothing was stored.
    pub fn receive_webhook(&self, req: &WebhookReceipt, now: Timestamp) -> Result<WebhookOutcome, LedgerError> {
        self.write(|tx| receive_in(tx, req, now))
    }

    /// Journals unverified deliveries (digests only) in one transaction and forgets the oldest
    /// beyond [`UnverifiedDelivery::KEPT`] and [`UnverifiedDelivery::KEPT_MS`].
    pub fn record_unverified(&self, deliveries: &[UnverifiedDelivery], now: Timestamp) -> Result<(), LedgerError> {
        self.write(|tx| record_unverified_in(tx, deliveries, now))
    }

    /// Applies a journaled event again ("apply again", e.g. after fixing a sale by hand).
    /// Idempotent: the rules make a repeated fact a no-op. The journal row takes the new
    /// outcome only if this application had an effect.
    pub fn reapply_event(&self, event_id: &EventId, now: Timestamp) -> Result<WebhookOutcome, LedgerError> {
        self.write(|tx| {
            let stored: Option<(i64, Vec<u8>, Option<String>)> = tx
                .row(
                    "SELECT seq, body, event_type FROM webhook_journal WHERE event_id = ?1 AND claimed = 1",
                    [event_id.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((seq, body, kind)) = stored else { return Err(LedgerError::EventNotFound(event_id.clone())) };
            let event = Event::parse(&body, Some(event_id.as_str()), kind.as_deref())
                .map_err(|e| LedgerError::Corrupt(format!("journaled event {event_id} no longer decodes: {e}")))?;
            let fact = fact_from_event(&event);
            let applied = apply_in(tx, &fact, &Cause::event(event_id), now)?;
            let summary = Summary::of(&applied, &fact);
            if matches!(summary.outcome, JournalOutcome::Changed | JournalOutcome::Recorded) {
                tx.exec(
                    "UPDATE webhook_journal SET outcome = ?2, sale_id = ?3, detail = ?4, processed_at = ?5 WHERE seq = ?1",
                    args![
                        seq,
                        summary.outcome.as_str(),
                        summary.sale.as_ref().map(TxnId::as_str),
                        summary.detail,
                        now.unix_ms()
                    ],
                )?;
            }
            Ok(WebhookOutcome::Applied(applied))
        })
    }

    /// The newest deliveries first.
    pub fn journal(&self, limit: usize) -> Result<Vec<JournalEntry>, LedgerError> {
        self.entries("1 = 1", limit)
    }

    /// Deliveries no sale matched (payments, refunds, renewals), and signed ones we could not
    /// read at all: kept, credited nowhere, and listed here for a person. Newest first.
    pub fn unmatched(&self, limit: usize) -> Result<Vec<JournalEntry>, LedgerError> {
        self.entries("outcome IN ('unmatched', 'undecodable')", limit)
    }

    /// The delivery that claimed `event_id`, else the latest one carrying it (e.g. rejected).
    pub fn journal_entry(&self, event_id: &EventId) -> Result<Option<JournalEntry>, LedgerError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM webhook_journal WHERE event_id = ?1 ORDER BY claimed DESC, seq DESC LIMIT 1"
        );
        self.read(|conn| Ok(conn.row(&sql, [event_id.as_str()], entry_from_row).optional()?))
    }

    fn entries(&self, condition: &str, limit: usize) -> Result<Vec<JournalEntry>, LedgerError> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM webhook_journal WHERE {condition} ORDER BY seq DESC LIMIT ?1");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|conn| {
            let rows = conn.rows(&sql, [limit], entry_from_row)?;
            Ok(rows)
        })
    }
}

/// The work of [`Ledger::receive_webhook`] inside a transaction the caller owns (also used,
/// one savepoint per receipt, by the batch in `batch.rs`).
pub(crate) fn receive_in(tx: &Db<'_>, req: &WebhookReceipt, now: Timestamp) -> Result<WebhookOutcome, LedgerError> {
    let mut row = NewRow::from_receipt(req, now);
    let event = match Event::parse(
        &req.body,
        req.event_id_header.as_deref(),
        req.event_type_header.as_deref(),
    ) {
        Ok(event) => event,
        Err(error) => {
            let detail = error.to_string();
            row.insert(tx, JournalOutcome::Undecodable, None, Some(&detail))?;
            return Ok(WebhookOutcome::Undecodable(detail));
        }
    };
    // Cached statements: these two run for every delivery of a busy batch.
    let deliveries = tx.exec(
        "UPDATE webhook_journal SET attempts = attempts + 1 WHERE event_id = ?1 AND claimed = 1",
        [event.id.as_str()],
    )?;
    if deliveries > 0 {
        return Ok(WebhookOutcome::Duplicate);
    }
    let fact = fact_from_event(&event);
    let applied = apply_in(tx, &fact, &Cause::event(&event.id), now)?;
    let summary = Summary::of(&applied, &fact);
    row.event_id = Some(event.id.to_string());
    row.event_type = Some(event.kind.clone());
    row.claimed = true;
    row.order_id = summary.order_id.clone();
    row.subscription_id = summary.subscription_id.clone();
    row.insert(tx, summary.outcome, summary.sale, summary.detail.as_deref())?;
    Ok(WebhookOutcome::Applied(applied))
}

/// The work of [`Ledger::record_unverified`] inside a transaction the caller owns.
pub(crate) fn record_unverified_in(
    tx: &Db<'_>,
    deliveries: &[UnverifiedDelivery],
    now: Timestamp,
) -> Result<(), LedgerError> {
    if deliveries.is_empty() {
        return Ok(());
    }
    for delivery in deliveries {
        let row = NewRow::from_unverified(delivery, now);
        row.insert(tx, JournalOutcome::Rejected, None, Some(delivery.reason.code()))?;
    }
    // The partial index on unverified rows makes both halves a short walk.
    tx.exec(
        "DELETE FROM webhook_journal WHERE verified = 0 AND (received_at < ?1 OR seq <= \
         (SELECT seq FROM webhook_journal WHERE verified = 0 ORDER BY seq DESC LIMIT 1 OFFSET ?2))",
        args![
            now.plus_ms(-UnverifiedDelivery::KEPT_MS).unix_ms(),
            UnverifiedDelivery::KEPT as i64
        ],
    )?;
    Ok(())
}

/// A journal row about to be written.
struct NewRow {
    event_id: Option<String>,
    event_type: Option<String>,
    verified: bool,
    claimed: bool,
    body: Vec<u8>,
    body_len: u64,
    body_sha256: Option<String>,
    headers: String,
    received_at: Timestamp,
    processed_at: Timestamp,
    /// What the event names besides a sale, so it can be adopted when its sale is known.
    order_id: Option<String>,
    subscription_id: Option<String>,
}

impl NewRow {
    fn from_receipt(req: &WebhookReceipt, now: Timestamp) -> Self {
        let kept: Vec<&(String, String)> = req
            .headers
            .iter()
            .filter(|(name, _)| !DROPPED_HEADERS.contains(&name.to_ascii_lowercase().as_str()))
            .collect();
        NewRow {
            event_id: req.event_id_header.clone(),
            event_type: req.event_type_header.clone(),
            verified: true,
            claimed: false,
            body: req.body.clone(),
            body_len: req.body.len() as u64,
            body_sha256: None,
            headers: serde_json::to_string(&kept).unwrap_or_else(|_| "[]".to_owned()),
            received_at: req.received_at,
            processed_at: now,
            order_id: None,
            subscription_id: None,
        }
    }

    /// The limits are applied again here, so a digest built without [`UnverifiedDelivery::new`]
    /// cannot make the row larger.
    fn from_unverified(delivery: &UnverifiedDelivery, now: Timestamp) -> Self {
        let limited = UnverifiedDelivery::new(
            delivery.reason,
            delivery.headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
            delivery.body_len,
            delivery.body_sha256,
            &delivery.body_prefix,
            delivery.received_at,
        );
        let sha256: String = limited.body_sha256.iter().map(|b| format!("{b:02x}")).collect();
        NewRow {
            event_id: limited.event_id_header,
            event_type: limited.event_type_header,
            verified: false,
            claimed: false,
            body: limited.body_prefix,
            body_len: limited.body_len,
            body_sha256: Some(sha256),
            headers: serde_json::to_string(&limited.headers).unwrap_or_else(|_| "[]".to_owned()),
            received_at: limited.received_at,
            processed_at: now,
            order_id: None,
            subscription_id: None,
        }
    }

    fn insert(
        &self,
        conn: &Db<'_>,
        outcome: JournalOutcome,
        sale: Option<TxnId>,
        detail: Option<&str>,
    ) -> Result<(), LedgerError> {
        conn.exec(
            "INSERT INTO webhook_journal (event_id, event_type, verified, claimed, body, headers, outcome, sale_id, \
             detail, received_at, processed_at, body_len, body_sha256, order_id, subscription_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            args![
                self.event_id,
                self.event_type,
                self.verified,
                self.claimed,
                self.body,
                self.headers,
                outcome.as_str(),
                sale.as_ref().map(TxnId::as_str),
                detail,
                self.received_at.unix_ms(),
                self.processed_at.unix_ms(),
                i64::try_from(self.body_len).unwrap_or(i64::MAX),
                self.body_sha256,
                self.order_id,
                self.subscription_id,
            ],
        )?;
        Ok(())
    }
}

/// The verified events that touched a sale, oldest first.
pub(crate) fn of_sale(conn: &Db<'_>, sale: &TxnId) -> Result<Vec<JournalEntry>, LedgerError> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM webhook_journal WHERE sale_id = ?1 ORDER BY seq");
    let rows = conn.rows(&sql, [sale.as_str()], entry_from_row)?;
    Ok(rows)
}

fn entry_from_row(r: &Row<'_>) -> SqlResult<JournalEntry> {
    let headers: String = r.get(8)?;
    Ok(JournalEntry {
        seq: r.get(0)?,
        event_id: r.get::<Option<String>>(1)?.map(EventId::new),
        event_type: r.get(2)?,
        verified: r.get(3)?,
        outcome: parse_column(r, 4, JournalOutcome::parse)?,
        sale_id: r.get::<Option<String>>(5)?.map(TxnId::new),
        detail: r.get(6)?,
        body: r.get(7)?,
        headers: serde_json::from_str(&headers).unwrap_or_default(),
        received_at: Timestamp::from_unix_ms(r.get(9)?),
        processed_at: time(r.get(10)?),
        attempts: r.get(11)?,
        body_len: r.get::<i64>(12)?.try_into().unwrap_or(0),
        body_sha256: r.get(13)?,
    })
}
