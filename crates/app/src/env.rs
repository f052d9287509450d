//! The process environment as the app reads it: one lookup (tests bring their own) and the
//! names of every variable the window, the command line and the hub honour.
//!
//! A blank variable counts as unset, so `RECUR_SECRET_KEY=` in a service file cannot turn a
//! configured key into "no key". Not here: what each value means (the modules that read them).

use std::sync::Arc;

/// The Recur secret key (`sk_test_…` / `sk_live_…`); wins over the keyring.
pub const SECRET_KEY: &str = "RECUR_SECRET_KEY";
/// The webhook endpoint's secret (`whsec_…`); wins over the keyring.
pub const WEBHOOK_SECRET: &str = "RECUR_WEBHOOK_SECRET";
/// Recur's API base (default `https://api.recur.tw`); wins over settings.json.
pub const API_BASE: &str = "RECUR_API_BASE";
/// Another keyring namespace (tests use one of their own, never the app's).
pub const KEYRING_SERVICE: &str = "RECUR_POS_KEYRING_SERVICE";
/// A fixed port for the webhook listener (a tunnel points at it).
pub const LISTEN_PORT: &str = "RECUR_POS_LISTEN_PORT";
/// The shop name on the top bar, the customer display and receipts.
pub const SHOP_NAME: &str = "RECUR_POS_SHOP_NAME";
/// The tunnel command template, e.g. `cloudflared tunnel --url http://127.0.0.1:{port}`.
pub const TUNNEL: &str = "RECUR_POS_TUNNEL";
/// The tunnel program's token; wins over the one kept in the keyring.
pub const TUNNEL_TOKEN: &str = "RECUR_POS_TUNNEL_TOKEN";
/// Phone-test mode for the embedded sandbox (`1` on): its checkout pages also on the LAN.
pub const PHONE_TEST: &str = "RECUR_POS_PHONE_TEST";
/// A named tunnel's public hostname (the only URL its program may announce).
pub const TUNNEL_HOSTNAME: &str = "RECUR_POS_TUNNEL_HOSTNAME";
/// Where the window's export writes, with no save dialog (end-to-end tests, kiosks).
pub const EXPORT_PATH: &str = "RECUR_POS_EXPORT_PATH";
/// Where the ledger's backups go (default: `backups/` beside the ledger).
pub const BACKUP_DIR: &str = "RECUR_POS_BACKUP_DIR";
/// How many backups are kept (default 14).
pub const BACKUP_KEEP: &str = "RECUR_POS_BACKUP_KEEP";
/// The log filter for the log files (default `info`).
pub const FILE_LOG: &str = "RECUR_POS_FILE_LOG";
/// The log filter for stderr (`info`, `recur_ledger=debug`, …).
pub const LOG: &str = "RECUR_POS_LOG";
/// The ledger: a file path, or the shop's `postgres://…` URL (wins over Settings' "join a shop").
pub const DB: &str = "RECUR_POS_DB";
/// The shared ledger's password when the URL names none (else the keyring's, else `PGPASSWORD`).
pub const DB_PASSWORD: &str = "RECUR_POS_DB_PASSWORD";
/// The shop this counter's sales are made at (a chain's branch); wins over Settings.
pub const SHOP: &str = "RECUR_POS_SHOP";
/// This counter's name, recorded on every sale it makes; wins over Settings.
pub const COUNTER: &str = "RECUR_POS_COUNTER";
/// This counter's own folder when the ledger is shared (settings.json, logs, the cash outbox);
/// default: the OS data folder. With a ledger file, its folder is the counter's.
pub const HOME: &str = "RECUR_POS_HOME";

/// The counter's own folder for a ledger at `location` (see [`HOME`]).
pub fn local_folder(env: &Env, location: &std::path::Path) -> std::path::PathBuf {
    if recur_ledger::is_shared_location(&location.to_string_lossy()) {
        return env
            .get(HOME)
            .map(std::path::PathBuf::from)
            .unwrap_or_else(recur_ledger::Ledger::data_folder);
    }
    location
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| std::path::PathBuf::from("."), std::path::Path::to_path_buf)
}

type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Where variables come from.
#[derive(Clone)]
pub struct Env(Arc<Lookup>);

impl Env {
    /// The real process environment.
    pub fn process() -> Env {
        Env(Arc::new(|name| std::env::var(name).ok()))
    }

    /// A fixed set of variables (tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Env {
        let owned: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Env(Arc::new(move |name| {
            owned.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        }))
    }

    /// This environment with `name` set to `value` (a command-line flag that stands for a
    /// variable, e.g. `--lan`).
    pub fn with(&self, name: &str, value: &str) -> Env {
        let (inner, name, value) = (Arc::clone(&self.0), name.to_owned(), value.to_owned());
        Env(Arc::new(move |asked| {
            if asked == name {
                Some(value.clone())
            } else {
                inner(asked)
            }
        }))
    }

    /// The variable, trimmed; `None` when unset or blank.
    pub fn get(&self, name: &str) -> Option<String> {
        clean((self.0)(name))
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Variables may hold keys: never print them.
        f.write_str("Env")
    }
}

/// Trimmed, and `None` when blank.
pub fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_unset_and_values_are_trimmed() {
        let env = Env::from_pairs(&[("A", "  x "), ("B", "   ")]);
        assert_eq!(env.get("A").as_deref(), Some("x"));
        assert_eq!(env.get("B"), None);
        assert_eq!(env.get("C"), None);
        let more = env.with("C", "on");
        assert_eq!(
            (more.get("C").as_deref(), more.get("A").as_deref()),
            (Some("on"), Some("x"))
        );
        assert_eq!(format!("{env:?}"), "Env");
    }
}
