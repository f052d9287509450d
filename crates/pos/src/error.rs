//! The one error of the use cases, with stable codes the UI and the CLI translate.

use recur_client::RecurError;
use recur_domain::ErrorCode;
use recur_ledger::{LedgerError, Sale};

#[derive(Debug, thiserror::Error)]
pub enum PosError {
    /// Recur refused or could not be reached; nothing was recorded.
    #[error("Recur: {0}")]
    Recur(#[from] RecurError),
    /// The sale was recorded, but Recur could not create its checkout: the sale is FAILED
    /// (visible, never silently gone) and can be retried with a new checkout.
    #[error("the checkout could not be created at Recur: {source}")]
    CreateFailed { sale: Box<Sale>, source: RecurError },
    #[error("the ledger: {0}")]
    Ledger(#[from] LedgerError),
    #[error("product {0} is not in Recur's catalogue (refresh the catalogue)")]
    ProductNotFound(String),
    #[error("product {product} is inactive")]
    ProductInactive { product: String },
    #[error("a {product_type} product cannot be sold in {mode} mode")]
    ModeNotAllowed { mode: String, product_type: String },
    #[error("no sale with id {0}")]
    SaleNotFound(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error(
        "no return page is configured for a live key: set RECUR_POS_SUCCESS_URL and RECUR_POS_CANCEL_URL, or a tunnel"
    )]
    NoReturnUrl,
    #[error("the embedded sandbox could not start: {0}")]
    Sandbox(String),
    #[error("gave up waiting: the sale is still {0}")]
    WaitTimedOut(String),
    #[error("no webhook secret is configured: set RECUR_WEBHOOK_SECRET (whsec_… from Recur's dashboard)")]
    NoWebhookSecret,
    #[error("the webhook listener could not start: {0}")]
    Listener(String),
    #[error("the self-test could not reach the public URL: {0}")]
    SelfTest(String),
    #[error("the export could not be written: {0}")]
    Export(String),
    #[error("a manager PIN is 4 to 12 digits")]
    PinInvalid,
    #[error("this needs the manager's PIN")]
    PinRequired,
    #[error("no manager PIN is set yet")]
    PinNotSet,
    #[error("wrong PIN ({tries_left} tries left before a lock-out)")]
    PinWrong { tries_left: u32 },
    #[error("too many wrong PINs: locked until {}", until.to_rfc3339())]
    PinLocked { until: recur_domain::Timestamp },
    #[error("unexpected: {0}")]
    Internal(String),
}

impl PosError {
    /// Stable, for translation tables and scripts; never parse the message.
    pub fn code(&self) -> ErrorCode {
        match self {
            PosError::Recur(e) | PosError::CreateFailed { source: e, .. } => recur_code(e),
            PosError::Ledger(e) => ledger_code(e),
            PosError::ProductNotFound(_) => ErrorCode::ProductNotFound,
            PosError::ProductInactive { .. } => ErrorCode::ProductInactive,
            PosError::ModeNotAllowed { .. } => ErrorCode::ModeNotAllowed,
            PosError::SaleNotFound(_) => ErrorCode::SaleNotFound,
            PosError::InvalidInput(_) => ErrorCode::InvalidInput,
            PosError::NoReturnUrl => ErrorCode::NoReturnUrl,
            PosError::Sandbox(_) => ErrorCode::Sandbox,
            PosError::WaitTimedOut(_) => ErrorCode::WaitTimedOut,
            PosError::NoWebhookSecret => ErrorCode::NoWebhookSecret,
            PosError::Listener(_) => ErrorCode::Listener,
            PosError::SelfTest(_) => ErrorCode::SelfTest,
            PosError::Export(_) => ErrorCode::ExportFailed,
            PosError::PinInvalid => ErrorCode::PinInvalid,
            PosError::PinRequired => ErrorCode::ManagerRequired,
            PosError::PinNotSet => ErrorCode::PinNotSet,
            PosError::PinWrong { .. } => ErrorCode::PinWrong,
            PosError::PinLocked { .. } => ErrorCode::PinLocked,
            PosError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The sale this error left behind, if one was recorded.
    pub fn sale(&self) -> Option<&Sale> {
        match self {
            PosError::CreateFailed { sale, .. } => Some(sale),
            _ => None,
        }
    }
}

/// What a person is told when Recur refused or could not be reached.
pub fn recur_code(error: &RecurError) -> ErrorCode {
    match error {
        RecurError::Unauthorized { .. } => ErrorCode::RecurUnauthorized,
        RecurError::Forbidden { .. } => ErrorCode::RecurForbidden,
        RecurError::NotFound { .. } => ErrorCode::RecurNotFound,
        RecurError::InvalidRequest { .. } => ErrorCode::RecurInvalidRequest,
        RecurError::Conflict { .. } => ErrorCode::RecurConflict,
        RecurError::RateLimited { .. } => ErrorCode::RecurRateLimited,
        RecurError::Server { .. } => ErrorCode::RecurServer,
        RecurError::Timeout => ErrorCode::RecurTimeout,
        RecurError::Network { .. } => ErrorCode::RecurNetwork,
        RecurError::Undecodable { .. } => ErrorCode::RecurUndecodable,
        RecurError::PublishableKey => ErrorCode::RecurPublishableKey,
        RecurError::Config { .. } => ErrorCode::RecurConfig,
    }
}

fn ledger_code(error: &LedgerError) -> ErrorCode {
    match error {
        LedgerError::SaleNotFound(_) => ErrorCode::SaleNotFound,
        LedgerError::EventNotFound(_) => ErrorCode::EventNotFound,
        LedgerError::Transition(_) => ErrorCode::InvalidTransition,
        LedgerError::SchemaTooNew { .. } => ErrorCode::LedgerTooNew,
        LedgerError::CashShort { .. } => ErrorCode::CashShort,
        LedgerError::DayClosed { .. } => ErrorCode::DayClosed,
        LedgerError::OtherEnvironment { .. } => ErrorCode::LedgerOtherEnvironment,
        LedgerError::NotEmpty(_) => ErrorCode::InvalidInput,
        LedgerError::PrintJobNotFound(_) => ErrorCode::PrintJobNotFound,
        LedgerError::NotALedger { .. } => ErrorCode::BackupNotALedger,
        LedgerError::BackupCorrupt { .. } => ErrorCode::BackupCorrupt,
        LedgerError::InUse(_) => ErrorCode::LedgerInUse,
        LedgerError::File { .. } => ErrorCode::BackupFailed,
        LedgerError::Unreachable { .. } => ErrorCode::LedgerUnreachable,
        LedgerError::SharedLedger(_) => ErrorCode::LedgerShared,
        LedgerError::Database(_)
        | LedgerError::Folder { .. }
        | LedgerError::CheckoutConflict { .. }
        | LedgerError::Corrupt(_) => ErrorCode::Ledger,
    }
}
