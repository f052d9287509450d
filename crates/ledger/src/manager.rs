//! What the ledger keeps for the manager: the environment the file belongs to, the PIN's stored
//! hash with its wrong tries and lock-out, and the audit log.
//!
//! The ledger only stores: hashing a PIN and the lock-out's growing delays are the core's rules
//! (`recur_pos_core::manager`). The environment stamp is the one rule kept here, because it is
//! what a file *is*: a ledger stamped `live` never opens for the sandbox, nor the reverse, so a
//! test-card payment can never reach a live day's totals and a sandbox sweep never reads a live
//! sale.

use crate::sql::{args, Db, Optional};
use recur_domain::Timestamp;

use crate::db::Ledger;
use crate::error::LedgerError;

/// The stored PIN: its Argon2id hash (PHC string) and the tries against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinRecord {
    pub hash: String,
    pub set_at: Timestamp,
    /// Wrong tries since the last right one.
    pub failures: u32,
    /// No try is taken before this instant.
    pub locked_until: Timestamp,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub who: String,
    pub action: String,
    pub detail: String,
}

/// The most audit lines one read returns.
pub const AUDIT_PAGE_MAX: u32 = 500;

impl Ledger {
    /// The environment this file was first opened for (`sandbox` or `live`), if any.
    pub fn environment(&self) -> Result<Option<String>, LedgerError> {
        self.read(|conn| {
            Ok(conn
                .row("SELECT value FROM ledger_meta WHERE key = 'environment'", (), |row| {
                    row.get(0)
                })
                .optional()?)
        })
    }

    /// Stamps the file with `environment` on its first open, or checks it is the one stamped.
    /// A ledger written before the stamp existed takes the environment it is first opened in.
    pub fn claim_environment(&self, environment: &str) -> Result<(), LedgerError> {
        // Every open of a stamped file only reads: no write lock, no fsync.
        match self.environment()? {
            Some(ledger) if ledger == environment => return Ok(()),
            Some(ledger) => {
                return Err(LedgerError::OtherEnvironment {
                    ledger,
                    wanted: environment.to_owned(),
                })
            }
            None => {}
        }
        // Unstamped: stamp it, looking again under the write lock (another open may have won).
        self.write(|tx| {
            let stamped: Option<String> = tx
                .row("SELECT value FROM ledger_meta WHERE key = 'environment'", (), |row| {
                    row.get(0)
                })
                .optional()?;
            match stamped {
                Some(ledger) if ledger == environment => Ok(()),
                Some(ledger) => Err(LedgerError::OtherEnvironment {
                    ledger,
                    wanted: environment.to_owned(),
                }),
                None => {
                    tx.exec(
                        "INSERT INTO ledger_meta (key, value) VALUES ('environment', ?1)",
                        [environment],
                    )?;
                    Ok(())
                }
            }
        })
    }

    /// A value the processes of a shop share through its ledger (`ledger_meta`), e.g. the hub's
    /// public address for the counters' return pages.
    pub fn meta(&self, key: &str) -> Result<Option<String>, LedgerError> {
        self.read(|db| {
            Ok(db
                .row("SELECT value FROM ledger_meta WHERE key = ?1", [key], |row| row.get(0))
                .optional()?)
        })
    }

    /// Sets a shared value (see [`Ledger::meta`]); the environment stamp is not one of them.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), LedgerError> {
        if key == "environment" {
            return Err(LedgerError::Corrupt(
                "the environment stamp is claimed, never set".into(),
            ));
        }
        self.write(|tx| {
            tx.exec(
                "INSERT INTO ledger_meta (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                args![key, value],
            )?;
            Ok(())
        })
    }

    /// The manager's PIN as stored, or `None` before the first one is set.
    pub fn pin_record(&self) -> Result<Option<PinRecord>, LedgerError> {
        self.read(|conn| {
            Ok(conn
                .row(
                    "SELECT hash, set_at, failures, locked_until FROM manager_pin WHERE id = 1",
                    (),
                    |row| {
                        Ok(PinRecord {
                            hash: row.get(0)?,
                            set_at: Timestamp::from_unix_ms(row.get(1)?),
                            failures: row.get(2)?,
                            locked_until: Timestamp::from_unix_ms(row.get(3)?),
                        })
                    },
                )
                .optional()?)
        })
    }

    /// Stores a new PIN hash (tries reset) and audits it, in one transaction.
    pub fn set_pin(&self, hash: &str, at: Timestamp, who: &str) -> Result<(), LedgerError> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO manager_pin (id, hash, set_at, failures, locked_until) VALUES (1, ?1, ?2, 0, 0)
                 ON CONFLICT (id) DO UPDATE SET hash = ?1, set_at = ?2, failures = 0, locked_until = 0",
                args![hash, at.unix_ms()],
            )?;
            audit_in(tx, at, who, "pin_set", "")
        })
    }

    /// Records a wrong try: the failure count goes up by one and no try is taken before
    /// `locked_until`. Returns the count now stored. The audit log gets the line in the same
    /// transaction.
    pub fn record_pin_failure(&self, at: Timestamp, locked_until: Timestamp) -> Result<u32, LedgerError> {
        self.write(|tx| {
            let failures: u32 = tx.row(
                "UPDATE manager_pin SET failures = failures + 1, locked_until = CASE WHEN locked_until > ?1 THEN locked_until ELSE ?1 END
                 WHERE id = 1 RETURNING failures",
                [locked_until.unix_ms()],
                |row| row.get(0),
            )?;
            audit_in(tx, at, "unknown", "pin_wrong", &format!("{failures} wrong in a row"))?;
            Ok(failures)
        })
    }

    /// A right try: the wrong ones are forgotten.
    pub fn record_pin_success(&self) -> Result<(), LedgerError> {
        self.write(|tx| {
            tx.exec("UPDATE manager_pin SET failures = 0, locked_until = 0 WHERE id = 1", ())?;
            Ok(())
        })
    }

    /// Appends a line to the audit log.
    pub fn audit(&self, at: Timestamp, who: &str, action: &str, detail: &str) -> Result<(), LedgerError> {
        self.write(|tx| audit_in(tx, at, who, action, detail))
    }

    /// The newest audit lines first, at most `limit` (capped at [`AUDIT_PAGE_MAX`]).
    pub fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, LedgerError> {
        self.read(|conn| {
            let rows = conn.rows(
                "SELECT seq, at, who, action, detail FROM audit_log ORDER BY seq DESC LIMIT ?1",
                [limit.min(AUDIT_PAGE_MAX)],
                |row| {
                    Ok(AuditEntry {
                        seq: row.get(0)?,
                        at: Timestamp::from_unix_ms(row.get(1)?),
                        who: row.get(2)?,
                        action: row.get(3)?,
                        detail: row.get(4)?,
                    })
                },
            )?;
            Ok(rows)
        })
    }
}

fn audit_in(tx: &Db<'_>, at: Timestamp, who: &str, action: &str, detail: &str) -> Result<(), LedgerError> {
    tx.exec(
        "INSERT INTO audit_log (at, who, action, detail) VALUES (?1, ?2, ?3, ?4)",
        args![at.unix_ms(), who, action, detail],
    )?;
    Ok(())
}
