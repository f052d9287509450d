//! The one error shape that crosses to the UI: `{"code": "...", "message": "..."}`.
//!
//! The code is the stable part: the UI maps it to a zh-TW or English sentence that says what
//! to do (ui/i18n/*.json, `errors.<code>`), and never parses the message. The message is for
//! the log and a "details" line; it never holds a secret (core errors are built that way).
//! Not here: which codes exist in the core (`PosError::code`, `SecretsError::code`).

use recur_pos_core::PosError;
use recur_secrets::SecretsError;
use serde::Serialize;

/// What a failed command returns to JavaScript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub code: String,
    pub message: String,
    /// The sale the failure left behind (a charge whose checkout could not be created), so
    /// the UI can offer "retry" on it instead of starting a second sale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<String>,
}

/// The shell's own codes (the core's come from `PosError::code` and `SecretsError::code`).
pub mod codes {
    /// The counter is still opening (the UI shows progress meanwhile).
    pub const STARTING: &str = "starting";
    /// Opening the counter failed; the message says why.
    pub const START_FAILED: &str = "start_failed";
    /// A key typed into Settings is not a Recur secret key.
    pub const INVALID_KEY: &str = "invalid_key";
    /// The system browser could not be opened.
    pub const OPEN_FAILED: &str = "open_failed";
    /// The customer display window could not be opened.
    pub const WINDOW_FAILED: &str = "window_failed";
    /// The sale has no checkout URL (yet), so there is nothing to show or open.
    pub const NO_CHECKOUT: &str = "no_checkout";
    /// The tunnel has no public URL (not configured, or not up yet).
    pub const NO_TUNNEL: &str = "no_tunnel";
    /// The tunnel command cannot be run (empty, or an unclosed quote).
    pub const INVALID_TUNNEL_COMMAND: &str = "invalid_tunnel_command";
    /// No webhook listener runs, so a tunnel would have nothing to point at.
    pub const NO_LISTENER: &str = "no_listener";
    /// settings.json could not be written (the folder is read-only or full).
    pub const SETTINGS_NOT_SAVED: &str = "settings_not_saved";
    /// Something unexpected in the shell itself.
    pub const INTERNAL: &str = "internal";

    #[cfg_attr(not(test), allow(dead_code))]
    pub const ALL: [&str; 11] = [
        STARTING,
        START_FAILED,
        INVALID_KEY,
        OPEN_FAILED,
        WINDOW_FAILED,
        NO_CHECKOUT,
        NO_TUNNEL,
        INVALID_TUNNEL_COMMAND,
        NO_LISTENER,
        SETTINGS_NOT_SAVED,
        INTERNAL,
    ];
}

impl CommandError {
    pub fn new(code: &str, message: impl Into<String>) -> CommandError {
        CommandError {
            code: code.to_owned(),
            message: message.into(),
            sale_id: None,
        }
    }

    pub fn starting() -> CommandError {
        CommandError::new(codes::STARTING, "the counter is still starting")
    }
}

impl From<PosError> for CommandError {
    fn from(error: PosError) -> CommandError {
        tracing::warn!(code = %error.code(), %error, "command failed");
        CommandError {
            code: error.code(),
            message: error.to_string(),
            sale_id: error.sale().map(|s| s.id.to_string()),
        }
    }
}

impl From<SecretsError> for CommandError {
    fn from(error: SecretsError) -> CommandError {
        tracing::warn!(code = error.code(), %error, "keyring call failed");
        CommandError::new(error.code(), error.to_string())
    }
}

#[cfg(test)]
mod tests;
