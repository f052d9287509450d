//! Where the counter's settings come from when it runs headless: the environment.
//!
//! `RECUR_POS_DB` (the ledger: a file, or the shop's `postgres://` URL — its password from the
//! URL, `RECUR_POS_DB_PASSWORD`, the keyring or `PGPASSWORD`), `RECUR_API_BASE` (Recur or a sandbox), `RECUR_SECRET_KEY`,
//! `RECUR_WEBHOOK_SECRET`, `RECUR_POS_SUCCESS_URL` / `RECUR_POS_CANCEL_URL` (return pages).
//! With no secret key the counter runs against the embedded sandbox.

use std::path::PathBuf;
use std::time::Duration;

use recur_domain::Secret;

/// What the counter talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// No key configured: an in-process sandbox on loopback, offline.
    EmbeddedSandbox,
    /// A Recur API (real, or a sandbox started elsewhere) at `base_url` with `secret_key`.
    Remote { base_url: String, secret_key: Secret },
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Where the ledger is: a file path, or a `postgres://` URL for the shop's shared ledger.
    pub db_path: PathBuf,
    /// The shared ledger's password when its URL names none (the app fills it from the keyring).
    pub db_password: Option<Secret>,
    /// A counter on the shared ledger: the file where cash sales wait while the database is
    /// away (the app puts it in the counter's own folder). `None`: no outbox.
    pub outbox_path: Option<PathBuf>,
    pub backend: Backend,
    pub webhook_secret: Option<Secret>,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    /// How often an open session is read while someone waits for it.
    pub poll_interval: Duration,
    /// Phone-test mode: the embedded sandbox's checkout pages also listen on this LAN address,
    /// so a phone on the shop's Wi-Fi can scan the QR and pay. Off unless asked for.
    pub lan: Option<std::net::IpAddr>,
    /// `RECUR_POS_SHOP` and `RECUR_POS_COUNTER`: where this counter's sales are made (blank
    /// for a one-counter shop). Checked when the counter opens.
    pub shop: String,
    pub counter: String,
}

pub const DEFAULT_API_BASE: &str = "https://api.recur.tw";

impl Config {
    /// `live` for a live key, else `sandbox` (test keys and the embedded sandbox): the name of
    /// the environment whose files these are.
    pub fn environment_name(&self) -> &'static str {
        match &self.backend {
            Backend::Remote { secret_key, .. } => match recur_client::environment_of(secret_key.expose()) {
                Ok(recur_client::Environment::Live) => "live",
                _ => "sandbox",
            },
            Backend::EmbeddedSandbox => "sandbox",
        }
    }

    /// The ledger is the shop's shared one (PostgreSQL), not a file of this counter's own.
    pub fn shared_ledger(&self) -> bool {
        recur_ledger::is_shared_location(&self.db_path.to_string_lossy())
    }
}

impl Config {
    /// Reads the environment (see the module docs).
    pub fn from_env() -> Config {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// The same, from any variable lookup (for tests).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Config {
        let non_empty = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let backend = match non_empty("RECUR_SECRET_KEY") {
            None => Backend::EmbeddedSandbox,
            Some(key) => Backend::Remote {
                base_url: non_empty("RECUR_API_BASE").unwrap_or_else(|| DEFAULT_API_BASE.to_owned()),
                secret_key: Secret::new(key),
            },
        };
        let poll_ms = non_empty("RECUR_POS_POLL_MS")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(2000)
            .max(50);
        Config {
            db_path: non_empty("RECUR_POS_DB")
                .map(PathBuf::from)
                .unwrap_or_else(|| default_ledger(&backend)),
            db_password: non_empty("RECUR_POS_DB_PASSWORD").map(Secret::new),
            outbox_path: None,
            backend,
            webhook_secret: non_empty("RECUR_WEBHOOK_SECRET").map(Secret::new),
            success_url: non_empty("RECUR_POS_SUCCESS_URL"),
            cancel_url: non_empty("RECUR_POS_CANCEL_URL"),
            poll_interval: Duration::from_millis(poll_ms),
            lan: phone_test(&non_empty),
            shop: non_empty("RECUR_POS_SHOP").unwrap_or_default(),
            counter: non_empty("RECUR_POS_COUNTER").unwrap_or_default(),
        }
    }
}

