//! Running the tunnel program and keeping it running.
//!
//! One supervisor thread owns the child process. Two reader threads turn its stdout and stderr
//! into lines on a channel; the supervisor reads each run's start-up announcement for the
//! public URL (see `announce`), and when the program exits it starts it again after a
//! [`Backoff`] that resets once a run has been stable for a while. Stopping kills the child and
//! joins the supervisor.
//!
//! The URL of a run is the first one it announces. A run that later announces a different one
//! does not move the tunnel: the change is proposed ([`TunnelEvent::UrlChangeProposed`]) and
//! adopted only when the owner confirms it ([`Tunnel::confirm_url`]). A new run (after a
//! restart) announces afresh, and its URL is adopted like the first.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use recur_domain::Backoff;

use crate::announce::{Announcements, UrlRules};
use crate::{command_line, TunnelError, TOKEN_VARIABLES};

#[derive(Clone, Debug)]
pub struct TunnelConfig {
    /// A command template; `{port}` becomes the local listener's port.
    pub command: String,
    pub port: u16,
    /// The public hostname the owner set up for a named tunnel (`cloudflared tunnel run`, an
    /// ngrok domain): accepted where an announcement names it, and taken as the URL once
    /// cloudflared registers a connection (it never prints the hostname itself).
    pub hostname: Option<String>,
    /// The tunnel's token (from the keyring), handed to the program in [`TOKEN_VARIABLES`],
    /// never on its command line.
    pub token: Option<recur_domain::Secret>,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// A run longer than this resets the backoff.
    pub stable_after: Duration,
}

