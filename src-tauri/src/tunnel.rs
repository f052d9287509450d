//! The tunnel as the shell runs it: the supervised program (started at start-up or from
//! Settings, stopped or replaced at run time), what it last said, and a changed public URL the
//! owner has not yet acknowledged.
//!
//! A changed URL is judged against the last URL the app ever saw (kept in settings.json), not
//! against the current program's previous one: a quick tunnel restarted from Settings, or with
//! the app, also gets a new URL, and Recur's dashboard must be told every time. Not here:
//! running the program (`recur_tunnel`) or reading its output.

use std::sync::{Arc, Mutex};

use recur_pos_core::{Counter, TunnelEvent, TunnelStatus};
use recur_tunnel::Tunnel;

use crate::app_settings::clean;
use crate::dto::{TunnelDto, UrlChangeDto};
use crate::error::{codes, CommandError};
use crate::state::AppState;

/// Settings' start (or restart): saves the typed command (unless `RECUR_POS_TUNNEL` sets it;
/// blank means none) and runs the command in effect for the listener's port — no command
/// stops the tunnel. Blocks while an old program stops (a fraction of a second): call it off
/// the async workers.
pub fn start_configured(state: &AppState, counter: &Arc<Counter>, typed: Option<String>) -> Result<(), CommandError> {
    let port = state
        .listener()
        .map(|(port, ..)| port)
        .ok_or_else(|| CommandError::new(codes::NO_LISTENER, "no webhook listener runs"))?;
    if !state.settings.tunnel_command().from_env {
        let typed = clean(typed);
        if let Some(command) = &typed {
            checked(command, port)?;
        }
        state.settings.update(|s| s.tunnel_command = typed)?;
    }
    match state.settings.tunnel_command().value {
        Some(command) => start(state, counter, command, port),
        None => {
            stop(state, counter);
            Ok(())
        }
    }
}

/// Stops the running program (if any) and starts `command` for the listener on `port`.
pub fn start(state: &AppState, counter: &Arc<Counter>, command: String, port: u16) -> Result<(), CommandError> {
    // A command that cannot run leaves the running program alone.
    checked(&command, port)?;
    stop(state, counter);
    state.tunnel.begin(command.clone());
    match counter.start_tunnel(&command, port) {
        Ok(tunnel) => {
            if let Some(raced) = state.tunnel.attach(tunnel) {
                raced.stop();
            }
            Ok(())
        }
        Err(e) => {
            state.tunnel.stop();
            Err(CommandError::new(codes::INVALID_TUNNEL_COMMAND, e.to_string()))
        }
    }
}

/// Stops the running program, if any, and waits for it.
pub fn stop(state: &AppState, counter: &Counter) {
    if let Some(old) = state.tunnel.stop() {
        old.stop();
    }
    // Return pages must not point at a tunnel that is gone.
    counter.set_public_base(None);
}

fn checked(command: &str, port: u16) -> Result<(), CommandError> {
    recur_tunnel::command_line(command, port)
        .map(|_| ())
        .map_err(|e| CommandError::new(codes::INVALID_TUNNEL_COMMAND, e.to_string()))
}

