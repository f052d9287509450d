//! The tunnel as the app runs it: the supervised program, what it last said, and a changed
//! public URL the owner has not yet acknowledged — for the window's top bar, banner and
//! Settings, and for `recur-pos listen` alike.
//!
//! A changed URL is judged against the last URL the app ever saw (kept in settings.json), not
//! against the current program's previous one: a quick tunnel restarted from Settings, or with
//! the app, also gets a new URL, and Recur's dashboard must be told every time. Not here:
//! running the program (`recur_tunnel`), starting it for a listener (`services`).

use std::sync::Mutex;
use std::time::Duration;

use recur_domain::Timestamp;
use recur_tunnel::{Tunnel, TunnelEvent, TunnelStatus};

/// What the tunnel is doing, as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TunnelState {
    /// No command is configured.
    None,
    /// A command is configured but not running.
    Stopped,
    Starting,
    Up,
    /// It exited; it is started again at `retry_at`.
    Restarting {
        reason: String,
        retry_in: Duration,
        retry_at: Timestamp,
    },
}

impl TunnelState {
    /// `none`, `stopped`, `starting`, `up` or `restarting`.
    pub fn as_str(&self) -> &'static str {
        match self {
            TunnelState::None => "none",
            TunnelState::Stopped => "stopped",
            TunnelState::Starting => "starting",
            TunnelState::Up => "up",
            TunnelState::Restarting { .. } => "restarting",
        }
    }
}

/// A public URL change Recur's dashboard has not been told about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlChange {
    /// The webhook URL Recur's dashboard has (the one before the change).
    pub previous_webhook_url: String,
    /// The webhook URL Recur's dashboard must now be given.
    pub webhook_url: String,
}

/// The tunnel as the views show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TunnelView {
    /// Grows with every change: of two copies, a view keeps the one with the higher version.
    pub version: u64,
    pub state: TunnelState,
    pub command: Option<String>,
    /// `RECUR_POS_TUNNEL` sets the command (Settings cannot change it).
    pub command_from_env: bool,
    /// The public base URL, while the program runs.
    pub url: Option<String>,
    /// `{url}/webhooks/recur`: what Recur's dashboard must be given.
    pub webhook_url: Option<String>,
    pub change: Option<UrlChange>,
    /// A different public URL the program announced mid-run, waiting for the owner's word.
    pub proposed_url: Option<String>,
    /// The counter runs on the embedded sandbox, where the tunnel never runs.
    pub on_sandbox: bool,
}

/// What the app knows about the tunnel; shared by every open of the counter, so a pending URL
/// change survives a re-open.
#[derive(Default)]
pub struct PublicTunnel {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    running: Option<Tunnel>,
    /// Whether events are heard: from just before a program starts until it is stopped (a
    /// program announces itself before `start` has even returned it).
    hearing: bool,
    /// The command running (or last run).
    command: Option<String>,
    status: Status,
    /// The public base URL, while the program runs (it may be stale while restarting).
    url: Option<String>,
    /// A change not yet acknowledged: (the URL Recur's dashboard had, the new one).
    change: Option<(String, String)>,
    /// A different URL the running program announced mid-run, not used until the owner
    /// confirms it (a log line could otherwise steer return pages and webhooks elsewhere).
    proposed: Option<String>,
    /// Counts every change: the UI gets this state both as events and as command answers, and
    /// keeps the newest.
    version: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Status {
    #[default]
    None,
    Starting,
    Up,
    Restarting {
        reason: String,
        retry_in: Duration,
        retry_at: Timestamp,
    },
    Stopped,
}

impl PublicTunnel {
    /// A program for `command` is about to start: hear it from now on.
    pub fn begin(&self, command: String) {
        let mut inner = self.inner.lock().expect("tunnel lock");
        inner.version += 1;
        inner.hearing = true;
        inner.command = Some(command);
        inner.status = Status::Starting;
        inner.url = None;
    }

    /// Keeps the program started after [`Self::begin`] (stopped by [`Self::stop`]).
    pub fn attach(&self, tunnel: Tunnel) -> Option<Tunnel> {
        self.inner.lock().expect("tunnel lock").running.replace(tunnel)
    }

    /// Stops hearing the running program and hands it back to be stopped (outside the lock:
    /// stopping joins its threads).
    pub fn stop(&self) -> Option<Tunnel> {
        let mut inner = self.inner.lock().expect("tunnel lock");
        inner.version += 1;
        let old = inner.running.take();
        if inner.hearing || old.is_some() {
            inner.status = Status::Stopped;
        }
        inner.hearing = false;
        inner.url = None;
        old
    }

