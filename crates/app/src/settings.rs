//! The app's own settings that are not secrets: the shop name, the tunnel command, the last
//! public URL the tunnel had and the Recur API base, in a small JSON file beside the ledger
//! (`settings.json`). The window's Settings and the command line read and write the same file.
//!
//! Environment variables still win (`RECUR_POS_SHOP_NAME`, `RECUR_POS_TUNNEL`,
//! `RECUR_API_BASE`): a headless or managed machine is configured by its environment, and
//! Settings then shows the value as set there and read-only. The last public URL is kept so
//! that a quick tunnel that came back with another URL — even across a restart of the app — is
//! noticed and announced. Not here: keys (the OS keyring, `keys.rs`) or anything the ledger
//! records.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::env::{self, clean, Env};
use crate::error::AppError;

const DEFAULT_SHOP_NAME: &str = "Recur POS";
const FILE_NAME: &str = "settings.json";

/// What the file holds. Unknown fields are ignored and missing ones are `None`, so an older or
/// newer app reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppSettings {
    pub shop_name: Option<String>,
    pub tunnel_command: Option<String>,
    pub last_public_url: Option<String>,
    /// Recur's API base when it is not `https://api.recur.tw` (a sandbox started elsewhere).
    pub api_base: Option<String>,
    /// The public hostname of a named tunnel (`pos.example.com`): the only URL its program may
    /// announce.
    pub tunnel_hostname: Option<String>,
    /// Phone-test mode for the embedded sandbox (its checkout pages also on the LAN address).
    pub phone_test: bool,
    /// A key was saved in the OS keyring (never the key itself): when the keyring then cannot
    /// be read, the counter stays closed instead of falling back to the sandbox.
    pub keys_stored: bool,
    /// The receipt printer and what receipts say besides the shop name.
    pub printer: recur_print::PrinterSettings,
    /// "This counter joins a shop": the shop's shared ledger (`postgres://user@host/db`, never
    /// with its password: that is in the keyring). `None`: the counter's own file.
    pub shared_ledger: Option<String>,
    /// The shop (a chain's branch) and this counter's name, recorded on every sale it makes
    /// (`RECUR_POS_SHOP` / `RECUR_POS_COUNTER` win). Not the shop name on receipts.
    pub shop: Option<String>,
    pub counter: Option<String>,
}

/// A value and whether the environment set it (then Settings cannot change it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effective<T> {
    pub value: T,
    pub from_env: bool,
}

/// The settings file and what it holds now.
pub struct SettingsFile {
    path: PathBuf,
    current: Mutex<AppSettings>,
    env: Env,
}

impl SettingsFile {
    /// Reads `settings.json` in the ledger's folder. A missing file is an empty one; an
    /// unreadable one is logged and treated as empty (the next save replaces it).
    pub fn open_beside(ledger: &Path, env: Env) -> SettingsFile {
        let path = env::local_folder(&env, ledger).join(FILE_NAME);
        let current = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(path = %path.display(), error = %e, "settings.json is unreadable; starting from defaults");
                AppSettings::default()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => AppSettings::default(),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "settings.json cannot be read; starting from defaults");
                AppSettings::default()
            }
        };
        SettingsFile {
            path,
            current: Mutex::new(current),
            env,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self) -> AppSettings {
        self.current.lock().expect("settings lock").clone()
    }

    /// Changes the settings and writes the file (atomically: a crash leaves the old or the new
    /// file, never half of one). On a failed write nothing changes.
    pub fn update(&self, change: impl FnOnce(&mut AppSettings)) -> Result<AppSettings, AppError> {
        let mut current = self.current.lock().expect("settings lock");
        let mut next = current.clone();
        change(&mut next);
        if next != *current {
            write_atomically(&self.path, &next).map_err(|e| {
                tracing::warn!(path = %self.path.display(), error = %e, "settings.json could not be written");
                AppError::SettingsNotSaved(e)
            })?;
            *current = next.clone();
        }
        Ok(next)
    }

    pub fn shop_name(&self) -> Effective<String> {
        match self.env.get(env::SHOP_NAME) {
            Some(value) => Effective { value, from_env: true },
            None => Effective {
                value: clean(self.get().shop_name).unwrap_or_else(|| DEFAULT_SHOP_NAME.to_owned()),
                from_env: false,
            },
        }
    }

    /// The tunnel command to run, if any.
    pub fn tunnel_command(&self) -> Effective<Option<String>> {
        match self.env.get(env::TUNNEL) {
            Some(value) => Effective {
                value: Some(value),
                from_env: true,
            },
            None => Effective {
                value: clean(self.get().tunnel_command),
                from_env: false,
            },
        }
    }

    /// Phone-test mode: `RECUR_POS_PHONE_TEST`, else the saved switch.
    pub fn phone_test(&self) -> Effective<bool> {
        match self.env.get(env::PHONE_TEST) {
            Some(value) => Effective {
                value: matches!(value.as_str(), "1" | "true" | "on" | "yes"),
                from_env: true,
            },
            None => Effective {
                value: self.get().phone_test,
                from_env: false,
            },
        }
    }

    /// A named tunnel's public hostname: `RECUR_POS_TUNNEL_HOSTNAME`, else the saved one.
    pub fn tunnel_hostname(&self) -> Option<String> {
        self.env
            .get(env::TUNNEL_HOSTNAME)
            .or_else(|| clean(self.get().tunnel_hostname))
    }

    /// Recur's API base, if not the default: `RECUR_API_BASE`, else the saved one.
    /// Where the ledger is: `RECUR_POS_DB`, else the shop this counter joined, else `None` (the
    /// counter's own file).
    pub fn shared_ledger(&self) -> Effective<Option<String>> {
        match self.env.get(env::DB) {
            Some(value) => Effective {
                value: recur_ledger::is_shared_location(&value).then_some(value),
                from_env: true,
            },
            None => Effective {
                value: clean(self.get().shared_ledger),
                from_env: false,
            },
        }
    }

    /// The shop this counter's sales are made at: `RECUR_POS_SHOP`, else the saved one, else
    /// blank (the one shop of a one-shop ledger).
    pub fn sale_shop(&self) -> Effective<String> {
        self.name_of(env::SHOP, |s| s.shop)
    }

    /// This counter's name on its sales: `RECUR_POS_COUNTER`, else the saved one, else blank.
    pub fn sale_counter(&self) -> Effective<String> {
        self.name_of(env::COUNTER, |s| s.counter)
    }

    fn name_of(&self, variable: &str, saved: impl FnOnce(AppSettings) -> Option<String>) -> Effective<String> {
        match self.env.get(variable) {
            Some(value) => Effective { value, from_env: true },
            None => Effective {
                value: clean(saved(self.get())).unwrap_or_default(),
                from_env: false,
            },
        }
    }

    pub fn api_base(&self) -> Option<String> {
        self.env.get(env::API_BASE).or_else(|| clean(self.get().api_base))
    }
}