/// What the shell knows about the tunnel.
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
        retry_in_ms: u64,
        retry_at: i64,
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
    pub fn on_event(&self, event: &TunnelEvent, last_url: Option<&str>, now_ms: i64) -> Option<String> {
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
                let retry_in_ms = u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX);
                let retry_at = now_ms.saturating_add(i64::try_from(retry_in_ms).unwrap_or(i64::MAX));
                inner.status = Status::Restarting {
                    reason: reason.clone(),
                    retry_in_ms,
                    retry_at,
                };
            }
            TunnelEvent::Status(TunnelStatus::Stopped) => inner.status = Status::Stopped,
            TunnelEvent::UrlChanged { new, .. } => {
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

    /// The tunnel for the top bar and Settings; `configured` is the command the settings hold.
    pub fn dto(&self, configured: Option<String>, from_env: bool) -> TunnelDto {
        let inner = self.inner.lock().expect("tunnel lock");
        let (status, reason, retry_in_ms, retry_at) = match &inner.status {
            Status::None if configured.is_some() => ("stopped", None, None, None),
            Status::None => ("none", None, None, None),
            Status::Starting => ("starting", None, None, None),
            Status::Up => ("up", None, None, None),
            Status::Restarting {
                reason,
                retry_in_ms,
                retry_at,
            } => ("restarting", Some(reason.clone()), Some(*retry_in_ms), Some(*retry_at)),
            Status::Stopped => ("stopped", None, None, None),
        };
        TunnelDto {
            version: inner.version,
            status,
            command: inner.command.clone().or(configured),
            command_from_env: from_env,
            url: inner.url.clone(),
            webhook_url: inner.url.as_deref().map(webhook_url),
            reason,
            retry_in_ms,
            retry_at,
            changed: inner.change.as_ref().map(|(previous, new)| UrlChangeDto {
                previous_webhook_url: webhook_url(previous),
                webhook_url: webhook_url(new),
            }),
        }
    }
}

/// The URL to give Recur's dashboard for a public base URL.
pub fn webhook_url(base: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), recur_listener::WEBHOOK_PATH)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
            if let Some(kept) = tunnel.on_event(&url(new), last.as_deref(), 0) {
                last = Some(kept);
            }
            let got = tunnel
                .dto(None, false)
                .changed
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
        assert_eq!(tunnel.dto(None, false).status, "none");
        assert_eq!(tunnel.dto(Some("ngrok http {port}".into()), false).status, "stopped");
        tunnel.begin("cmd".into());
        assert!(tunnel.attach(program()).is_none());
        assert_eq!(tunnel.dto(None, false).status, "starting");
        tunnel.on_event(
            &TunnelEvent::Status(TunnelStatus::Up {
                url: "https://a".into(),
            }),
            None,
            0,
        );
        assert_eq!(tunnel.public_url().as_deref(), Some("https://a"));
        assert_eq!(
            tunnel.dto(None, false).webhook_url.as_deref(),
            Some("https://a/webhooks/recur")
        );
        let restarting = TunnelStatus::Restarting {
            reason: "exited".into(),
            retry_in: Duration::from_secs(2),
        };
        tunnel.on_event(&TunnelEvent::Status(restarting), None, 1_000);
        let dto = tunnel.dto(None, false);
        assert_eq!(
            (dto.status, dto.retry_at, dto.reason.as_deref()),
            ("restarting", Some(3_000), Some("exited"))
        );
        assert_eq!(tunnel.public_url(), None, "only an up tunnel is tested through");

        let old = tunnel.stop();
        assert!(old.is_some());
        assert_eq!(
            tunnel.on_event(&url("https://late"), Some("https://a"), 0),
            None,
            "a stopped program's last words are ignored"
        );
        assert_eq!(tunnel.dto(None, false).status, "stopped");
        assert!(tunnel.dto(None, false).changed.is_none());
    }

    #[test]
    fn every_change_has_a_newer_version() {
        let tunnel = PublicTunnel::default();
        let mut seen = vec![tunnel.dto(None, false).version];
        tunnel.begin("cmd".into());
        seen.push(tunnel.dto(None, false).version);
        tunnel.on_event(&url("https://a"), None, 0);
        seen.push(tunnel.dto(None, false).version);
        tunnel.dismiss_change();
        seen.push(tunnel.dto(None, false).version);
        let _ = tunnel.stop();
        seen.push(tunnel.dto(None, false).version);
        tunnel.on_event(&url("https://late"), None, 0);
        seen.push(tunnel.dto(None, false).version);
        assert!(seen.windows(2).take(4).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(seen[4], seen[5], "an event not heard changes nothing");
    }
}
