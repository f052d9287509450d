//! The manager's PIN and what it guards: the rules, once, for every view.
//!
//! A cashier sells and sees today's sales; the actions in [`Guarded`] need the manager. The PIN
//! is 4 to 12 digits, kept only as an Argon2id hash (the `argon2` crate's defaults: 19 MiB,
//! 2 passes — OWASP's minimum — with a random salt) in the ledger. Wrong tries lock the PIN out
//! with growing delays ([`lockout_for`]); the count and the lock-out are in the ledger, so
//! quitting the app does not reset them. Every right or wrong try and every guarded action is
//! written to the audit log. Not here: how long an unlock lasts (the station's session).

use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use recur_domain::Timestamp;
use recur_ledger::AuditEntry;

use crate::counter::Counter;
use crate::error::PosError;

/// What only the manager may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Guarded {
    /// Change Settings (shop name, phone test, the tunnel).
    Settings,
    /// Save or forget keys — which is also how the counter switches sandbox ↔ live.
    Keys,
    /// Close the day.
    CloseDay,
    /// Export the history.
    Export,
    /// Apply a journaled event again.
    ApplyAgain,
    /// Leave the app.
    Quit,
    /// Read the audit log.
    AuditLog,
    /// Open the cash drawer by hand (a cash sale's receipt opens it by itself).
    OpenDrawer,
    /// Read sales beyond today (History's other days, the day's report and the trend): a
    /// cashier sees today's sales only. Reads are not audited.
    Reports,
}

impl Guarded {
    pub const ALL: [Guarded; 9] = [
        Guarded::Settings,
        Guarded::Keys,
        Guarded::CloseDay,
        Guarded::Export,
        Guarded::ApplyAgain,
        Guarded::Quit,
        Guarded::AuditLog,
        Guarded::OpenDrawer,
        Guarded::Reports,
    ];

    /// The audit log's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Guarded::Settings => "settings",
            Guarded::Keys => "keys",
            Guarded::CloseDay => "close_day",
            Guarded::Export => "export",
            Guarded::ApplyAgain => "apply_again",
            Guarded::Quit => "quit",
            Guarded::AuditLog => "audit_log",
            Guarded::OpenDrawer => "open_drawer",
            Guarded::Reports => "reports",
        }
    }

    /// Whether passing the guard writes an audit line: reading is not an action.
    pub fn audited(self) -> bool {
        !matches!(self, Guarded::AuditLog | Guarded::Reports)
    }
}

/// Whether a cashier may read `filter` of History: today's sales only, as on the Today screen.
pub fn cashier_may_read(filter: &recur_ledger::HistoryFilter, today: recur_domain::Day) -> bool {
    filter.from == Some(today) && filter.to == Some(today)
}

/// Who the audit log names for the manager's actions.
pub const MANAGER: &str = "manager";

/// Wrong tries allowed before the first lock-out.
pub const FREE_TRIES: u32 = 3;

/// How long the PIN is locked after `failures` wrong tries in a row: nothing for the first
/// [`FREE_TRIES`] − 1, then 30 s, doubling with each further wrong try, at most an hour.
pub fn lockout_for(failures: u32) -> Duration {
    if failures < FREE_TRIES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_TRIES).min(7);
    Duration::from_secs(30 << doublings).min(Duration::from_secs(3600))
}

/// A PIN is 4 to 12 ASCII digits.
pub fn check_pin_shape(pin: &str) -> Result<(), PosError> {
    if (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(PosError::PinInvalid)
    }
}

fn hash(pin: &str) -> Result<String, PosError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| PosError::Internal(format!("no randomness for a salt: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PosError::Internal(e.to_string()))?;
    Ok(Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| PosError::Internal(e.to_string()))?
        .to_string())
}

fn matches(pin: &str, stored: &str) -> Result<bool, PosError> {
    let parsed = PasswordHash::new(stored).map_err(|e| PosError::Internal(format!("the stored PIN hash: {e}")))?;
    Ok(Argon2::default().verify_password(pin.as_bytes(), &parsed).is_ok())
}