/// The OS data folder's ledger of the backend's environment: live keys write `ledger.db`, test
/// keys and the embedded sandbox `ledger-sandbox.db`, so the two never share a file.
fn default_ledger(backend: &Backend) -> PathBuf {
    use recur_ledger::Ledger;
    match backend {
        Backend::Remote { secret_key, .. } => match recur_client::environment_of(secret_key.expose()) {
            Ok(recur_client::Environment::Live) => Ledger::data_folder().join("ledger.db"),
            _ => Ledger::default_sandbox_path(),
        },
        Backend::EmbeddedSandbox => Ledger::default_sandbox_path(),
    }
}

/// `RECUR_POS_PHONE_TEST=1` turns phone-test mode on, on the LAN address of the PC, or on
/// `RECUR_POS_LAN_ADDRESS` when set (tests use a loopback address such as 127.0.0.2).
fn phone_test(var: &dyn Fn(&str) -> Option<String>) -> Option<std::net::IpAddr> {
    let on = var("RECUR_POS_PHONE_TEST").is_some_and(|v| matches!(v.as_str(), "1" | "true" | "on" | "yes"));
    if !on {
        return None;
    }
    match var("RECUR_POS_LAN_ADDRESS") {
        Some(address) => address.parse().ok(),
        None => recur_sandbox::guess_lan_address(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn no_key_means_the_embedded_sandbox() {
        assert_eq!(config(&[]).backend, Backend::EmbeddedSandbox);
        assert_eq!(config(&[("RECUR_SECRET_KEY", "  ")]).backend, Backend::EmbeddedSandbox);
    }

    #[test]
    fn a_key_means_recur_at_the_default_or_configured_base() {
        let c = config(&[("RECUR_SECRET_KEY", "sk_live_x")]);
        assert_eq!(
            c.backend,
            Backend::Remote {
                base_url: DEFAULT_API_BASE.into(),
                secret_key: Secret::new("sk_live_x")
            }
        );
        let c = config(&[
            ("RECUR_SECRET_KEY", "sk_test_x"),
            ("RECUR_API_BASE", "http://127.0.0.1:9"),
        ]);
        assert!(matches!(c.backend, Backend::Remote { ref base_url, .. } if base_url == "http://127.0.0.1:9"));
    }

    #[test]
    fn live_and_sandbox_default_to_two_files_in_one_folder() {
        let live = config(&[("RECUR_SECRET_KEY", "sk_live_x")]).db_path;
        let test = config(&[("RECUR_SECRET_KEY", "sk_test_x")]).db_path;
        let embedded = config(&[]).db_path;
        assert!(live.ends_with("recur-pos/ledger.db"), "{}", live.display());
        assert!(test.ends_with("recur-pos/ledger-sandbox.db"), "{}", test.display());
        assert_eq!(
            test, embedded,
            "test keys and the embedded sandbox are both the sandbox"
        );
        assert_eq!(live.parent(), test.parent(), "settings.json sits beside both");
        let explicit = config(&[("RECUR_SECRET_KEY", "sk_live_x"), ("RECUR_POS_DB", "/tmp/x.db")]).db_path;
        assert_eq!(
            explicit,
            PathBuf::from("/tmp/x.db"),
            "RECUR_POS_DB names the file of either"
        );
    }

    #[test]
    fn phone_test_mode_is_off_unless_asked_for() {
        assert_eq!(config(&[]).lan, None);
        assert_eq!(config(&[("RECUR_POS_LAN_ADDRESS", "127.0.0.2")]).lan, None);
        let on = config(&[("RECUR_POS_PHONE_TEST", "1"), ("RECUR_POS_LAN_ADDRESS", "127.0.0.2")]);
        assert_eq!(on.lan, Some("127.0.0.2".parse().unwrap()));
    }

    #[test]
    fn paths_and_poll_interval_from_the_environment() {
        let c = config(&[("RECUR_POS_DB", "/tmp/x.db"), ("RECUR_POS_POLL_MS", "10")]);
        assert_eq!(c.db_path, PathBuf::from("/tmp/x.db"));
        assert_eq!(c.poll_interval, Duration::from_millis(50), "clamped to a sane minimum");
    }
}