    /// Forgets the program of a counter that is being closed (a re-open starts its own); a
    /// pending URL change stays until acknowledged.
    pub fn reset(&self) -> Option<Tunnel> {
        let old = self.stop();
        let mut inner = self.inner.lock().expect("tunnel lock");
        inner.command = None;
        inner.status = Status::None;
        old
    }

    /// Takes in one event of the running program. `last_url` is the last public URL the app
    /// ever saw; returns a new public URL to remember, if there is one.
    pub fn on_event(&self, event: &TunnelEvent, last_url: Option<&str>, now: Timestamp) -> Option<String> {
        let mut inner = self.inner.lock().expect("tunnel lock");
        if !inner.hearing {
            // The last words of a program that was just stopped.
            return None;
        }
        inner.version += 1;
        match event {
            TunnelEvent::Status(TunnelStatus::Starting) => inner.status = Status::Starting,
            TunnelEvent::Status(TunnelStatus::Up { url }) => {
                inner.status = Status::Up;
                inner.url = Some(url.clone());
            }
            TunnelEvent::Status(TunnelStatus::Restarting { reason, retry_in }) => {
                let retry_at = now.plus_ms(i64::try_from(retry_in.as_millis()).unwrap_or(i64::MAX));
                inner.status = Status::Restarting {
                    reason: reason.clone(),
                    retry_in: *retry_in,
                    retry_at,
                };
            }
            TunnelEvent::Status(TunnelStatus::Stopped) => inner.status = Status::Stopped,
            TunnelEvent::UrlChangeProposed { proposed, .. } => inner.proposed = Some(proposed.clone()),
            TunnelEvent::UrlChanged { new, .. } => {
                inner.proposed = None;
                inner.url = Some(new.clone());
                if last_url == Some(new.as_str()) {
                    return None;
                }
                if let Some(previous) = last_url {
                    // Recur's dashboard still has the URL from before the first unacknowledged change.
                    let dashboard = inner.change.take().map_or_else(|| previous.to_owned(), |(was, _)| was);
                    inner.change = (dashboard != *new).then(|| (dashboard, new.clone()));
                }
                return Some(new.clone());
            }
        }
        None
    }

    /// The owner accepts the URL the running program proposed; false when there is none (or the
    /// program moved on meanwhile). The program then announces it as changed.
    pub fn confirm_proposal(&self) -> bool {
        let mut inner = self.inner.lock().expect("tunnel lock");
        let confirmed = match (&inner.proposed, &inner.running) {
            (Some(url), Some(program)) => program.confirm_url(url),
            _ => false,
        };
        if confirmed {
            inner.version += 1;
            inner.proposed = None;
        }
        confirmed
    }

    /// The owner has updated Recur's dashboard (or chose to ignore the change).
    pub fn dismiss_change(&self) {
        let mut inner = self.inner.lock().expect("tunnel lock");
        inner.version += 1;
        inner.change = None;
    }

    /// The public base URL, when the program is up.
    pub fn public_url(&self) -> Option<String> {
        let inner = self.inner.lock().expect("tunnel lock");
        (inner.status == Status::Up).then(|| inner.url.clone()).flatten()
    }

