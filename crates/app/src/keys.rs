//! Where the counter's keys come from, for the window and the command line alike: environment
//! variables first (headless machines and tests), else the OS keyring (what Settings and
//! `recur-pos keys set` save). With neither, the counter runs on the embedded sandbox.
//!
//! Keys stay in [`Secret`]s; only masked text ([`KeyStatus`]) leaves this module. Typed keys
//! are checked before they are stored: a secret key by its shape and a real call to Recur's
//! products endpoint, a webhook secret by its shape. Every keyring call runs on a blocking
//! thread with a deadline, because a locked collection can wait forever on a prompt nobody
//! sees. Not here: talking to Recur with the keys (the core) or the store itself
//! (`recur-secrets`).

use std::sync::Arc;
use std::time::Duration;

use recur_client::{ClientConfig, Environment, RecurClient};
use recur_domain::{ErrorCode, Secret};
use recur_pos_core::{Config, DEFAULT_API_BASE};
use recur_secrets::{SecretStore, SecretsError, DB_PASSWORD, RECUR_SECRET_KEY, TUNNEL_TOKEN, WEBHOOK_SECRET};

use crate::env::{self, Env};
use crate::error::AppError;
use crate::settings::SettingsFile;

/// How long a keyring call may take.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(5);

/// The secrets the app keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyName {
    /// `sk_test_…` / `sk_live_…`.
    SecretKey,
    /// `whsec_…`.
    WebhookSecret,
    /// The tunnel program's token, typed into its command and taken out of it.
    TunnelToken,
}

impl KeyName {
    fn entry(self) -> &'static str {
        match self {
            KeyName::SecretKey => RECUR_SECRET_KEY,
            KeyName::WebhookSecret => WEBHOOK_SECRET,
            KeyName::TunnelToken => TUNNEL_TOKEN,
        }
    }

    fn variable(self) -> &'static str {
        match self {
            KeyName::SecretKey => env::SECRET_KEY,
            KeyName::WebhookSecret => env::WEBHOOK_SECRET,
            KeyName::TunnelToken => env::TUNNEL_TOKEN,
        }
    }
}

/// Where a key in use came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    Env,
    Keyring,
    None,
}

impl KeySource {
    /// `env`, `keyring` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeySource::Env => "env",
            KeySource::Keyring => "keyring",
            KeySource::None => "none",
        }
    }
}

/// The keys found, with where each came from.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    pub secret_key: Option<(Secret, KeySource)>,
    pub webhook_secret: Option<(Secret, KeySource)>,
    /// Why the keyring could not be read, when it could not.
    pub keyring_error: Option<ErrorCode>,
}

/// What may be shown about one key: where it comes from and a mask, never the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    pub source: KeySource,
    /// `sk_test_••••••••1234`.
    pub masked: Option<String>,
}

/// What may be shown about both keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyStatus {
    pub secret_key: KeyInfo,
    pub webhook_secret: KeyInfo,
    /// `None` when the keyring answered.
    pub keyring_error: Option<ErrorCode>,
}

impl Default for KeyStatus {
    fn default() -> Self {
        Keys::default().status()
    }
}

/// Reads both keys: the environment first, then `store`. A keyring that fails is reported,
/// not fatal: the counter still opens (on the environment's key, or the embedded sandbox).
pub fn load(store: &dyn SecretStore, env: &Env) -> Keys {
    let mut keyring_error = None;
    let mut one = |name: KeyName| -> Option<(Secret, KeySource)> {
        if let Some(value) = env.get(name.variable()) {
            return Some((Secret::new(value), KeySource::Env));
        }
        match store.get(name.entry()) {
            Ok(found) => found
                .filter(|s| !s.expose().trim().is_empty())
                .map(|s| (s, KeySource::Keyring)),
            Err(e) => {
                tracing::warn!(code = e.code(), "the keyring could not be read");
                keyring_error.get_or_insert(e.error_code());
                None
            }
        }
    };
    let secret_key = one(KeyName::SecretKey);
    let webhook_secret = one(KeyName::WebhookSecret);
    Keys {
        secret_key,
        webhook_secret,
        keyring_error,
    }
}

