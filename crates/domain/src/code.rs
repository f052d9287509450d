//! [`ErrorCode`]: every reason a person can be told that something did not work, as data.
//!
//! The window and the command line show a code, never an error's message: the window maps it
//! to a zh-TW or English sentence that says what to do (`ui/i18n/*.json`, `errors.<code>`), the
//! command line prints it for scripts. Each crate maps its own error enum to one of these
//! (`RecurError::error_code`, `SecretsError::error_code`, `PosError::code`, …), so no code is
//! ever built with `format!` or typed as a bare string, and a test checks that every code in
//! [`ErrorCode::ALL`] has a sentence in both languages. Not here: the errors themselves.

use std::fmt;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $name:ident => $text:literal,)*) => {
        /// A stable, translatable reason for a failure.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $($(#[$doc])* $name,)*
        }

        impl ErrorCode {
            /// Every code, for translation tables and their tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name,)*];

            /// The code as the UI and scripts see it (`recur.unauthorized`, `sale_not_found`, …).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $text,)*
                }
            }
        }
    };
}

error_codes! {
    /// Recur refused the key.
    RecurUnauthorized => "recur.unauthorized",
    /// The key may not do this (e.g. a publishable key with metadata).
    RecurForbidden => "recur.forbidden",
    /// Recur does not know the product or session.
    RecurNotFound => "recur.not_found",
    /// Recur rejected a field.
    RecurInvalidRequest => "recur.invalid_request",
    /// The customer already subscribes to this product.
    RecurConflict => "recur.conflict",
    /// Recur's rate limit.
    RecurRateLimited => "recur.rate_limited",
    /// Recur failed (5xx).
    RecurServer => "recur.server",
    /// Recur did not answer in time.
    RecurTimeout => "recur.timeout",
    /// Recur cannot be reached.
    RecurNetwork => "recur.network",
    /// Recur's answer could not be read.
    RecurUndecodable => "recur.undecodable",
    /// A `pk_…` key was configured.
    RecurPublishableKey => "recur.publishable_key",
    /// The key or the API address is unusable.
    RecurConfig => "recur.config",
    /// The local ledger failed.
    Ledger => "ledger",
    /// The ledger file is newer than this program.
    LedgerTooNew => "ledger_too_new",
    /// The ledger file belongs to the other environment (live vs sandbox).
    LedgerOtherEnvironment => "ledger_other_environment",
    ProductNotFound => "product_not_found",
    ProductInactive => "product_inactive",
    ModeNotAllowed => "mode_not_allowed",
    SaleNotFound => "sale_not_found",
    /// A journaled event to apply again is not in the journal.
    EventNotFound => "event_not_found",
    InvalidInput => "invalid_input",
    /// The move the cashier asked for is not possible in the sale's state.
    InvalidTransition => "invalid_transition",
    /// Less cash was handed over than the sale asks.
    CashShort => "cash_short",
    /// The day was closed already (a close is made once).
    DayClosed => "day_closed",
    /// A live key and no return page configured.
    NoReturnUrl => "no_return_url",
    /// The embedded sandbox could not start.
    Sandbox => "sandbox",
    /// `charge --wait --timeout` gave up.
    WaitTimedOut => "wait_timed_out",
    NoWebhookSecret => "no_webhook_secret",
    /// The webhook listener could not start.
    Listener => "listener",
    /// The tunnel self-test failed.
    SelfTest => "self_test",
    /// The export file could not be written (the folder is read-only or full).
    ExportFailed => "export_failed",
    KeyringUnavailable => "keyring_unavailable",
    /// Keys were saved in the keyring and it cannot be read now: the counter stays closed.
    StoredKeysUnreadable => "stored_keys_unreadable",
    KeyringLocked => "keyring_locked",
    KeyringCorrupt => "keyring_corrupt",
    KeyringInvalidName => "keyring_invalid_name",
    /// The counter is still opening.
    Starting => "starting",
    /// A typed key is not a Recur secret key or webhook secret.
    InvalidKey => "invalid_key",
    /// The system browser could not be opened.
    OpenFailed => "open_failed",
    /// The customer display window could not be opened.
    WindowFailed => "window_failed",
    /// The sale has no checkout URL yet.
    NoCheckout => "no_checkout",
    /// The tunnel has no public URL.
    NoTunnel => "no_tunnel",
    /// The tunnel command cannot run.
    InvalidTunnelCommand => "invalid_tunnel_command",
    /// A tunnel was asked for on the embedded sandbox (it never runs there).
    TunnelOnSandbox => "tunnel_on_sandbox",
    /// No webhook listener runs.
    NoListener => "no_listener",
    /// settings.json could not be written.
    SettingsNotSaved => "settings_not_saved",
    /// A manager PIN must be 4 to 12 digits.
    PinInvalid => "pin_invalid",
    /// The action needs the manager: enter the PIN.
    ManagerRequired => "manager_required",
    /// No manager PIN is set yet: set one first.
    PinNotSet => "pin_not_set",
    PinWrong => "pin_wrong",
    /// Too many wrong PINs: wait, then try again.
    PinLocked => "pin_locked",
    /// A file given to restore is not a Recur POS ledger (or not SQLite at all).
    BackupNotALedger => "backup_not_a_ledger",
    /// A file given to restore fails SQLite's integrity check.
    BackupCorrupt => "backup_corrupt",
    /// A restore needs the ledger closed everywhere (the window, `listen`).
    LedgerInUse => "ledger_in_use",
    /// A backup (or restore) could not write its file.
    BackupFailed => "backup_failed",
    /// The shop's shared ledger (PostgreSQL) cannot be reached now.
    LedgerUnreachable => "ledger_unreachable",
    /// A file-only action (back up, restore) asked of the shop's shared ledger.
    LedgerShared => "ledger_shared",
    /// The environment sets this; Settings cannot change it.
    SetByEnvironment => "set_by_environment",
    /// Something unexpected (a bug, a panicked task).
    Internal => "internal",
    /// No receipt printer is set (Settings, or `--printer`).
    PrinterNotSet => "printer_not_set",
    /// The printer address is not `tcp://`, `usb://` or `serial://`.
    PrinterInvalid => "printer_invalid",
    /// The printer refused the connection or is not there.
    PrinterUnreachable => "printer_unreachable",
    /// The printer did not take the job within the deadline.
    PrinterNoAnswer => "printer_no_answer",
    /// The printer says its paper is out.
    PrinterPaperOut => "printer_paper_out",
    /// The printer says it is offline (cover open, error).
    PrinterOffline => "printer_offline",
    /// Only a paid sale has a receipt.
    NotPrintable => "not_printable",
    /// No such print job.
    PrintJobNotFound => "print_job_not_found",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_words() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.'),
                "{text}"
            );
        }
        assert!(seen.len() > 30);
    }
}
