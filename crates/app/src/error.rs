//! [`AppError`]: what can go wrong above the counter's use cases — the keyring, settings.json,
//! the tunnel, the services — with the [`ErrorCode`] a person is told.
//!
//! Messages are for the log; people see the code, translated. No variant carries a secret.

use recur_domain::ErrorCode;
use recur_ledger::Sale;
use recur_pos_core::PosError;
use recur_secrets::SecretsError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Pos(#[from] PosError),
    #[error(transparent)]
    Keyring(#[from] SecretsError),
    /// A locked collection can wait forever on a prompt nobody sees.
    #[error("the OS keyring did not answer in time")]
    KeyringTimeout,
    /// A typed key is not well formed; the reason never repeats the key.
    #[error("{0}")]
    InvalidKey(&'static str),
    #[error("the tunnel command cannot run: {0}")]
    InvalidTunnelCommand(String),
    /// The embedded sandbox delivers on loopback; its webhook secret is the run's own, and a
    /// public URL would only let strangers reach a counter that takes no real money.
    #[error(
        "the tunnel does not run on the embedded sandbox (it delivers its webhooks on this PC); set a Recur key first"
    )]
    TunnelOnSandbox,
    #[error("no webhook listener runs, so a tunnel has nothing to forward to")]
    NoListener,
    #[error("the tunnel has no public URL yet")]
    NoTunnel,
    #[error("settings.json could not be written: {0}")]
    SettingsNotSaved(std::io::Error),
    #[error("the counter is still starting")]
    Starting,
    /// Keys were saved in the keyring, and it cannot be read now (`0` says how it failed).
    /// Falling back to the sandbox would sell in test mode on the shop's ledger, with the
    /// tunnel up: the counter stays closed until the keyring answers.
    #[error("the keys saved in the OS keyring cannot be read ({0}); unlock the keyring and retry")]
    StoredKeysUnreadable(ErrorCode),
    /// The counter could not open; `code` is why (the same the open itself failed with).
    #[error("the counter could not open: {message}")]
    NotOpen { code: ErrorCode, message: String },
    #[error("unexpected: {0}")]
    Internal(String),
    /// The environment sets this (`0` names the variable), so Settings cannot change it.
    #[error("{0} is set in the environment, which wins over Settings; change it there")]
    FromEnvironment(&'static str),
    /// A printer could not be used (no job was kept: the address is missing or wrong).
    #[error("{0}")]
    Print(recur_print::PrintError),
    /// A kept print job failed; it can be sent again by its id.
    #[error("print job {job} failed: {error}")]
    PrintFailed { job: i64, error: recur_print::PrintError },
    #[error("sale {0} is not paid, so it has no receipt")]
    NotPrintable(recur_domain::TxnId),
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Pos(e) => e.code(),
            AppError::Keyring(e) => e.error_code(),
            AppError::KeyringTimeout => ErrorCode::KeyringLocked,
            AppError::InvalidKey(_) => ErrorCode::InvalidKey,
            AppError::InvalidTunnelCommand(_) => ErrorCode::InvalidTunnelCommand,
            AppError::NoListener => ErrorCode::NoListener,
            AppError::TunnelOnSandbox => ErrorCode::TunnelOnSandbox,
            AppError::NoTunnel => ErrorCode::NoTunnel,
            AppError::SettingsNotSaved(_) => ErrorCode::SettingsNotSaved,
            AppError::Starting => ErrorCode::Starting,
            AppError::StoredKeysUnreadable(_) => ErrorCode::StoredKeysUnreadable,
            AppError::NotOpen { code, .. } => *code,
            AppError::Internal(_) => ErrorCode::Internal,
            AppError::FromEnvironment(_) => ErrorCode::SetByEnvironment,
            AppError::Print(e) | AppError::PrintFailed { error: e, .. } => e.code(),
            AppError::NotPrintable(_) => ErrorCode::NotPrintable,
        }
    }

    /// The sale a failed charge left behind (so a retry reuses it instead of starting another).
    pub fn sale(&self) -> Option<&Sale> {
        match self {
            AppError::Pos(e) => e.sale(),
            _ => None,
        }
    }
}

impl From<recur_print::PrintError> for AppError {
    fn from(error: recur_print::PrintError) -> Self {
        AppError::Print(error)
    }
}

impl From<recur_ledger::LedgerError> for AppError {
    fn from(e: recur_ledger::LedgerError) -> Self {
        AppError::Pos(PosError::Ledger(e))
    }
}
