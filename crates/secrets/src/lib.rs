//! Where Recur POS keeps its secrets (the Recur secret key, the webhook secret): the OS keyring.
//!
//! [`SecretStore`] is the one interface; [`KeyringStore`] is the real store (Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows, through `keyring` 3) and
//! [`MemoryStore`] the in-memory store for tests. When a machine has no keyring, the keyring
//! store says so with [`SecretsError::Unavailable`]: it never falls back to a file, so a secret
//! is never written to disk in plaintext. Headless machines pass keys in environment variables
//! instead (the app's documented fallback, handled by the app, not here).
//!
//! Not here: which key is in use, masking for display ([`recur_domain::Secret::masked`]) or any
//! UI. Secret values never reach a log or an error message.

mod error;
mod keyring_store;
mod memory;

pub use error::SecretsError;
pub use keyring_store::KeyringStore;
pub use memory::MemoryStore;

use recur_domain::Secret;

/// The name of the Recur secret key (`sk_test_…` / `sk_live_…`) in a store.
pub const RECUR_SECRET_KEY: &str = "recur-secret-key";
/// The name of the webhook signing secret (`whsec_…`) in a store.
pub const WEBHOOK_SECRET: &str = "recur-webhook-secret";
/// The name of the tunnel program's token (cloudflared's `--token`, ngrok's authtoken).
pub const TUNNEL_TOKEN: &str = "recur-tunnel-token";
/// The name of the shop's shared ledger's (PostgreSQL) password.
pub const DB_PASSWORD: &str = "recur-pos-db-password";

/// Named secrets, kept somewhere safer than a file.
///
/// Names are short ASCII identifiers such as [`RECUR_SECRET_KEY`]; implementations reject
/// anything else with [`SecretsError::InvalidName`].
pub trait SecretStore: Send + Sync {
    /// The secret stored under `name`, or `None` when there is none.
    fn get(&self, name: &str) -> Result<Option<Secret>, SecretsError>;
    /// Stores `value` under `name`, replacing any earlier value.
    fn set(&self, name: &str, value: &Secret) -> Result<(), SecretsError>;
    /// Forgets `name`; forgetting a name that holds nothing is not an error.
    fn delete(&self, name: &str) -> Result<(), SecretsError>;
}

/// Names are identifiers, not data: `[a-z0-9-]`, 1 to 64 characters.
pub(crate) fn check_name(name: &str) -> Result<(), SecretsError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(SecretsError::InvalidName(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_identifiers() {
        for good in [RECUR_SECRET_KEY, WEBHOOK_SECRET, "a", "k-2"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "Key", "a b", "a/b", "ключ", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