impl TunnelConfig {
    pub fn new(command: impl Into<String>, port: u16) -> Self {
        TunnelConfig {
            command: command.into(),
            port,
            hostname: None,
            token: None,
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            stable_after: Duration::from_secs(60),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TunnelStatus {
    /// The program is starting; no URL yet.
    Starting,
    /// The program is running and announced this public URL.
    Up {
        url: String,
    },
    /// The program exited or could not start; it is started again after `retry_in`.
    Restarting {
        reason: String,
        retry_in: Duration,
    },
    Stopped,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TunnelEvent {
    Status(TunnelStatus),
    /// The URL in use appeared (`old` is `None` the first time) or changed — a restarted run
    /// announced a new one, or the owner confirmed a proposal: Recur's dashboard must then be
    /// given the new webhook URL.
    UrlChanged {
        old: Option<String>,
        new: String,
    },
    /// The running program announced a URL other than the one in use. Nothing uses it until
    /// the owner confirms it with [`Tunnel::confirm_url`]: ask first, since a changed URL steers
    /// customers' return pages and where Recur is told to deliver.
    UrlChangeProposed {
        current: String,
        proposed: String,
    },
}

type OnEvent = Box<dyn Fn(TunnelEvent) + Send + 'static>;

/// A supervised tunnel program. Dropping it stops the program.
pub struct Tunnel {
    stop: Arc<AtomicBool>,
    shared: Arc<Mutex<Shared>>,
    thread: Option<JoinHandle<()>>,
}

/// What the supervisor thread and the [`Tunnel`] handle both see.
#[derive(Debug)]
struct Shared {
    status: TunnelStatus,
    /// The URL of the last [`TunnelEvent::UrlChangeProposed`] of this run.
    proposed: Option<String>,
    /// A proposal the owner confirmed, for the supervisor to adopt.
    confirmed: Option<String>,
}

impl Tunnel {
    /// Starts the program in the background; `on_event` hears every status and URL change, on
    /// the supervisor's thread.
    pub fn start(config: TunnelConfig, on_event: impl Fn(TunnelEvent) + Send + 'static) -> Result<Tunnel, TunnelError> {
        let argv = command_line(&config.command, config.port)?;
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Mutex::new(Shared {
            status: TunnelStatus::Starting,
            proposed: None,
            confirmed: None,
        }));
        let supervisor = Supervisor {
            rules: UrlRules::new(&argv[0], config.hostname.as_deref()),
            argv,
            config,
            stop: Arc::clone(&stop),
            shared: Arc::clone(&shared),
            on_event: Box::new(on_event),
        };
        let thread = std::thread::Builder::new()
            .name("tunnel-supervisor".into())
            .spawn(move || supervisor.run())
            .map_err(TunnelError::Thread)?;
        Ok(Tunnel {
            stop,
            shared,
            thread: Some(thread),
        })
    }

    pub fn status(&self) -> TunnelStatus {
        lock(&self.shared).status.clone()
    }

    pub fn public_url(&self) -> Option<String> {
        match self.status() {
            TunnelStatus::Up { url } => Some(url),
            _ => None,
        }
    }

    /// The owner accepts the URL of the last [`TunnelEvent::UrlChangeProposed`]: the tunnel
    /// adopts it (and announces [`TunnelEvent::UrlChanged`]) within a moment. False, and
    /// nothing changes, when `url` is not the proposal still pending for the current run.
    pub fn confirm_url(&self, url: &str) -> bool {
        let mut shared = lock(&self.shared);
        if shared.proposed.as_deref() != Some(url) {
            return false;
        }
        shared.confirmed = shared.proposed.take();
        true
    }

    /// Kills the program and waits for the supervisor to finish.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // Every update is a single assignment: a poisoned lock still holds a consistent state.
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

struct Supervisor {
    argv: Vec<String>,
    rules: UrlRules,
    config: TunnelConfig,
    stop: Arc<AtomicBool>,
    shared: Arc<Mutex<Shared>>,
    on_event: OnEvent,
}

enum Output {
    Line(String),
    Closed,
}

/// The URL in use: the one Recur was last told about (`last`, across runs) and this run's.
#[derive(Default)]
struct Urls {
    last: Option<String>,
    run: Option<String>,
}

impl Supervisor {
    fn run(self) {
        let mut backoff = Backoff::new(self.config.backoff_initial, self.config.backoff_max);
        let mut urls = Urls::default();
        while !self.stopped() {
            self.set(TunnelStatus::Starting);
            let started = Instant::now();
            let reason = match self.spawn() {
                Ok((child, lines)) => self.watch(child, &lines, &mut urls),
                Err(e) => format!("cannot start {}: {e}", self.argv[0]),
            };
            if self.stopped() {
                break;
            }
            if started.elapsed() >= self.config.stable_after {
                backoff.reset();
            }
            let retry_in = backoff.next_delay();
            tracing::warn!(%reason, retry_in_ms = retry_in.as_millis() as u64, "tunnel down");
            self.set(TunnelStatus::Restarting { reason, retry_in });
            self.sleep(retry_in);
        }
        self.set(TunnelStatus::Stopped);
    }

    fn spawn(&self) -> std::io::Result<(Child, Receiver<Output>)> {
        let mut command = Command::new(&self.argv[0]);
        if let Some(token) = &self.config.token {
            for variable in TOKEN_VARIABLES {
                command.env(variable, token.expose());
            }
        }
        let mut child = command
            .args(&self.argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (tx, rx) = mpsc::channel();
        if let Some(out) = child.stdout.take() {
            forward_lines(out, tx.clone());
        }
        if let Some(err) = child.stderr.take() {
            forward_lines(err, tx);
        }
        Ok((child, rx))
    }

    /// Follows one run of the program until it exits or we stop; returns why it ended.
    fn watch(&self, mut child: Child, lines: &Receiver<Output>, urls: &mut Urls) -> String {
        let mut announcements = Announcements::new(self.rules.clone());
        urls.run = None;
        {
            let mut shared = lock(&self.shared);
            (shared.proposed, shared.confirmed) = (None, None);
        }
        loop {
            if self.stopped() {
                let _ = child.kill();
                let _ = child.wait();
                return "stopped".into();
            }
            match lines.recv_timeout(Duration::from_millis(100)) {
                Ok(Output::Line(line)) => {
                    tracing::debug!(target: "tunnel", "{line}");
                    if let Some(url) = announcements.feed(&line) {
                        self.announced(url, urls);
                    }
                }
                Ok(Output::Closed) | Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {}
            }
            let confirmed = lock(&self.shared).confirmed.take();
            if let Some(url) = confirmed {
                self.adopt(url, urls);
            }
            if let Ok(Some(status)) = child.try_wait() {
                return format!("the tunnel program exited ({status})");
            }
        }
    }

    /// The run announced `url`: the run's first is adopted, a different later one proposed.
    fn announced(&self, url: String, urls: &mut Urls) {
        let Some(current) = urls.run.clone() else {
            return self.adopt(url, urls);
        };
        if current == url {
            return;
        }
        let mut shared = lock(&self.shared);
        if shared.proposed.as_deref() == Some(url.as_str()) {
            return;
        }
        shared.proposed = Some(url.clone());
        drop(shared);
        tracing::warn!(%current, proposed = %url, "the tunnel announced another URL; waiting for the owner");
        (self.on_event)(TunnelEvent::UrlChangeProposed { current, proposed: url });
    }

    fn adopt(&self, url: String, urls: &mut Urls) {
        urls.run = Some(url.clone());
        // The status is up before anyone hears of the URL, so a listener may ask for it at once.
        self.set(TunnelStatus::Up { url: url.clone() });
        if urls.last.as_deref() != Some(url.as_str()) {
            let old = urls.last.replace(url.clone());
            (self.on_event)(TunnelEvent::UrlChanged { old, new: url });
        }
    }

    fn set(&self, status: TunnelStatus) {
        lock(&self.shared).status = status.clone();
        (self.on_event)(TunnelEvent::Status(status));
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sleeps up to `duration`, waking early when stopped.
    fn sleep(&self, duration: Duration) {
        let until = Instant::now() + duration;
        while !self.stopped() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())));
        }
    }
}

fn forward_lines(stream: impl Read + Send + 'static, tx: Sender<Output>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(Output::Line(line)).is_err() {
                return;
            }
        }
        let _ = tx.send(Output::Closed);
    });
}
