//! The manager's side of the ledger: the environment stamp, the stored PIN and the audit log.

use recur_ledger::{LedgerError, Origin};

use super::support::{at, ledger};

#[test]
fn a_ledger_is_stamped_with_its_first_environment_and_refuses_the_other() {
    let test = ledger();
    let ledger = test.reopen(Origin::default());
    assert_eq!(ledger.environment().unwrap(), None, "a new file has no stamp");
    ledger.claim_environment("live").unwrap();
    ledger.claim_environment("live").unwrap();
    drop(ledger);

    let again = test.reopen(Origin::default());
    assert_eq!(
        again.environment().unwrap().as_deref(),
        Some("live"),
        "the stamp is in the ledger"
    );
    let refused = again.claim_environment("sandbox").unwrap_err();
    assert!(
        matches!(&refused, LedgerError::OtherEnvironment { ledger, wanted } if ledger == "live" && wanted == "sandbox"),
        "{refused:?}"
    );
    assert_eq!(refused.code(), "ledger_other_environment");
    assert_eq!(
        again.environment().unwrap().as_deref(),
        Some("live"),
        "a refusal changes nothing"
    );
}

#[test]
fn wrong_tries_count_up_and_a_right_one_forgets_them() {
    let ledger = ledger();
    assert_eq!(ledger.pin_record().unwrap(), None);
    ledger
        .set_pin("$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", at(0), "manager")
        .unwrap();
    let stored = ledger.pin_record().unwrap().unwrap();
    assert_eq!((stored.failures, stored.set_at), (0, at(0)));

    assert_eq!(ledger.record_pin_failure(at(1_000), at(1_000)).unwrap(), 1);
    assert_eq!(ledger.record_pin_failure(at(2_000), at(32_000)).unwrap(), 2);
    // An earlier lock-out never shortens a later one.
    assert_eq!(ledger.record_pin_failure(at(3_000), at(4_000)).unwrap(), 3);
    let tried = ledger.pin_record().unwrap().unwrap();
    assert_eq!((tried.failures, tried.locked_until), (3, at(32_000)));

    ledger.record_pin_success().unwrap();
    let forgiven = ledger.pin_record().unwrap().unwrap();
    assert_eq!((forgiven.failures, forgiven.locked_until.unix_ms()), (0, 0));
    assert_eq!(forgiven.hash, stored.hash, "a right try keeps the PIN");
}

#[test]
fn the_audit_log_keeps_every_line_newest_first() {
    let ledger = ledger();
    ledger.set_pin("$argon2id$x", at(0), "manager").unwrap();
    ledger.record_pin_failure(at(10), at(10)).unwrap();
    for n in 0..5 {
        ledger
            .audit(at(100 + n), "manager", "export", &format!("file {n}"))
            .unwrap();
    }
    let log = ledger.audit_log(100).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["export", "export", "export", "export", "export", "pin_wrong", "pin_set"]
    );
    assert_eq!(log[0].detail, "file 4");
    assert!(log.windows(2).all(|w| w[0].seq > w[1].seq));
    assert_eq!(ledger.audit_log(2).unwrap().len(), 2);
}

#[test]
fn shared_values_are_set_once_each_and_the_stamp_is_not_one_of_them() {
    let ledger = ledger();
    assert_eq!(ledger.meta("hub_public_url").unwrap(), None);
    ledger.set_meta("hub_public_url", "https://a.trycloudflare.com").unwrap();
    ledger.set_meta("hub_public_url", "https://b.trycloudflare.com").unwrap();
    assert_eq!(
        ledger.meta("hub_public_url").unwrap().as_deref(),
        Some("https://b.trycloudflare.com"),
        "the newest address wins"
    );
    ledger.claim_environment("sandbox").unwrap();
    assert!(ledger.set_meta("environment", "live").is_err());
    assert_eq!(ledger.environment().unwrap().as_deref(), Some("sandbox"));
}
