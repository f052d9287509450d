//! The JSON of what the owner reviews: the webhook journal, "apply again" and subscriptions.

use recur_domain::{Money, Timestamp};
use recur_ledger::{Applied, JournalEntry, JournalOutcome, SubscriptionRecord, WebhookOutcome};
use serde::Serialize;

use super::SaleDto;

/// A body larger than this is cut in the list (the whole of it stays in the ledger).
const BODY_SHOWN: usize = 64 * 1024;

/// The Events screen: the newest deliveries (or only the unmatched ones) and the badge count.
#[derive(Clone, Debug, Serialize)]
pub struct JournalDto {
    pub entries: Vec<JournalEntryDto>,
    /// The sales the entries matched (each once).
    pub sales: Vec<SaleDto>,
    /// Unmatched deliveries among the newest ones read.
    pub unmatched_count: usize,
}

/// One webhook delivery as received, and what it did.
#[derive(Clone, Debug, Serialize)]
pub struct JournalEntryDto {
    pub seq: i64,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub verified: bool,
    /// `changed`, `recorded`, `noop`, `unmatched`, `ignored`, `rejected` or `undecodable`.
    pub outcome: &'static str,
    pub sale_id: Option<String>,
    /// The no-op reason, the transition made, or why the body was unreadable.
    pub detail: Option<String>,
    /// The raw body as text (invalid UTF-8 replaced), cut at 64 KiB; for a delivery whose
    /// signature did not verify, only its first 256 bytes were ever kept.
    pub body: String,
    /// The length of the body as received.
    pub body_bytes: u64,
    pub body_cut: bool,
    /// The body's SHA-256 (hex), kept for unverified deliveries instead of the body.
    pub body_sha256: Option<String>,
    pub headers: Vec<(String, String)>,
    pub received_at: i64,
    pub processed_at: Option<i64>,
    pub attempts: u32,
    /// "Apply again" is offered: a verified event the journal kept under its id.
    pub can_reapply: bool,
}

impl From<&JournalEntry> for JournalEntryDto {
    fn from(e: &JournalEntry) -> JournalEntryDto {
        let cut = e.body.len() > BODY_SHOWN;
        let shown = if cut { &e.body[..BODY_SHOWN] } else { &e.body[..] };
        JournalEntryDto {
            seq: e.seq,
            event_id: e.event_id.as_ref().map(ToString::to_string),
            event_type: e.event_type.clone(),
            verified: e.verified,
            outcome: e.outcome.as_str(),
            sale_id: e.sale_id.as_ref().map(ToString::to_string),
            detail: e.detail.clone(),
            body: String::from_utf8_lossy(shown).into_owned(),
            body_bytes: e.body_len,
            body_cut: cut || (shown.len() as u64) < e.body_len,
            body_sha256: e.body_sha256.clone(),
            headers: e.headers.clone(),
            received_at: e.received_at.unix_ms(),
            processed_at: e.processed_at.map(Timestamp::unix_ms),
            attempts: e.attempts,
            can_reapply: e.verified
                && e.event_id.is_some()
                && !matches!(e.outcome, JournalOutcome::Rejected | JournalOutcome::Undecodable),
        }
    }
}

/// What "apply again" did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReapplyDto {
    /// `changed`, `recorded`, `noop`, `unmatched`, `ignored`, `duplicate`, `rejected` or `undecodable`.
    pub outcome: &'static str,
    pub sale_id: Option<String>,
    /// For `changed`: the states; for `noop`: why nothing changed.
    pub from: Option<&'static str>,
    pub to: Option<&'static str>,
    pub reason: Option<String>,
}

impl From<&WebhookOutcome> for ReapplyDto {
    fn from(outcome: &WebhookOutcome) -> ReapplyDto {
        let plain = |outcome| ReapplyDto {
            outcome,
            sale_id: None,
            from: None,
            to: None,
            reason: None,
        };
        match outcome {
            WebhookOutcome::Applied(Applied::Changed { sale, from, to }) => ReapplyDto {
                sale_id: Some(sale.to_string()),
                from: Some(from.as_str()),
                to: Some(to.as_str()),
                ..plain("changed")
            },
            WebhookOutcome::Applied(Applied::Recorded { sale }) => ReapplyDto {
                sale_id: Some(sale.to_string()),
                ..plain("recorded")
            },
            WebhookOutcome::Applied(Applied::NoOp { sale, reason }) => ReapplyDto {
                sale_id: Some(sale.to_string()),
                reason: Some(reason.clone()),
                ..plain("noop")
            },
            WebhookOutcome::Applied(Applied::Unmatched) => plain("unmatched"),
            WebhookOutcome::Applied(Applied::Ignored) => plain("ignored"),
            WebhookOutcome::Duplicate => plain("duplicate"),
            WebhookOutcome::Rejected => plain("rejected"),
            WebhookOutcome::Undecodable(why) => ReapplyDto {
                reason: Some(why.clone()),
                ..plain("undecodable")
            },
        }
    }
}

