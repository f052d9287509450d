//! Running the tunnel program and keeping it running.
//!
//! One supervisor thread owns the child process. Two reader threads turn its stdout and stderr
//! into lines on a channel; the supervisor scans them for the public URL, and when the program
//! exits it starts it again after a backoff that doubles up to a cap and resets once a run has
//! been stable for a while. Stopping kills the child and joins every thread.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::{command_line, public_url_in, TunnelError};

#[derive(Clone, Debug)]
pub struct TunnelConfig {
    /// A command template; `{port}` becomes the local listener's port.
    pub command: String,
    pub port: u16,
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
    /// The program is running and printed this public URL.
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
    /// A public URL appeared (`old` is `None` the first time) or changed: Recur's dashboard
    /// must then be given the new webhook URL.
    UrlChanged {
        old: Option<String>,
        new: String,
    },
}

type Listener = Box<dyn Fn(TunnelEvent) + Send + 'static>;

/// A supervised tunnel program. Dropping it stops the program.
pub struct Tunnel {
    stop: Arc<AtomicBool>,
    status: Arc<Mutex<TunnelStatus>>,
    thread: Option<JoinHandle<()>>,
}

impl Tunnel {
    /// Starts the program in the background; `on_event` hears every status and URL change.
    pub fn start(config: TunnelConfig, on_event: impl Fn(TunnelEvent) + Send + 'static) -> Result<Tunnel, TunnelError> {
        let argv = command_line(&config.command, config.port)?;
        let stop = Arc::new(AtomicBool::new(false));
        let status = Arc::new(Mutex::new(TunnelStatus::Starting));
        let supervisor = Supervisor {
            argv,
            config,
            stop: stop.clone(),
            status: status.clone(),
            listener: Box::new(on_event),
        };
        let thread = std::thread::Builder::new()
            .name("tunnel-supervisor".into())
            .spawn(move || supervisor.run())
            .expect("spawn the tunnel supervisor");
        Ok(Tunnel {
            stop,
            status,
            thread: Some(thread),
        })
    }

    pub fn status(&self) -> TunnelStatus {
        self.status.lock().expect("tunnel status lock").clone()
    }

    pub fn public_url(&self) -> Option<String> {
        match self.status() {
            TunnelStatus::Up { url } => Some(url),
            _ => None,
        }
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

struct Supervisor {
    argv: Vec<String>,
    config: TunnelConfig,
    stop: Arc<AtomicBool>,
    status: Arc<Mutex<TunnelStatus>>,
    listener: Listener,
}

enum Output {
    Line(String),
    Closed,
}

impl Supervisor {
    fn run(self) {
        let mut backoff = self.config.backoff_initial;
        let mut last_url: Option<String> = None;
        while !self.stopped() {
            self.set(TunnelStatus::Starting);
            let started = Instant::now();
            let reason = match self.spawn() {
                Ok((child, lines)) => self.watch(child, &lines, &mut last_url),
                Err(e) => format!("cannot start {}: {e}", self.argv[0]),
            };
            if self.stopped() {
                break;
            }
            if started.elapsed() >= self.config.stable_after {
                backoff = self.config.backoff_initial;
            }
            tracing::warn!(%reason, retry_in_ms = backoff.as_millis() as u64, "tunnel down");
            self.set(TunnelStatus::Restarting {
                reason,
                retry_in: backoff,
            });
            self.sleep(backoff);
            backoff = (backoff * 2).min(self.config.backoff_max);
        }
        self.set(TunnelStatus::Stopped);
    }

    fn spawn(&self) -> std::io::Result<(Child, Receiver<Output>)> {
        let mut child = Command::new(&self.argv[0])
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
    fn watch(&self, mut child: Child, lines: &Receiver<Output>, last_url: &mut Option<String>) -> String {
        loop {
            if self.stopped() {
                let _ = child.kill();
                let _ = child.wait();
                return "stopped".into();
            }
            match lines.recv_timeout(Duration::from_millis(100)) {
                Ok(Output::Line(line)) => {
                    tracing::debug!(target: "tunnel", "{line}");
                    if let Some(url) = public_url_in(&line) {
                        self.found_url(url, last_url);
                    }
                }
                Ok(Output::Closed) | Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {}
            }
            if let Ok(Some(status)) = child.try_wait() {
                return format!("the tunnel program exited ({status})");
            }
        }
    }

    fn found_url(&self, url: String, last_url: &mut Option<String>) {
        if self.status() == (TunnelStatus::Up { url: url.clone() }) {
            return;
        }
        // The status is up before anyone hears of the URL, so a listener may ask for it at once.
        self.set(TunnelStatus::Up { url: url.clone() });
        if last_url.as_deref() != Some(url.as_str()) {
            let old = last_url.replace(url.clone());
            (self.listener)(TunnelEvent::UrlChanged { old, new: url });
        }
    }

    fn status(&self) -> TunnelStatus {
        self.status.lock().expect("tunnel status lock").clone()
    }

    fn set(&self, status: TunnelStatus) {
        *self.status.lock().expect("tunnel status lock") = status.clone();
        (self.listener)(TunnelEvent::Status(status));
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
