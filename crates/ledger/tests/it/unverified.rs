//! Deliveries whose signature did not verify: kept as small digests, never claiming an event id,
//! pruned by count and age, and cut down in ledgers written before the digests existed.

use recur_domain::{EventId, SaleState};
use recur_ledger::{Applied, JournalOutcome, Ledger, UnverifiedDelivery, UnverifiedReason, WebhookOutcome};

use super::support::*;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn digest(body: &[u8], headers: &[(&str, &str)], at_ms: i64) -> UnverifiedDelivery {
    let headers = headers.iter().map(|(n, v)| (*n, v.as_bytes()));
    UnverifiedDelivery::new(
        UnverifiedReason::Mismatch,
        headers,
        body.len() as u64,
        [0xab; 32],
        body,
        at(at_ms),
    )
}

#[test]
fn an_unverified_delivery_is_a_digest_and_claims_nothing() {
    let ledger = ledger();
    let sale = open_sale(&ledger, "a", 1000, "cs_1");
    let event = completed("evt_sig", "cs_1", None, 1000);
    let mut padded = event.clone();
    padded.resize(1024 * 1024, b' ');
    let long = "x".repeat(4096);
    let headers = [
        ("X-Recur-Event-Id", "evt_sig"),
        ("X-Recur-Signature", "c2lnbmF0dXJl"),
        ("Authorization", "Bearer should-not-be-kept"),
        ("X-Anything-Else", "dropped"),
        ("User-Agent", long.as_str()),
    ];
    ledger
        .record_unverified(&[digest(&padded, &headers, 5_000)], at(6_000))
        .unwrap();
    assert_eq!(state_of(&ledger, &sale.id), SaleState::Open);
    let entry = ledger.journal_entry(&EventId::new("evt_sig")).unwrap().unwrap();
    assert_eq!((entry.verified, entry.outcome), (false, JournalOutcome::Rejected));
    assert_eq!(entry.detail.as_deref(), Some("signature_mismatch"));
    assert_eq!(entry.body, padded[..UnverifiedDelivery::PREFIX_BYTES]);
    assert_eq!(entry.body_len, 1024 * 1024);
    assert_eq!(entry.body_sha256.as_deref(), Some("ab".repeat(32).as_str()));
    let kept: Vec<(&str, usize)> = entry.headers.iter().map(|(n, v)| (n.as_str(), v.len())).collect();
    assert_eq!(
        kept,
        [
            ("x-recur-event-id", 7),
            ("x-recur-signature", 12),
            ("user-agent", UnverifiedDelivery::VALUE_BYTES)
        ],
        "only the listed headers, values cut short"
    );

    // The same event, genuinely signed, still applies: the digest claimed nothing.
    assert!(matches!(
        deliver(&ledger, event),
        WebhookOutcome::Applied(Applied::Changed { .. })
    ));
    assert_eq!(state_of(&ledger, &sale.id), SaleState::Paid);
    let verified = ledger.journal_entry(&EventId::new("evt_sig")).unwrap().unwrap();
    assert!(verified.verified && verified.body_sha256.is_none());
    assert_eq!(verified.body_len, verified.body.len() as u64);
    assert_eq!(ledger.journal(10).unwrap().len(), 2);
}

#[test]
fn only_the_newest_unverified_deliveries_are_kept_and_none_too_old() {
    let ledger = ledger();
    open_sale(&ledger, "a", 100, "cs_keep");
    deliver(&ledger, completed("evt_keep", "cs_keep", None, 100));
    let old: Vec<_> = (0..10).map(|_| digest(b"old", &[], -8 * DAY_MS)).collect();
    ledger.record_unverified(&old, at(-8 * DAY_MS)).unwrap();
    let count = |ledger: &Ledger| {
        let all = ledger.journal(100_000).unwrap();
        (
            all.iter().filter(|e| !e.verified).count(),
            all.iter().filter(|e| e.verified).count(),
        )
    };
    assert_eq!(count(&ledger), (10, 1));
    // A day's flood, in batches: the old ones go (too old), then all beyond the newest KEPT.
    for batch in 0..11 {
        let digests: Vec<_> = (0..100)
            .map(|n| digest(format!("{batch}-{n}").as_bytes(), &[], 1_000))
            .collect();
        ledger.record_unverified(&digests, at(2_000)).unwrap();
    }
    assert_eq!(
        count(&ledger),
        (UnverifiedDelivery::KEPT, 1),
        "the verified row is never pruned"
    );
    let newest = &ledger.journal(1).unwrap()[0];
    assert_eq!(newest.body, b"10-99");
    let oldest_kept = ledger.journal(100_000).unwrap()[UnverifiedDelivery::KEPT - 1]
        .body
        .clone();
    assert_eq!(oldest_kept, b"1-0");
}

