//! The one error shape that crosses to the UI: `{"code": "...", "message": "...", "sale_id"?}`.
//!
//! The code is an [`ErrorCode`]: the UI maps it to a zh-TW or English sentence that says what
//! to do (ui/i18n/*.json, `errors.<code>`), and never parses the message. The message is for
//! the log and a "details" line; it never holds a secret (core errors are built that way).
//! Not here: which codes exist (`recur_domain::ErrorCode`) or when they happen (the core).

use recur_domain::ErrorCode;
use recur_pos_app::AppError;
use recur_pos_core::PosError;
use serde::{Serialize, Serializer};

/// What a failed command returns to JavaScript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommandError {
    #[serde(serialize_with = "code_text")]
    pub code: ErrorCode,
    pub message: String,
    /// The sale the failure left behind (a charge whose checkout could not be created), so
    /// the UI can offer "retry" on it instead of starting a second sale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<String>,
}

fn code_text<S: Serializer>(code: &ErrorCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.as_str())
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> CommandError {
        CommandError {
            code,
            message: message.into(),
            sale_id: None,
        }
    }
}

impl From<AppError> for CommandError {
    fn from(error: AppError) -> CommandError {
        tracing::warn!(code = %error.code(), %error, "command failed");
        CommandError {
            code: error.code(),
            message: error.to_string(),
            sale_id: error.sale().map(|s| s.id.to_string()),
        }
    }
}

impl From<PosError> for CommandError {
    fn from(error: PosError) -> CommandError {
        CommandError::from(AppError::Pos(error))
    }
}

#[cfg(test)]
mod tests {
    use recur_client::RecurError;
    use recur_ledger::{Sale, SaleFilter};

    use super::*;

    #[test]
    fn a_failed_create_names_its_sale_and_the_code_serializes_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = recur_ledger::Ledger::open(&dir.path().join("l.db")).unwrap();
        let new = recur_ledger::NewSale {
            product_id: "prod_latte".into(),
            product_name: "拿鐵".into(),
            mode: recur_domain::Mode::Payment,
            amount: recur_domain::Money::new(120),
            currency: recur_domain::Currency::twd(),
            customer_email: None,
            customer_name: None,
        };
        let sale: Sale = ledger.create_sale(new, recur_domain::Timestamp::now()).unwrap();
        assert_eq!(ledger.sales(&SaleFilter::default()).unwrap().len(), 1);
        let error = PosError::CreateFailed {
            sale: Box::new(sale.clone()),
            source: RecurError::Timeout,
        };
        let command = CommandError::from(error);
        assert_eq!(command.sale_id.as_deref(), Some(sale.id.as_str()));
        let json = serde_json::to_value(&command).unwrap();
        assert_eq!(json["code"], "recur.timeout");
        let plain = CommandError::from(PosError::Recur(RecurError::Timeout));
        assert_eq!(plain.sale_id, None);
        assert!(serde_json::to_value(&plain).unwrap().get("sale_id").is_none());
    }
}
