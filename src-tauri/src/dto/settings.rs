//! The JSON of start-up status, Settings, the webhook listener and the tunnel.

use recur_pos_app::keys::KeyInfo;
use recur_pos_app::tunnel::{TunnelState, TunnelView};
use recur_pos_app::ListenerInfo;
use serde::Serialize;

/// Where the app is: starting (with the step), ready, or failed to start.
#[derive(Clone, Debug, Serialize)]
pub struct StatusDto {
    /// `starting`, `ready` or `failed`.
    pub phase: &'static str,
    /// While starting: `keys`, `ledger`, `catalogue`.
    pub step: Option<&'static str>,
    pub error: Option<crate::dto::CommandError>,
    /// `sandbox` or `live` (known once ready).
    pub environment: Option<&'static str>,
    /// Running on the sandbox inside this app (no key configured).
    pub embedded: bool,
    /// The webhook listener runs.
    pub listener: bool,
    /// The tunnel (status `none` when no command is configured), with a changed public URL
    /// not yet acknowledged: the top bar's dot and the red banner.
    pub tunnel: TunnelDto,
    pub shop_name: String,
    pub version: &'static str,
    /// `ok`, or why the keyring could not be read at the last open (the stripe then says that
    /// stored live keys may not be in use).
    pub keyring: &'static str,
    /// Phone-test mode: where phones reach the embedded sandbox's checkout pages.
    pub lan_url: Option<String>,
}

/// The Settings screen. Keys only ever appear masked.
#[derive(Clone, Debug, Serialize)]
pub struct SettingsDto {
    pub environment: Option<&'static str>,
    pub embedded: bool,
    pub api_base: Option<String>,
    pub secret_key: KeyDto,
    pub webhook_secret: KeyDto,
    /// `ok`, or the keyring's error code (`keyring_unavailable`, …).
    pub keyring: &'static str,
    pub version: &'static str,
    pub data_dir: Option<String>,
    pub ledger_path: Option<String>,
    /// The file the shop name and tunnel command are saved in.
    pub settings_path: String,
    pub shop_name: String,
    /// `RECUR_POS_SHOP_NAME` sets it (Settings cannot change it).
    pub shop_name_from_env: bool,
    /// Phone-test mode is on (saved, or set by `RECUR_POS_PHONE_TEST`).
    pub phone_test: bool,
    pub phone_test_from_env: bool,
    /// Where phones reach the embedded sandbox's pages, while phone-test mode runs.
    pub lan_url: Option<String>,
    pub listener: Option<ListenerDto>,
    pub tunnel: TunnelDto,
    /// Tunnel command templates to offer: (name, command with `{port}`).
    pub tunnel_presets: Vec<PresetDto>,
    /// The ledger's backups: the folder and the newest.
    pub backups: BackupsDto,
}

/// The backups folder, how many are kept, and the newest backup.
#[derive(Clone, Debug, Serialize)]
pub struct BackupsDto {
    pub folder: String,
    pub keep: usize,
    /// Unix ms, and where.
    pub last_at: Option<i64>,
    pub last_path: Option<String>,
}

impl From<&recur_pos_app::backups::BackupStatus> for BackupsDto {
    fn from(s: &recur_pos_app::backups::BackupStatus) -> BackupsDto {
        BackupsDto {
            folder: s.folder.display().to_string(),
            keep: s.keep,
            last_at: s.last.as_ref().map(|b| b.taken_at.unix_ms()),
            last_path: s.last.as_ref().map(|b| b.path.display().to_string()),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PresetDto {
    pub name: &'static str,
    pub command: &'static str,
}

/// What the tunnel self-test saw.
#[derive(Clone, Debug, Serialize)]
pub struct SelfTestDto {
    pub url: String,
    pub status: u16,
    /// The signed test event came back through the tunnel into the journal.
    pub journaled: bool,
    pub round_trip_ms: u64,
}

impl From<&recur_pos_core::SelfTestReport> for SelfTestDto {
    fn from(r: &recur_pos_core::SelfTestReport) -> SelfTestDto {
        SelfTestDto {
            url: r.url.clone(),
            status: r.status,
            journaled: r.journaled,
            round_trip_ms: r.round_trip.as_millis() as u64,
        }
    }
}

/// The tunnel as the top bar, the banner and Settings show it.
#[derive(Clone, Debug, Serialize)]
pub struct TunnelDto {
    /// Grows with every change: of two copies, the UI keeps the one with the higher version.
    pub version: u64,
    /// `none` (no command), `starting`, `up`, `restarting` or `stopped`.
    pub status: &'static str,
    pub command: Option<String>,
    /// `RECUR_POS_TUNNEL` sets the command (Settings cannot change it).
    pub command_from_env: bool,
    /// The public base URL (while the program runs).
    pub url: Option<String>,
    /// `{url}/webhooks/recur`: what Recur's dashboard must be given.
    pub webhook_url: Option<String>,
    /// The counter runs on the embedded sandbox: the tunnel never runs there.
    pub on_sandbox: bool,
    /// Why it is restarting, and when it tries again (Unix ms).
    pub reason: Option<String>,
    pub retry_in_ms: Option<u64>,
    pub retry_at: Option<i64>,
    /// The public URL changed and Recur's dashboard must be updated (until dismissed).
    pub changed: Option<UrlChangeDto>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UrlChangeDto {
    /// The webhook URL Recur's dashboard has (the one before the change).
    pub previous_webhook_url: String,
    /// The webhook URL Recur's dashboard must now be given.
    pub webhook_url: String,
}

/// The webhook listener: where Recur must deliver, and what it received so far.
#[derive(Clone, Debug, Serialize)]
pub struct ListenerDto {
    pub port: u16,
    pub webhook_url: String,
    pub received: u64,
    pub applied: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

impl From<&ListenerInfo> for ListenerDto {
    fn from(l: &ListenerInfo) -> ListenerDto {
        ListenerDto {
            port: l.port,
            webhook_url: l.webhook_url.clone(),
            received: l.stats.received,
            applied: l.stats.applied,
            duplicates: l.stats.duplicates,
            rejected: l.stats.rejected,
        }
    }
}

impl From<&TunnelView> for TunnelDto {
    fn from(v: &TunnelView) -> TunnelDto {
        let (reason, retry_in_ms, retry_at) = match &v.state {
            TunnelState::Restarting {
                reason,
                retry_in,
                retry_at,
            } => (
                Some(reason.clone()),
                Some(u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX)),
                Some(retry_at.unix_ms()),
            ),
            _ => (None, None, None),
        };
        TunnelDto {
            version: v.version,
            status: v.state.as_str(),
            command: v.command.clone(),
            command_from_env: v.command_from_env,
            url: v.url.clone(),
            webhook_url: v.webhook_url.clone(),
            on_sandbox: v.on_sandbox,
            reason,
            retry_in_ms,
            retry_at,
            changed: v.change.as_ref().map(|c| UrlChangeDto {
                previous_webhook_url: c.previous_webhook_url.clone(),
                webhook_url: c.webhook_url.clone(),
            }),
        }
    }
}

impl From<&KeyInfo> for KeyDto {
    fn from(k: &KeyInfo) -> KeyDto {
        KeyDto {
            masked: k.masked.clone(),
            source: k.source.as_str(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct KeyDto {
    /// `sk_test_••••••••1234`.
    pub masked: Option<String>,
    /// `env`, `keyring` or `none`.
    pub source: &'static str,
}