/// A subscription as Recur last described it, with its renewals.
#[derive(Clone, Debug, Serialize)]
pub struct SubscriptionDto {
    pub subscription_id: String,
    /// Upper case (`ACTIVE`, `PAST_DUE`, …), when Recur said.
    pub status: Option<String>,
    pub current_period_end: Option<i64>,
    pub product_id: Option<String>,
    pub sale_id: Option<String>,
    pub updated_at: i64,
    pub renewals: usize,
    /// The sum of the renewals' amounts.
    pub renewals_text: String,
}

impl From<&SubscriptionRecord> for SubscriptionDto {
    fn from(s: &SubscriptionRecord) -> SubscriptionDto {
        let total = s
            .renewals
            .iter()
            .filter_map(|r| r.amount)
            .fold(0, |sum, a| sum + a.get());
        SubscriptionDto {
            subscription_id: s.subscription_id.to_string(),
            status: s.status.clone(),
            current_period_end: s.current_period_end.map(Timestamp::unix_ms),
            product_id: s.product_id.as_ref().map(ToString::to_string),
            sale_id: s.sale_id.as_ref().map(ToString::to_string),
            updated_at: s.updated_at.unix_ms(),
            renewals: s.renewals.len(),
            renewals_text: Money::new(total).display_twd(),
        }
    }
}

#[cfg(test)]
mod tests {
    use recur_domain::{EventId, SaleState, TxnId};

    use super::*;

    fn entry(verified: bool, event_id: Option<&str>, outcome: JournalOutcome, body: Vec<u8>) -> JournalEntry {
        JournalEntry {
            seq: 1,
            event_id: event_id.map(EventId::new),
            event_type: Some("order.paid".into()),
            verified,
            outcome,
            sale_id: None,
            detail: None,
            body_len: body.len() as u64,
            body_sha256: None,
            body,
            headers: vec![],
            received_at: Timestamp::from_unix_ms(5),
            processed_at: None,
            attempts: 2,
        }
    }

    #[test]
    fn only_verified_events_kept_under_an_id_can_be_applied_again() {
        let cases = [
            (true, Some("evt_1"), JournalOutcome::NoOp, true),
            (true, Some("evt_1"), JournalOutcome::Unmatched, true),
            (false, Some("evt_1"), JournalOutcome::Rejected, false),
            (true, None, JournalOutcome::Changed, false),
            (true, Some("evt_1"), JournalOutcome::Undecodable, false),
        ];
        for (verified, id, outcome, expected) in cases {
            let dto = JournalEntryDto::from(&entry(verified, id, outcome, b"{}".to_vec()));
            assert_eq!(dto.can_reapply, expected, "{verified} {id:?} {outcome:?}");
        }
    }

    #[test]
    fn bodies_are_text_and_huge_ones_are_cut() {
        let dto = JournalEntryDto::from(&entry(false, None, JournalOutcome::Rejected, vec![b'{', 0xff, b'}']));
        assert_eq!(
            (dto.body.as_str(), dto.body_bytes, dto.body_cut),
            ("{\u{fffd}}", 3, false)
        );
        let dto = JournalEntryDto::from(&entry(true, None, JournalOutcome::Ignored, vec![b'a'; BODY_SHOWN + 10]));
        assert_eq!(
            (dto.body.len(), dto.body_bytes, dto.body_cut),
            (BODY_SHOWN, (BODY_SHOWN + 10) as u64, true)
        );
    }

    #[test]
    fn reapply_outcomes_have_stable_words() {
        let sale = TxnId::new("txn_1");
        let cases = [
            (
                WebhookOutcome::Applied(Applied::NoOp {
                    sale: sale.clone(),
                    reason: "already PAID".into(),
                }),
                "noop",
                Some("already PAID"),
            ),
            (
                WebhookOutcome::Applied(Applied::Changed {
                    sale: sale.clone(),
                    from: SaleState::Open,
                    to: SaleState::Paid,
                }),
                "changed",
                None,
            ),
            (WebhookOutcome::Applied(Applied::Unmatched), "unmatched", None),
            (WebhookOutcome::Duplicate, "duplicate", None),
        ];
        for (outcome, word, reason) in cases {
            let dto = ReapplyDto::from(&outcome);
            assert_eq!((dto.outcome, dto.reason.as_deref()), (word, reason));
        }
    }
}