fn write_atomically(path: &Path, settings: &AppSettings) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_vec_pretty(settings).map_err(std::io::Error::other)?;
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_in(dir: &Path, vars: &[(&str, &str)]) -> SettingsFile {
        SettingsFile::open_beside(&dir.join("ledger.db"), Env::from_pairs(vars))
    }

    #[test]
    fn saved_values_survive_a_reopen_and_the_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_in(dir.path(), &[]);
        assert_eq!(
            file.shop_name(),
            Effective {
                value: "Recur POS".into(),
                from_env: false
            }
        );
        assert_eq!(file.tunnel_command().value, None);
        file.update(|s| {
            s.shop_name = Some(" 日光咖啡 ".into());
            s.tunnel_command = Some("ngrok http {port}".into());
        })
        .unwrap();

        let again = file_in(dir.path(), &[]);
        assert_eq!(again.shop_name().value, "日光咖啡");
        assert_eq!(again.tunnel_command().value.as_deref(), Some("ngrok http {port}"));
        let overridden = file_in(
            dir.path(),
            &[
                ("RECUR_POS_SHOP_NAME", "Env Shop"),
                ("RECUR_POS_TUNNEL", "  "),
                ("RECUR_API_BASE", "http://127.0.0.1:9"),
            ],
        );
        assert_eq!(overridden.api_base().as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(
            overridden.shop_name(),
            Effective {
                value: "Env Shop".into(),
                from_env: true
            }
        );
        assert_eq!(
            overridden.tunnel_command(),
            Effective {
                value: Some("ngrok http {port}".into()),
                from_env: false
            },
            "a blank variable does not override"
        );
    }

    #[test]
    fn a_corrupt_file_reads_as_defaults_and_is_replaced_by_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("settings.json"), b"{not json").unwrap();
        let file = file_in(dir.path(), &[]);
        assert_eq!(file.get(), AppSettings::default());
        file.update(|s| s.last_public_url = Some("https://a.trycloudflare.com".into()))
            .unwrap();
        let text = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
        assert!(text.contains("https://a.trycloudflare.com"), "{text}");
        assert!(!dir.path().join("settings.json.tmp").exists());
    }

    #[test]
    fn a_failed_write_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // The settings file's folder is a file: it cannot be created.
        std::fs::write(dir.path().join("blocker"), b"").unwrap();
        let file = SettingsFile::open_beside(&dir.path().join("blocker/ledger.db"), Env::from_pairs(&[]));
        let error = file.update(|s| s.shop_name = Some("X".into())).unwrap_err();
        assert_eq!(error.code(), recur_domain::ErrorCode::SettingsNotSaved);
        assert_eq!(file.get().shop_name, None);
    }
}