impl Counter {
    /// Whether a manager PIN has been set on this ledger.
    pub fn has_manager_pin(&self) -> Result<bool, PosError> {
        Ok(self.ledger().pin_record()?.is_some())
    }

    /// Sets the first PIN, or changes it when `current` is right (a wrong one counts as a wrong
    /// try). Hashing takes a moment: call it off the async workers.
    pub fn set_manager_pin(&self, new: &str, current: Option<&str>) -> Result<(), PosError> {
        check_pin_shape(new)?;
        if self.has_manager_pin()? {
            self.verify_manager_pin(current.ok_or(PosError::PinRequired)?, Timestamp::now())?;
        }
        self.ledger().set_pin(&hash(new)?, Timestamp::now(), MANAGER)?;
        Ok(())
    }

    /// Checks a PIN at `now`: refused without looking while locked out; a wrong one counts and
    /// may lock the PIN; a right one forgets the wrong ones. Call it off the async workers.
    pub fn verify_manager_pin(&self, pin: &str, now: Timestamp) -> Result<(), PosError> {
        let record = self.ledger().pin_record()?.ok_or(PosError::PinNotSet)?;
        if record.locked_until > now {
            return Err(PosError::PinLocked {
                until: record.locked_until,
            });
        }
        if matches(pin, &record.hash)? {
            self.ledger().record_pin_success()?;
            self.audit(MANAGER, "unlock", "")?;
            return Ok(());
        }
        let wait = lockout_for(record.failures + 1);
        let until = now.plus_ms(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
        let failures = self.ledger().record_pin_failure(now, until)?;
        let left = FREE_TRIES.saturating_sub(failures);
        if wait.is_zero() {
            Err(PosError::PinWrong { tries_left: left })
        } else {
            Err(PosError::PinLocked { until })
        }
    }

    /// Appends to the audit log.
    pub fn audit(&self, who: &str, action: &str, detail: &str) -> Result<(), PosError> {
        Ok(self.ledger().audit(Timestamp::now(), who, action, detail)?)
    }

    /// The audit log, newest first.
    pub fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, PosError> {
        Ok(self.ledger().audit_log(limit)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_tries_lock_out_for_longer_and_longer() {
        let waits: Vec<u64> = (1..=12).map(|n| lockout_for(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(lockout_for(u32::MAX), Duration::from_secs(3600));
    }

    #[test]
    fn a_cashier_reads_today_only() {
        use recur_domain::{Day, Timestamp};
        use recur_ledger::HistoryFilter;
        let today = Day::containing(Timestamp::from_unix_ms(1_796_031_608_000));
        let only = |from, to| HistoryFilter {
            from,
            to,
            ..HistoryFilter::default()
        };
        assert!(cashier_may_read(&only(Some(today), Some(today)), today));
        assert!(!cashier_may_read(&only(None, None), today), "all days");
        assert!(!cashier_may_read(&only(Some(today.plus_days(-1)), Some(today)), today));
        assert!(!cashier_may_read(
            &only(Some(today.plus_days(-1)), Some(today.plus_days(-1))),
            today
        ));
    }

    #[test]
    fn a_pin_is_four_to_twelve_digits() {
        for good in ["1234", "000000", "123456789012"] {
            assert!(check_pin_shape(good).is_ok(), "{good}");
        }
        for bad in ["", "123", "1234567890123", "12a4", "１２３４", "12 34"] {
            assert!(check_pin_shape(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_hash_verifies_its_pin_only_and_is_salted() {
        let one = hash("2468").unwrap();
        assert!(one.starts_with("$argon2id$"), "{one}");
        assert!(matches("2468", &one).unwrap());
        assert!(!matches("2469", &one).unwrap());
        assert_ne!(one, hash("2468").unwrap(), "a fresh salt each time");
    }
}
