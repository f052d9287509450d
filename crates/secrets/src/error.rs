//! The errors of secret storage, with stable codes for the UI.
//!
//! Messages name what went wrong and what to do; they never contain a secret value (the
//! keyring's own error text is logged by the caller's tracing, not shown).

/// Why a secret could not be read, stored or deleted.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// There is no usable keyring on this machine (no Secret Service, no D-Bus session, …).
    /// Nothing was written anywhere: set the key in an environment variable instead.
    #[error("no OS keyring is available ({0}); secrets are never stored in plaintext: set RECUR_SECRET_KEY in the environment instead")]
    Unavailable(String),
    /// The keyring exists but refused access (locked, or the user declined).
    #[error("the OS keyring refused access ({0}); unlock it and try again")]
    Locked(String),
    /// The keyring holds something under this name that is not a usable secret.
    #[error("the keyring entry {0} is unreadable or ambiguous; delete it and enter the key again")]
    Corrupt(String),
    #[error("{0:?} is not a valid secret name")]
    InvalidName(String),
}

impl SecretsError {
    /// Stable, for translation tables; never parse the message.
    pub fn code(&self) -> &'static str {
        match self {
            SecretsError::Unavailable(_) => "keyring_unavailable",
            SecretsError::Locked(_) => "keyring_locked",
            SecretsError::Corrupt(_) => "keyring_corrupt",
            SecretsError::InvalidName(_) => "keyring_invalid_name",
        }
    }

    /// The code a person is told (the same words as [`SecretsError::code`]).
    pub fn error_code(&self) -> recur_domain::ErrorCode {
        use recur_domain::ErrorCode;
        match self {
            SecretsError::Unavailable(_) => ErrorCode::KeyringUnavailable,
            SecretsError::Locked(_) => ErrorCode::KeyringLocked,
            SecretsError::Corrupt(_) => ErrorCode::KeyringCorrupt,
            SecretsError::InvalidName(_) => ErrorCode::KeyringInvalidName,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_error_codes_people_see() {
        let all = [
            SecretsError::Unavailable(String::new()),
            SecretsError::Locked(String::new()),
            SecretsError::Corrupt(String::new()),
            SecretsError::InvalidName(String::new()),
        ];
        for e in all {
            assert_eq!(e.code(), e.error_code().as_str());
        }
    }
}