    /// The tunnel for the views; `configured` is the command the settings hold.
    pub fn view(&self, configured: Option<String>, from_env: bool) -> TunnelView {
        let inner = self.inner.lock().expect("tunnel lock");
        let state = match &inner.status {
            Status::None if configured.is_some() => TunnelState::Stopped,
            Status::None => TunnelState::None,
            Status::Starting => TunnelState::Starting,
            Status::Up => TunnelState::Up,
            Status::Restarting {
                reason,
                retry_in,
                retry_at,
            } => TunnelState::Restarting {
                reason: reason.clone(),
                retry_in: *retry_in,
                retry_at: *retry_at,
            },
            Status::Stopped => TunnelState::Stopped,
        };
        TunnelView {
            version: inner.version,
            state,
            command: inner.command.clone().or(configured),
            command_from_env: from_env,
            url: inner.url.clone(),
            webhook_url: inner.url.as_deref().map(recur_listener::webhook_url),
            change: inner.change.as_ref().map(|(previous, new)| UrlChange {
                previous_webhook_url: recur_listener::webhook_url(previous),
                webhook_url: recur_listener::webhook_url(new),
            }),
            proposed_url: inner.proposed.clone(),
            on_sandbox: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program() -> Tunnel {
        // A program that exits at once: only the supervisor object matters here.
        Tunnel::start(recur_tunnel::TunnelConfig::new("true", 1), |_| {}).unwrap()
    }

    fn url(new: &str) -> TunnelEvent {
        TunnelEvent::UrlChanged {
            old: None,
            new: new.to_owned(),
        }
    }

    /// Feeds URL announcements (remembering as the app does) and returns the banner each time.
    fn check(remembered: Option<&str>, announced: &[&str], expected: &[Option<(&str, &str)>]) {
        let tunnel = PublicTunnel::default();
        tunnel.begin("cmd".into());
        let mut last = remembered.map(str::to_owned);
        for (new, want) in announced.iter().zip(expected) {
            if let Some(kept) = tunnel.on_event(&url(new), last.as_deref(), Timestamp::from_unix_ms(0)) {
                last = Some(kept);
            }
            let got = tunnel
                .view(None, false)
                .change
                .map(|c| (c.previous_webhook_url, c.webhook_url));
            let want = want.map(|(a, b)| (format!("{a}/webhooks/recur"), format!("{b}/webhooks/recur")));
            assert_eq!(got, want, "after {new} (remembered {remembered:?})");
        }
    }

    #[test]
    fn only_a_url_different_from_the_last_one_ever_seen_is_a_change() {
        check(None, &["https://a"], &[None]);
        check(Some("https://a"), &["https://a"], &[None]);
        check(Some("https://a"), &["https://b"], &[Some(("https://a", "https://b"))]);
        // Two changes before anyone looked: the dashboard still has the first URL.
        check(
            None,
            &["https://a", "https://b", "https://c"],
            &[None, Some(("https://a", "https://b")), Some(("https://a", "https://c"))],
        );
        // …and coming back to it is no change at all.
        check(
            None,
            &["https://a", "https://b", "https://a"],
            &[None, Some(("https://a", "https://b")), None],
        );
    }

    #[test]
    fn statuses_map_to_words_and_a_stopped_program_is_not_heard() {
        let tunnel = PublicTunnel::default();
        assert_eq!(tunnel.view(None, false).state, TunnelState::None);
        assert_eq!(
            tunnel.view(Some("ngrok http {port}".into()), false).state,
            TunnelState::Stopped
        );
        tunnel.begin("cmd".into());
        assert!(tunnel.attach(program()).is_none());
        assert_eq!(tunnel.view(None, false).state, TunnelState::Starting);
        tunnel.on_event(
            &TunnelEvent::Status(TunnelStatus::Up {
                url: "https://a".into(),
            }),
            None,
            Timestamp::from_unix_ms(0),
        );
        assert_eq!(tunnel.public_url().as_deref(), Some("https://a"));
        assert_eq!(
            tunnel.view(None, false).webhook_url.as_deref(),
            Some("https://a/webhooks/recur")
        );
        let restarting = TunnelStatus::Restarting {
            reason: "exited".into(),
            retry_in: Duration::from_secs(2),
        };
        tunnel.on_event(&TunnelEvent::Status(restarting), None, Timestamp::from_unix_ms(1_000));
        assert_eq!(
            tunnel.view(None, false).state,
            TunnelState::Restarting {
                reason: "exited".into(),
                retry_in: Duration::from_secs(2),
                retry_at: Timestamp::from_unix_ms(3_000)
            }
        );
        assert_eq!(tunnel.public_url(), None, "only an up tunnel is tested through");

        let old = tunnel.stop();
        assert!(old.is_some());
        assert_eq!(
            tunnel.on_event(&url("https://late"), Some("https://a"), Timestamp::from_unix_ms(0)),
            None,
            "a stopped program's last words are ignored"
        );
        assert_eq!(tunnel.view(None, false).state, TunnelState::Stopped);
        assert!(tunnel.view(None, false).change.is_none());
    }

    #[test]
    fn every_change_has_a_newer_version() {
        let tunnel = PublicTunnel::default();
        let mut seen = vec![tunnel.view(None, false).version];
        tunnel.begin("cmd".into());
        seen.push(tunnel.view(None, false).version);
        tunnel.on_event(&url("https://a"), None, Timestamp::from_unix_ms(0));
        seen.push(tunnel.view(None, false).version);
        tunnel.dismiss_change();
        seen.push(tunnel.view(None, false).version);
        let _ = tunnel.stop();
        seen.push(tunnel.view(None, false).version);
        tunnel.on_event(&url("https://late"), None, Timestamp::from_unix_ms(0));
        seen.push(tunnel.view(None, false).version);
        assert!(seen.windows(2).take(4).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(seen[4], seen[5], "an event not heard changes nothing");
    }
}
