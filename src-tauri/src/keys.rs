//! Where the counter's keys come from: environment variables first (headless machines and
//! tests), else the OS keyring (what Settings saves). With neither, the counter runs on the
//! embedded sandbox.
//!
//! Keys stay in [`Secret`]s: only [`Secret::masked`] text leaves this module for the UI.
//! Not here: talking to Recur with them (the core) or storing them (`recur-secrets`).

use recur_domain::Secret;
use recur_pos_core::Config;
use recur_secrets::{SecretStore, RECUR_SECRET_KEY, WEBHOOK_SECRET};

use crate::dto::KeyDto;

pub const ENV_SECRET_KEY: &str = "RECUR_SECRET_KEY";
pub const ENV_WEBHOOK_SECRET: &str = "RECUR_WEBHOOK_SECRET";

/// Where a key came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Env,
    Keyring,
}

/// The keys found at start-up.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    pub secret_key: Option<(Secret, Source)>,
    pub webhook_secret: Option<(Secret, Source)>,
    /// `None` when the keyring answered; else its error code.
    pub keyring_error: Option<String>,
}

/// What Settings may show about the keys: masks and sources, never values.
#[derive(Clone, Debug)]
pub struct KeyInfo {
    pub secret_key: KeyDto,
    pub webhook_secret: KeyDto,
    pub keyring: String,
}

impl Default for KeyInfo {
    fn default() -> Self {
        let none = KeyDto {
            masked: None,
            source: "none",
        };
        KeyInfo {
            secret_key: none.clone(),
            webhook_secret: none,
            keyring: "ok".into(),
        }
    }
}

/// Reads both keys: `env` first, then `store`. A keyring that fails is reported, not fatal:
/// the counter still opens (on the env key, or the embedded sandbox).
pub fn load(store: &dyn SecretStore, env: &dyn Fn(&str) -> Option<String>) -> Keys {
    let mut keys = Keys::default();
    let mut one = |env_name: &str, store_name: &str| -> Option<(Secret, Source)> {
        if let Some(value) = env(env_name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
            return Some((Secret::new(value), Source::Env));
        }
        match store.get(store_name) {
            Ok(found) => found
                .filter(|s| !s.expose().trim().is_empty())
                .map(|s| (s, Source::Keyring)),
            Err(e) => {
                tracing::warn!(code = e.code(), "the keyring could not be read");
                keys.keyring_error.get_or_insert_with(|| e.code().to_owned());
                None
            }
        }
    };
    let secret_key = one(ENV_SECRET_KEY, RECUR_SECRET_KEY);
    let webhook_secret = one(ENV_WEBHOOK_SECRET, WEBHOOK_SECRET);
    Keys {
        secret_key,
        webhook_secret,
        ..keys
    }
}

impl Keys {
    /// The core's configuration: the environment, with the keyring's keys filling the key
    /// variables the environment leaves unset.
    pub fn config(&self, env: &dyn Fn(&str) -> Option<String>) -> Config {
        Config::from_lookup(|name| match name {
            ENV_SECRET_KEY => self.secret_key.as_ref().map(|(s, _)| s.expose().to_owned()),
            ENV_WEBHOOK_SECRET => self.webhook_secret.as_ref().map(|(s, _)| s.expose().to_owned()),
            other => env(other),
        })
    }

    pub fn info(&self) -> KeyInfo {
        let dto = |key: &Option<(Secret, Source)>| KeyDto {
            masked: key.as_ref().map(|(s, _)| s.masked()),
            source: match key {
                Some((_, Source::Env)) => "env",
                Some((_, Source::Keyring)) => "keyring",
                None => "none",
            },
        };
        KeyInfo {
            secret_key: dto(&self.secret_key),
            webhook_secret: dto(&self.webhook_secret),
            keyring: self.keyring_error.clone().unwrap_or_else(|| "ok".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use recur_pos_core::Backend;
    use recur_secrets::MemoryStore;

    use super::*;

    type Vars = &'static [(&'static str, &'static str)];

    fn env_of(vars: Vars) -> impl Fn(&str) -> Option<String> {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn the_environment_wins_then_the_keyring_then_the_sandbox() {
        let stored = MemoryStore::new();
        stored
            .set(RECUR_SECRET_KEY, &Secret::new("sk_test_fromkeyring1234"))
            .unwrap();
        let empty = MemoryStore::new();
        let cases: [(&MemoryStore, Vars, Option<&str>, &str); 4] = [
            (
                &stored,
                &[("RECUR_SECRET_KEY", "sk_live_fromenv9876")],
                Some("sk_live_fromenv9876"),
                "env",
            ),
            (&stored, &[], Some("sk_test_fromkeyring1234"), "keyring"),
            (
                &stored,
                &[("RECUR_SECRET_KEY", "  ")],
                Some("sk_test_fromkeyring1234"),
                "keyring",
            ),
            (&empty, &[], None, "none"),
        ];
        for (store, vars, expected, source) in cases {
            let env = env_of(vars);
            let keys = load(store, &env);
            let config = keys.config(&env);
            match expected {
                Some(key) => assert!(
                    matches!(&config.backend, Backend::Remote { secret_key, .. } if secret_key.expose() == key),
                    "{vars:?}"
                ),
                None => assert_eq!(config.backend, Backend::EmbeddedSandbox),
            }
            assert_eq!(keys.info().secret_key.source, source, "{vars:?}");
        }
    }

    #[test]
    fn a_missing_keyring_is_reported_and_the_sandbox_still_opens() {
        let env = env_of(&[]);
        let keys = load(&MemoryStore::unavailable(), &env);
        assert_eq!(keys.config(&env).backend, Backend::EmbeddedSandbox);
        assert_eq!(keys.info().keyring, "keyring_unavailable");
    }

    #[test]
    fn settings_see_masks_only() {
        let env = env_of(&[
            ("RECUR_SECRET_KEY", "sk_test_abcdefgh1234"),
            ("RECUR_WEBHOOK_SECRET", "whsec_zzzzzzzz5678"),
        ]);
        let info = load(&MemoryStore::new(), &env).info();
        assert_eq!(info.secret_key.masked.as_deref(), Some("sk_test_••••••••1234"));
        assert_eq!(info.webhook_secret.masked.as_deref(), Some("whsec_••••••••5678"));
    }
}