/// [`load`] on a blocking thread, giving up on the keyring after [`KEYRING_TIMEOUT`] (then
/// only the environment's keys are used, and the status says the keyring is locked).
pub async fn read(store: Arc<dyn SecretStore>, env: Env) -> Keys {
    let env_for_read = env.clone();
    let read = tokio::task::spawn_blocking(move || load(store.as_ref(), &env_for_read));
    let fallback = |code: ErrorCode| {
        let mut keys = load(&recur_secrets::MemoryStore::new(), &env);
        keys.keyring_error = Some(code);
        keys
    };
    match tokio::time::timeout(KEYRING_TIMEOUT, read).await {
        Ok(Ok(keys)) => keys,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "reading the keys panicked");
            fallback(ErrorCode::KeyringUnavailable)
        }
        Err(_) => {
            tracing::warn!("the keyring did not answer in time; using the environment only");
            fallback(ErrorCode::KeyringLocked)
        }
    }
}

impl Keys {
    /// The core's configuration: the environment, with the keys found here filling the key
    /// variables, and settings.json's API base and phone-test switch where the environment
    /// sets none, and the shop and counter names the same way.
    pub fn config(&self, env: &Env, settings: &SettingsFile) -> Config {
        let api_base = settings.api_base();
        let phone_test = settings.phone_test().value;
        let joined = settings.shared_ledger().value;
        let (shop, counter) = (settings.sale_shop().value, settings.sale_counter().value);
        let mut config = Config::from_lookup(|name| match name {
            env::SECRET_KEY => self.secret_key.as_ref().map(|(s, _)| s.expose().to_owned()),
            env::WEBHOOK_SECRET => self.webhook_secret.as_ref().map(|(s, _)| s.expose().to_owned()),
            env::API_BASE => api_base.clone(),
            env::PHONE_TEST => phone_test.then(|| "1".to_owned()),
            env::DB => env.get(env::DB).or_else(|| joined.clone()),
            env::SHOP => Some(shop.clone()),
            env::COUNTER => Some(counter.clone()),
            other => env.get(other),
        });
        if config.shared_ledger() {
            let file = format!("outbox-{}.db", config.environment_name());
            config.outbox_path = Some(env::local_folder(env, &config.db_path).join(file));
        }
        config
    }

    /// Why the counter must not open on these keys: a key was stored in the keyring
    /// (`stored`), the keyring could not be read, and the environment gives no secret key of
    /// its own — opening would silently fall back to the sandbox.
    pub fn unreadable_stored_key(&self, stored: bool) -> Option<ErrorCode> {
        let from_env = matches!(self.secret_key, Some((_, KeySource::Env)));
        self.keyring_error.filter(|_| stored && !from_env)
    }

    pub fn status(&self) -> KeyStatus {
        let info = |key: &Option<(Secret, KeySource)>| KeyInfo {
            source: key.as_ref().map_or(KeySource::None, |(_, source)| *source),
            masked: key.as_ref().map(|(s, _)| s.masked()),
        };
        KeyStatus {
            secret_key: info(&self.secret_key),
            webhook_secret: info(&self.webhook_secret),
            keyring_error: self.keyring_error,
        }
    }
}

/// A webhook secret as Recur's dashboard shows it: `whsec_` and printable characters.
pub fn check_webhook_secret(text: &str) -> Result<Secret, AppError> {
    let key = text.trim();
    let well_formed =
        key.starts_with("whsec_") && key.len() > "whsec_".len() && key.bytes().all(|b| b.is_ascii_graphic());
    if well_formed {
        Ok(Secret::new(key))
    } else {
        Err(AppError::InvalidKey(
            "a webhook secret starts with whsec_ and has no spaces",
        ))
    }
}

/// A secret key by its shape only (`sk_test_…` / `sk_live_…`).
pub fn check_secret_key_shape(text: &str) -> Result<(Secret, Environment), AppError> {
    let key = text.trim();
    match recur_client::environment_of(key) {
        Ok(environment) => Ok((Secret::new(key), environment)),
        Err(_) => Err(AppError::InvalidKey(
            "a secret key starts with sk_test_ or sk_live_ and has no spaces",
        )),
    }
}

/// A secret key by its shape and by asking Recur (at `api_base`, default Recur's own) for one
/// page of products with it: a key Recur refuses is never stored.
pub async fn check_secret_key(text: &str, api_base: Option<&str>) -> Result<(Secret, Environment), AppError> {
    let (key, environment) = check_secret_key_shape(text)?;
    let base = api_base.unwrap_or(DEFAULT_API_BASE);
    let client = RecurClient::new(ClientConfig::new(base, key.clone())).map_err(recur_failure)?;
    client.list_products(Some(1), None).await.map_err(recur_failure)?;
    Ok((key, environment))
}

