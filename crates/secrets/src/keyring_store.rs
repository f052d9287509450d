//! [`KeyringStore`]: secrets in the OS keyring through `keyring` 3.
//!
//! On Linux that is the Secret Service over D-Bus (GNOME Keyring, KWallet); on macOS the
//! Keychain; on Windows the Credential Manager. Every call goes to the OS: nothing is cached
//! in this process and nothing is ever written to a file as a fallback.

use recur_domain::Secret;

use crate::{check_name, SecretStore, SecretsError};

/// The keyring "service" the app's entries live under.
pub const DEFAULT_SERVICE: &str = "tw.recur.pos";

/// One keyring service; each secret name is one entry ("user") in it.
#[derive(Clone, Debug)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// The app's own entries.
    pub fn new() -> KeyringStore {
        KeyringStore::with_service(DEFAULT_SERVICE)
    }

    /// Entries under another service name (tests use their own, so they never touch the app's).
    pub fn with_service(service: impl Into<String>) -> KeyringStore {
        KeyringStore {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, SecretsError> {
        check_name(name)?;
        keyring::Entry::new(&self.service, name).map_err(|e| classify(name, e))
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        KeyringStore::new()
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, name: &str) -> Result<Option<Secret>, SecretsError> {
        match self.entry(name)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(classify(name, e)),
        }
    }

    fn set(&self, name: &str, value: &Secret) -> Result<(), SecretsError> {
        self.entry(name)?
            .set_password(value.expose())
            .map_err(|e| classify(name, e))
    }

    fn delete(&self, name: &str) -> Result<(), SecretsError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(name, e)),
        }
    }
}

/// Maps the keyring's error to ours. The keyring's text goes to the log only as a kind: some
/// platform errors echo attributes, and none of it helps the person at the counter.
fn classify(name: &str, error: keyring::Error) -> SecretsError {
    tracing::warn!(entry = name, error = %error, "keyring call failed");
    match error {
        keyring::Error::NoStorageAccess(e) => SecretsError::Locked(e.to_string()),
        keyring::Error::PlatformFailure(e) => SecretsError::Unavailable(e.to_string()),
        keyring::Error::BadEncoding(_) | keyring::Error::Ambiguous(_) => SecretsError::Corrupt(name.to_owned()),
        keyring::Error::TooLong(..) | keyring::Error::Invalid(..) => SecretsError::InvalidName(name.to_owned()),
        other => SecretsError::Unavailable(other.to_string()),
    }
}
