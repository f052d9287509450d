//! The one error of the use cases, with stable codes the UI and the CLI translate.

use recur_client::RecurError;
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
}

impl PosError {
    /// Stable, for translation tables and scripts; never parse the message.
    pub fn code(&self) -> String {
        match self {
            PosError::Recur(e) | PosError::CreateFailed { source: e, .. } => format!("recur.{}", e.code()),
            PosError::Ledger(_) => "ledger".into(),
            PosError::ProductNotFound(_) => "product_not_found".into(),
            PosError::ProductInactive { .. } => "product_inactive".into(),
            PosError::ModeNotAllowed { .. } => "mode_not_allowed".into(),
            PosError::SaleNotFound(_) => "sale_not_found".into(),
            PosError::InvalidInput(_) => "invalid_input".into(),
            PosError::NoReturnUrl => "no_return_url".into(),
            PosError::Sandbox(_) => "sandbox".into(),
            PosError::WaitTimedOut(_) => "wait_timed_out".into(),
            PosError::NoWebhookSecret => "no_webhook_secret".into(),
            PosError::Listener(_) => "listener".into(),
            PosError::SelfTest(_) => "self_test".into(),
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