fn recur_failure(e: recur_client::RecurError) -> AppError {
    AppError::Pos(recur_pos_core::PosError::Recur(e))
}

/// Stores `value` under `name` in the keyring.
pub async fn save(store: Arc<dyn SecretStore>, name: KeyName, value: Secret) -> Result<(), AppError> {
    with_keyring(move || store.set(name.entry(), &value)).await
}

/// Saves the secret `name` (one of `recur_secrets`' names) in the keyring, with a deadline.
pub async fn save_secret(store: Arc<dyn SecretStore>, name: &'static str, value: Secret) -> Result<(), AppError> {
    with_keyring(move || store.set(name, &value)).await
}

/// The shared ledger's password from the keyring, for a counter that joined a shop and has
/// none from the environment (read only then: most counters have no such entry).
pub async fn db_password(store: Arc<dyn SecretStore>) -> Option<Secret> {
    let read = tokio::task::spawn_blocking(move || store.get(DB_PASSWORD));
    match tokio::time::timeout(KEYRING_TIMEOUT, read).await {
        Ok(Ok(Ok(found))) => found.filter(|s| !s.expose().is_empty()),
        Ok(Ok(Err(e))) => {
            tracing::warn!(
                code = e.code(),
                "the shared ledger's password could not be read from the keyring"
            );
            None
        }
        _ => None,
    }
}

/// Forgets the secret `name`, with a deadline.
pub async fn delete_secret(store: Arc<dyn SecretStore>, name: &'static str) -> Result<(), AppError> {
    with_keyring(move || store.delete(name)).await
}

/// Forgets both keys in the keyring.
pub async fn clear(store: Arc<dyn SecretStore>) -> Result<(), AppError> {
    with_keyring(move || {
        store.delete(KeyName::SecretKey.entry())?;
        store.delete(KeyName::WebhookSecret.entry())
    })
    .await
}

/// One secret: the environment's, else the keyring's. For callers off the async workers (the
/// tunnel starts on a blocking thread); gives up after [`KEYRING_TIMEOUT`].
pub fn get_blocking(store: &Arc<dyn SecretStore>, env: &Env, name: KeyName) -> Result<Option<Secret>, AppError> {
    if let Some(value) = env.get(name.variable()) {
        return Ok(Some(Secret::new(value)));
    }
    let store = Arc::clone(store);
    keyring_blocking(move || store.get(name.entry()))
}

/// Saves one secret, from a caller off the async workers; gives up after [`KEYRING_TIMEOUT`].
pub fn save_blocking(store: &Arc<dyn SecretStore>, name: KeyName, value: Secret) -> Result<(), AppError> {
    let store = Arc::clone(store);
    keyring_blocking(move || store.set(name.entry(), &value))
}

fn keyring_blocking<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, SecretsError> + Send + 'static,
) -> Result<T, AppError> {
    let (tx, rx) = std::sync::mpsc::channel();
    // A keyring stuck on a prompt keeps only this thread.
    std::thread::spawn(move || {
        let _ = tx.send(call());
    });
    match rx.recv_timeout(KEYRING_TIMEOUT) {
        Ok(result) => Ok(result?),
        Err(_) => Err(AppError::KeyringTimeout),
    }
}

/// Runs a keyring call off the async workers, giving up after [`KEYRING_TIMEOUT`].
async fn with_keyring(call: impl FnOnce() -> Result<(), SecretsError> + Send + 'static) -> Result<(), AppError> {
    let work = tokio::task::spawn_blocking(call);
    match tokio::time::timeout(KEYRING_TIMEOUT, work).await {
        Ok(Ok(result)) => Ok(result?),
        Ok(Err(e)) => Err(AppError::Internal(e.to_string())),
        Err(_) => Err(AppError::KeyringTimeout),
    }
}

/// The keyring the app uses: `RECUR_POS_KEYRING_SERVICE`'s namespace, else the app's own.
pub fn keyring(env: &Env) -> Arc<dyn SecretStore> {
    match env.get(env::KEYRING_SERVICE) {
        Some(service) => Arc::new(recur_secrets::KeyringStore::with_service(service)),
        None => Arc::new(recur_secrets::KeyringStore::new()),
    }
}

#[cfg(test)]
mod tests {
    use recur_pos_core::Backend;
    use recur_secrets::MemoryStore;

    use super::*;

    fn settings(dir: &std::path::Path) -> SettingsFile {
        SettingsFile::open_beside(&dir.join("ledger.db"), Env::from_pairs(&[]))
    }

    #[test]
    fn the_environment_wins_then_the_keyring_then_the_sandbox() {
        let dir = tempfile::tempdir().unwrap();
        let stored = MemoryStore::new();
        stored
            .set(RECUR_SECRET_KEY, &Secret::new("sk_test_fromkeyring1234"))
            .unwrap();
        let empty = MemoryStore::new();
        type Case<'a> = (&'a MemoryStore, &'a [(&'a str, &'a str)], Option<&'a str>, KeySource);
        let cases: [Case; 4] = [
            (
                &stored,
                &[("RECUR_SECRET_KEY", "sk_live_fromenv9876")],
                Some("sk_live_fromenv9876"),
                KeySource::Env,
            ),
            (&stored, &[], Some("sk_test_fromkeyring1234"), KeySource::Keyring),
            (
                &stored,
                &[("RECUR_SECRET_KEY", "  ")],
                Some("sk_test_fromkeyring1234"),
                KeySource::Keyring,
            ),
            (&empty, &[], None, KeySource::None),
        ];
        for (store, vars, expected, source) in cases {
            let env = Env::from_pairs(vars);
            let keys = load(store, &env);
            let config = keys.config(&env, &settings(dir.path()));
            match expected {
                Some(key) => assert!(
                    matches!(&config.backend, Backend::Remote { secret_key, .. } if secret_key.expose() == key),
                    "{vars:?}"
                ),
                None => assert_eq!(config.backend, Backend::EmbeddedSandbox),
            }
            assert_eq!(keys.status().secret_key.source, source, "{vars:?}");
        }
    }

    #[test]
    fn a_saved_api_base_is_used_unless_the_environment_names_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = settings(dir.path());
        file.update(|s| s.api_base = Some("http://127.0.0.1:4010".into()))
            .unwrap();
        let stored = MemoryStore::new();
        stored.set(RECUR_SECRET_KEY, &Secret::new("sk_test_k")).unwrap();
        let keys = load(&stored, &Env::from_pairs(&[]));
        let base = |config: Config| match config.backend {
            Backend::Remote { base_url, .. } => base_url,
            Backend::EmbeddedSandbox => "sandbox".into(),
        };
        assert_eq!(base(keys.config(&Env::from_pairs(&[]), &file)), "http://127.0.0.1:4010");
        let file = SettingsFile::open_beside(
            &dir.path().join("ledger.db"),
            Env::from_pairs(&[("RECUR_API_BASE", "http://127.0.0.1:9")]),
        );
        assert_eq!(base(keys.config(&Env::from_pairs(&[]), &file)), "http://127.0.0.1:9");
    }

    #[test]
    fn a_missing_keyring_is_reported_and_the_sandbox_still_opens() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_pairs(&[]);
        let keys = load(&MemoryStore::unavailable(), &env);
        assert_eq!(
            keys.config(&env, &settings(dir.path())).backend,
            Backend::EmbeddedSandbox
        );
        assert_eq!(keys.status().keyring_error, Some(ErrorCode::KeyringUnavailable));
    }

    #[test]
    fn only_masks_leave_and_only_well_formed_keys_pass() {
        let env = Env::from_pairs(&[
            ("RECUR_SECRET_KEY", "sk_test_abcdefgh1234"),
            ("RECUR_WEBHOOK_SECRET", "whsec_zzzzzzzz5678"),
        ]);
        let status = load(&MemoryStore::new(), &env).status();
        assert_eq!(status.secret_key.masked.as_deref(), Some("sk_test_••••••••1234"));
        assert_eq!(status.webhook_secret.masked.as_deref(), Some("whsec_••••••••5678"));
        let secret_keys = [
            ("sk_test_abc123", true),
            (" sk_live_abc123 ", true),
            ("pk_test_abc123", false),
            ("sk_test_", false),
            ("sk_test_has space", false),
            ("whsec_abc", false),
        ];
        for (key, ok) in secret_keys {
            assert_eq!(check_secret_key_shape(key).is_ok(), ok, "{key}");
        }
        for (key, ok) in [
            ("whsec_abc", true),
            ("whsec_", false),
            ("sk_test_abc", false),
            ("whsec_a b", false),
        ] {
            assert_eq!(check_webhook_secret(key).is_ok(), ok, "{key}");
        }
        let error = check_secret_key_shape("pk_live_secret9").unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidKey);
        assert!(
            !error.to_string().contains("pk_live_secret9"),
            "the key never comes back"
        );
    }
}
