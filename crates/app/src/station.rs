//! [`Station`]: the app without its window — one counter as it opens (keys → ledger →
//! catalogue → services), runs, is re-opened when the keys change, and stops. The window, the
//! command line and the hub each hold one and show it their own way.
//!
//! One open runs at a time, and a newer one wins over an older one still in flight
//! (generations): the older open finds it is stale and hands its services back to be stopped.
//! The previous counter's listener and tunnel are stopped on a thread of their own, and the next
//! open waits for that before it binds the webhook port again. Progress and tunnel changes are
//! announced as [`StationEvent`]s; the counter's own events (sales) come from
//! [`Counter::subscribe`]. Not here: any rule about sales (the core), or windows.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use recur_domain::{ErrorCode, Timestamp};
use recur_pos_core::manager::MANAGER;
use recur_pos_core::{Counter, Guarded, PosError, SelfTestReport};
use recur_secrets::SecretStore;
use recur_tunnel::{Tunnel, TunnelConfig, TunnelEvent};
use tokio::sync::broadcast;

use crate::env::{clean, Env};
use crate::error::AppError;
use crate::keys::{self, KeyStatus};
use crate::services::{ListenerInfo, Plan, Running};
use crate::settings::SettingsFile;
use crate::tunnel::{PublicTunnel, TunnelView};

/// The steps of opening, shown as progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Keys,
    Ledger,
    Catalogue,
}

impl Step {
    /// `keys`, `ledger`, `catalogue`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Keys => "keys",
            Step::Ledger => "ledger",
            Step::Catalogue => "catalogue",
        }
    }
}

/// Where the counter is in its life.
#[derive(Clone)]
pub enum Phase {
    Starting(Step),
    Ready(Arc<Counter>),
    /// Opening failed: the code a person is told, and the message for the details line.
    Failed(ErrorCode, String),
}

/// What a station announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StationEvent {
    /// The phase changed (a step, ready, failed).
    Phase,
    /// The tunnel's status or public URL changed.
    Tunnel,
}

pub struct Station {
    env: Env,
    store: Arc<dyn SecretStore>,
    settings: SettingsFile,
    tunnel: PublicTunnel,
    keys: RwLock<KeyStatus>,
    phase: RwLock<Phase>,
    generation: AtomicU64,
    running: Mutex<Option<Running>>,
    open_lock: tokio::sync::Mutex<()>,
    /// The previous counter's services, being stopped.
    retiring: Mutex<Option<std::thread::JoinHandle<()>>>,
    events: broadcast::Sender<StationEvent>,
    /// The plan of the last open, for a re-open.
    plan: Mutex<Plan>,
    /// Until when the manager's PIN holds (each guarded action extends it).
    manager_until: Mutex<Option<Instant>>,
    /// The environment of the last counter opened, to record a switch.
    last_environment: Mutex<Option<recur_client::Environment>>,
    /// The manager's PIN hash as last proven here: it goes with the manager to a ledger of the
    /// other environment that has none yet (the same person, the same PIN).
    carried_pin: Mutex<Option<String>>,
}

/// How long an unlock lasts after the manager's last guarded action.
pub const MANAGER_SESSION: Duration = Duration::from_secs(300);

/// What the views show about the manager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagerStatus {
    /// A PIN is set on this ledger (before one is, the first guarded action asks for one).
    pub pin_set: bool,
    /// While unlocked: when the unlock ends unless a guarded action extends it.
    pub unlocked_until: Option<Timestamp>,
    /// No try is taken before this, after too many wrong ones.
    pub locked_until: Option<Timestamp>,
}

impl ManagerStatus {
    /// The manager is in (guarded actions pass).
    pub fn unlocked(&self) -> bool {
        self.unlocked_until.is_some()
    }
}

impl Station {
    /// A station reading `env`, keeping keys in `store`, and settings.json beside the ledger
    /// `env` names (`RECUR_POS_DB`, else the OS data folder).
    pub fn new(env: Env, store: Arc<dyn SecretStore>) -> Arc<Station> {
        let ledger = recur_pos_core::Config::from_lookup(|name| env.get(name)).db_path;
        let (events, _) = broadcast::channel(64);
        Arc::new(Station {
            settings: SettingsFile::open_beside(&ledger, env.clone()),
            env,
            store,
            tunnel: PublicTunnel::default(),
            keys: RwLock::new(KeyStatus::default()),
            phase: RwLock::new(Phase::Starting(Step::Keys)),
            generation: AtomicU64::new(0),
            running: Mutex::new(None),
            open_lock: tokio::sync::Mutex::new(()),
            retiring: Mutex::new(None),
            events,
            plan: Mutex::new(Plan::counter_only()),
            manager_until: Mutex::new(None),
            last_environment: Mutex::new(None),
            carried_pin: Mutex::new(None),
        })
    }

    /// The process environment and the OS keyring (`RECUR_POS_KEYRING_SERVICE`'s namespace).
    pub fn for_process() -> Arc<Station> {
        let env = Env::process();
        let store = keys::keyring(&env);
        Station::new(env, store)
    }

    pub fn env(&self) -> &Env {
        &self.env
    }

    pub fn store(&self) -> Arc<dyn SecretStore> {
        Arc::clone(&self.store)
    }

    /// Saves a checked key in the keyring and remembers (in settings.json, without the key)
    /// that one is stored there.
    pub async fn save_key(&self, name: keys::KeyName, value: recur_domain::Secret) -> Result<(), AppError> {
        keys::save(self.store(), name, value).await?;
        self.settings.update(|s| s.keys_stored = true)?;
        Ok(())
    }

    /// Forgets both keys in the keyring (and that any was stored).
    pub async fn clear_keys(&self) -> Result<(), AppError> {
        keys::clear(self.store()).await?;
        self.settings.update(|s| s.keys_stored = false)?;
        Ok(())
    }

    /// The ledger file an open would use with the keys found now (the environment's, else the
    /// keyring's): what `recur-pos restore` replaces.
    pub async fn ledger_path(&self) -> std::path::PathBuf {
        let keys = keys::read(Arc::clone(&self.store), self.env.clone()).await;
        keys.config(&self.env, &self.settings).db_path
    }

    pub fn settings(&self) -> &SettingsFile {
        &self.settings
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StationEvent> {
        self.events.subscribe()
    }

    pub fn phase(&self) -> Phase {
        self.phase.read().expect("phase lock").clone()
    }

    /// The open counter, or why there is none.
    pub fn counter(&self) -> Result<Arc<Counter>, AppError> {
        match self.phase() {
            Phase::Ready(counter) => Ok(counter),
            Phase::Starting(_) => Err(AppError::Starting),
            Phase::Failed(code, message) => Err(AppError::NotOpen { code, message }),
        }
    }

    /// The open in progress (or done); a view ignores events of older counters.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Masked keys and where they came from, as of the last open.
    pub fn keys(&self) -> KeyStatus {
        self.keys.read().expect("keys lock").clone()
    }

    /// Opens the counter with `plan`'s services, stopping the previous counter's first. A
    /// newer open started meanwhile wins: this one then ends with [`AppError::Starting`].
    pub async fn open(self: &Arc<Self>, plan: Plan) -> Result<Arc<Counter>, AppError> {
        *self.plan.lock().expect("plan lock") = plan.clone();
        let generation = self.begin_open();
        let _one_at_a_time = self.open_lock.lock().await;
        if self.generation() != generation {
            return Err(AppError::Starting);
        }
        self.wait_retired().await;
        match self.open_now(generation, &plan).await {
            Ok(counter) => Ok(counter),
            Err(error) => {
                tracing::error!(code = %error.code(), %error, "the counter could not open");
                self.set_phase(generation, Phase::Failed(error.code(), error.to_string()));
                Err(error)
            }
        }
    }

    /// Opens again with the last plan (after the keys changed, or to retry a failed open).
    pub async fn reopen(self: &Arc<Self>) -> Result<Arc<Counter>, AppError> {
        let plan = self.plan.lock().expect("plan lock").clone();
        self.open(plan).await
    }

    async fn open_now(self: &Arc<Self>, generation: u64, plan: &Plan) -> Result<Arc<Counter>, AppError> {
        let keys = keys::read(Arc::clone(&self.store), self.env.clone()).await;
        *self.keys.write().expect("keys lock") = keys.status();
        if let Some(code) = keys.unreadable_stored_key(self.settings.get().keys_stored) {
            return Err(AppError::StoredKeysUnreadable(code));
        }
        self.set_phase(generation, Phase::Starting(Step::Ledger));
        let mut config = keys.config(&self.env, &self.settings);
        let named = url::Url::parse(&config.db_path.to_string_lossy()).is_ok_and(|u| u.password().is_some());
        if config.shared_ledger() && config.db_password.is_none() && !named && self.env.get("PGPASSWORD").is_none() {
            config.db_password = keys::db_password(Arc::clone(&self.store)).await;
        }
        let counter = tokio::task::spawn_blocking(move || Counter::open(config))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        let counter = Arc::new(counter);
        tracing::info!(
            embedded_sandbox = counter.is_embedded_sandbox(),
            environment = counter.environment().as_str(),
            ledger = %counter.ledger().path().display(),
            "counter open"
        );
        self.note_environment(&counter);
        self.set_phase(generation, Phase::Starting(Step::Catalogue));
        // A catalogue that cannot load now is not fatal: the Sell screen asks again and shows
        // the error with a retry button.
        if let Err(e) = counter.products(false).await {
            tracing::warn!(code = %e.code(), "the catalogue could not be loaded at start-up");
        }
        let running = Running::start(&counter, plan, &self.env);
        let port = running.listener_info().map(|l| l.port);
        if !self.keep(generation, &counter, running) {
            return Err(AppError::Starting);
        }
        if let (true, Some(port)) = (plan.tunnel, port) {
            let command = plan.tunnel_command.clone().or(self.settings.tunnel_command().value);
            if command.is_some() && counter.is_embedded_sandbox() {
                // Never on the sandbox: nobody outside needs to reach it (see TunnelOnSandbox).
                tracing::info!("the tunnel does not run on the embedded sandbox");
                self.announce(StationEvent::Tunnel);
            } else if let Some(command) = command {
                // A bad command is shown in Settings (and by `listen`), never fatal. Off the
                // async workers: the tunnel's token is read from the keyring.
                let (station, heard_by) = (Arc::clone(self), Arc::clone(&counter));
                let started = tokio::task::spawn_blocking(move || station.run_tunnel(&heard_by, command, port)).await;
                match started {
                    Ok(Err(e)) => tracing::warn!(code = %e.code(), error = %e, "the tunnel command could not start"),
                    Err(e) => tracing::error!(error = %e, "starting the tunnel panicked"),
                    Ok(Ok(())) => {}
                }
            }
        }
        Ok(counter)
    }

    /// Starts a new open: older opens still running will find their generation stale, and the
    /// old counter's services stop (on a thread of their own).
    fn begin_open(&self) -> u64 {
        let generation = {
            let mut phase = self.phase.write().expect("phase lock");
            *phase = Phase::Starting(Step::Keys);
            self.generation.fetch_add(1, Ordering::SeqCst) + 1
        };
        self.announce(StationEvent::Phase);
        let tunnel = self.tunnel.reset();
        let running = self.running.lock().expect("running lock").take();
        let mut retiring = self.retiring.lock().expect("retiring lock");
        let earlier = retiring.take();
        *retiring = Some(std::thread::spawn(move || {
            if let Some(earlier) = earlier {
                let _ = earlier.join();
            }
            // The tunnel first: it points at the listener's port.
            if let Some(tunnel) = tunnel {
                tunnel.stop();
            }
            if let Some(running) = running {
                running.stop();
            }
        }));
        generation
    }

    async fn wait_retired(&self) {
        let retiring = self.retiring.lock().expect("retiring lock").take();
        if let Some(handle) = retiring {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }

    /// Marks the open of `generation` ready and keeps its services, in one step under the
    /// phase lock; false (and the services stopped) when a newer open has started.
    fn keep(&self, generation: u64, counter: &Arc<Counter>, running: Running) -> bool {
        let mut phase = self.phase.write().expect("phase lock");
        if self.generation() != generation {
            drop(phase);
            // A newer open waits on the open lock: free the port before it binds.
            running.stop();
            return false;
        }
        *phase = Phase::Ready(Arc::clone(counter));
        *self.running.lock().expect("running lock") = Some(running);
        drop(phase);
        self.announce(StationEvent::Phase);
        true
    }

    fn set_phase(&self, generation: u64, next: Phase) {
        let mut phase = self.phase.write().expect("phase lock");
        if self.generation() == generation {
            *phase = next;
            drop(phase);
            self.announce(StationEvent::Phase);
        }
    }

    fn announce(&self, event: StationEvent) {
        // Nobody listening is fine (a one-shot command).
        let _ = self.events.send(event);
    }

    /// The webhook listener of the open counter, when it runs.
    pub fn listener(&self) -> Option<ListenerInfo> {
        self.running.lock().expect("running lock").as_ref()?.listener_info()
    }

    /// Stops every service (the app or `listen` is exiting). Blocks while they finish.
    pub fn shutdown(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(tunnel) = self.tunnel.reset() {
            tunnel.stop();
        }
        if let Some(running) = self.running.lock().expect("running lock").take() {
            running.stop();
        }
        if let Some(retiring) = self.retiring.lock().expect("retiring lock").take() {
            let _ = retiring.join();
        }
    }

    /// The tunnel as the views show it.
    pub fn tunnel_view(&self) -> TunnelView {
        let command = self.settings.tunnel_command();
        let on_sandbox = self.counter().is_ok_and(|c| c.is_embedded_sandbox());
        TunnelView {
            on_sandbox,
            ..self.tunnel.view(command.value, command.from_env)
        }
    }

    /// Settings' start (or restart): saves the typed command (unless `RECUR_POS_TUNNEL` sets
    /// it; blank means none) and runs the command in effect for the listener — no command stops
    /// the tunnel. Blocks while an old program stops: call it off the async workers.
    pub fn start_tunnel(self: &Arc<Self>, typed: Option<String>) -> Result<(), AppError> {
        let counter = self.counter()?;
        if counter.is_embedded_sandbox() {
            return Err(AppError::TunnelOnSandbox);
        }
        let port = self.listener().map(|l| l.port).ok_or(AppError::NoListener)?;
        if !self.settings.tunnel_command().from_env {
            let typed = match clean(typed) {
                Some(command) => Some(self.keep_token_apart(&command, port)?),
                None => None,
            };
            self.settings.update(|s| s.tunnel_command = typed)?;
        }
        match self.settings.tunnel_command().value {
            Some(command) => self.run_tunnel(&counter, command, port),
            None => {
                self.stop_tunnel();
                Ok(())
            }
        }
    }

    /// Stops the tunnel program, if any, and waits for it.
    pub fn stop_tunnel(&self) {
        if let Some(old) = self.tunnel.stop() {
            old.stop();
        }
        if let Ok(counter) = self.counter() {
            // Return pages must not point at a tunnel that is gone.
            counter.set_public_base(None);
        }
        self.announce(StationEvent::Tunnel);
    }

    /// The owner accepts the different URL the tunnel program announced mid-run.
    pub fn confirm_tunnel_url(&self) -> bool {
        let confirmed = self.tunnel.confirm_proposal();
        self.announce(StationEvent::Tunnel);
        confirmed
    }

    /// The owner has given Recur's dashboard the new webhook URL (or chose to ignore it).
    pub fn dismiss_url_change(&self) {
        self.tunnel.dismiss_change();
        self.announce(StationEvent::Tunnel);
    }

    /// Sends a signed test event through the tunnel's public URL and checks it was journaled.
    pub async fn self_test(&self) -> Result<SelfTestReport, AppError> {
        let url = self.tunnel.public_url().ok_or(AppError::NoTunnel)?;
        Ok(self.counter()?.self_test(&url).await?)
    }

    /// Checks a typed command and takes a token out of it into the keyring: what is returned
    /// (and saved in settings.json) has none. Nothing is saved when the command cannot run.
    fn keep_token_apart(&self, command: &str, port: u16) -> Result<String, AppError> {
        let typed = recur_tunnel::take_token(command).map_err(|e| AppError::InvalidTunnelCommand(e.to_string()))?;
        checked(&typed.command, port)?;
        if let Some(token) = typed.token {
            keys::save_blocking(&self.store, keys::KeyName::TunnelToken, token)?;
            tracing::info!("a tunnel token typed into the command is kept in the keyring");
        }
        Ok(typed.command)
    }

    /// Stops the running program and starts `command` for the listener on `port`. A token still
    /// in the command (`RECUR_POS_TUNNEL`, or a settings.json from before tokens were kept
    /// apart) is taken out of it and handed over by environment, as the keyring's is.
    fn run_tunnel(self: &Arc<Self>, counter: &Arc<Counter>, command: String, port: u16) -> Result<(), AppError> {
        let typed = recur_tunnel::take_token(&command).map_err(|e| AppError::InvalidTunnelCommand(e.to_string()))?;
        let saved = self.settings.tunnel_command();
        let from_settings = !saved.from_env && saved.value.as_deref() == Some(command.as_str());
        let command = typed.command;
        // A command that cannot run leaves the running program alone.
        checked(&command, port)?;
        let token = match typed.token {
            Some(token) => {
                if from_settings {
                    // Out of settings.json for good.
                    keys::save_blocking(&self.store, keys::KeyName::TunnelToken, token.clone())?;
                    self.settings.update(|s| s.tunnel_command = Some(command.clone()))?;
                }
                Some(token)
            }
            None => keys::get_blocking(&self.store, &self.env, keys::KeyName::TunnelToken).unwrap_or_else(|e| {
                tracing::warn!(code = %e.code(), "the tunnel token could not be read from the keyring");
                None
            }),
        };
        self.stop_tunnel();
        self.tunnel.begin(command.clone());
        let station: Weak<Station> = Arc::downgrade(self);
        let heard_by = Arc::clone(counter);
        let config = TunnelConfig {
            hostname: self.settings.tunnel_hostname(),
            token,
            ..TunnelConfig::new(command, port)
        };
        let started = Tunnel::start(config, move |event| {
            if let Some(station) = station.upgrade() {
                station.on_tunnel(&heard_by, &event);
            }
        });
        match started {
            Ok(tunnel) => {
                if let Some(raced) = self.tunnel.attach(tunnel) {
                    raced.stop();
                }
                self.announce(StationEvent::Tunnel);
                Ok(())
            }
            Err(e) => {
                self.tunnel.stop();
                self.announce(StationEvent::Tunnel);
                Err(AppError::InvalidTunnelCommand(e.to_string()))
            }
        }
    }

    /// Keeps what the tunnel said, points return pages at a new public URL, remembers it in
    /// settings.json (so a different one at the next start is announced), and tells the views.
    fn on_tunnel(&self, counter: &Counter, event: &TunnelEvent) {
        let last = self.settings.get().last_public_url;
        if let Some(url) = self.tunnel.on_event(event, last.as_deref(), Timestamp::now()) {
            // Not fatal: the next run would only warn about a URL it had already announced.
            let _ = self.settings.update(|s| s.last_public_url = Some(url));
        }
        if let TunnelEvent::UrlChanged { new, .. } = event {
            // Only a program still heard (not one just stopped) moves the return pages.
            if self.tunnel.public_url().as_deref() == Some(new.as_str()) {
                counter.set_public_base(Some(new.clone()));
            }
        }
        self.announce(StationEvent::Tunnel);
    }
}

/// The manager: the PIN, the unlock that lets guarded actions through, the audit log.
impl Station {
    pub fn manager_status(&self) -> Result<ManagerStatus, AppError> {
        let record = self.counter()?.ledger().pin_record()?;
        let now = Timestamp::now();
        let left = self.unlock_left().filter(|_| record.is_some());
        Ok(ManagerStatus {
            pin_set: record.is_some(),
            unlocked_until: left.map(|d| now.plus_ms(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))),
            locked_until: record.map(|r| r.locked_until).filter(|until| *until > now),
        })
    }

    /// Sets the first PIN (or changes it, given the current one) and unlocks.
    pub async fn set_manager_pin(&self, new: String, current: Option<String>) -> Result<(), AppError> {
        let counter = self.counter()?;
        let proven = Arc::clone(&counter);
        blocking(move || counter.set_manager_pin(&new, current.as_deref())).await?;
        self.proven(&proven);
        Ok(())
    }

    /// Checks the PIN (off the async workers: Argon2id takes a moment) and unlocks.
    pub async fn unlock_manager(&self, pin: String) -> Result<(), AppError> {
        let counter = self.counter()?;
        let proven = Arc::clone(&counter);
        blocking(move || counter.verify_manager_pin(&pin, Timestamp::now())).await?;
        self.proven(&proven);
        Ok(())
    }

    /// The PIN was just set or given on `counter`'s ledger: the manager is in, and the hash is
    /// remembered for a switch to the other environment.
    fn proven(&self, counter: &Counter) {
        self.extend_unlock();
        if let Ok(Some(record)) = counter.ledger().pin_record() {
            *self.carried_pin.lock().expect("pin lock") = Some(record.hash);
        }
    }

    /// Back to cashier mode.
    pub fn lock_manager(&self) {
        *self.manager_until.lock().expect("manager lock") = None;
    }

    /// Lets a guarded action through while the manager is unlocked (and extends the unlock),
    /// writing it to the audit log with `detail`; refused with what to do otherwise.
    pub fn guard(&self, action: Guarded, detail: &str) -> Result<Arc<Counter>, AppError> {
        let counter = self.counter()?;
        if counter.ledger().pin_record()?.is_none() {
            return Err(PosError::PinNotSet.into());
        }
        if self.unlock_left().is_none() {
            return Err(PosError::PinRequired.into());
        }
        self.extend_unlock();
        if action.audited() {
            counter.audit(MANAGER, action.as_str(), detail)?;
        }
        Ok(counter)
    }

    /// How long the unlock still holds; `None` when the manager is not in.
    fn unlock_left(&self) -> Option<Duration> {
        let until = (*self.manager_until.lock().expect("manager lock"))?;
        Some(until.checked_duration_since(Instant::now())?).filter(|left| !left.is_zero())
    }

    fn extend_unlock(&self) {
        *self.manager_until.lock().expect("manager lock") = Some(Instant::now() + MANAGER_SESSION);
    }

    /// The PIN the manager last proved here goes with them to `counter`'s ledger when it has
    /// none yet (the same person, the same PIN), written down with where it came `from`; a
    /// ledger with a PIN of its own keeps it.
    pub(crate) fn carry_pin(&self, counter: &Counter, from: &str) -> Result<(), AppError> {
        let carried = self.carried_pin.lock().expect("pin lock").clone();
        if let (Some(hash), None) = (carried, counter.ledger().pin_record()?) {
            counter.ledger().set_pin(&hash, Timestamp::now(), MANAGER)?;
            counter.audit(MANAGER, "pin_carried", from)?;
        }
        Ok(())
    }

    /// A counter opened on the other environment than the last one: the switch is recorded in
    /// the new ledger's audit log (the views show the environment's stripe).
    fn note_environment(&self, counter: &Counter) {
        let now = counter.environment();
        let before = self.last_environment.lock().expect("environment lock").replace(now);
        let Some(before) = before.filter(|b| *b != now) else {
            return;
        };
        let detail = format!("{} → {}", before.as_str(), now.as_str());
        tracing::warn!(%detail, "the counter switched environment");
        let recorded = (|| -> Result<(), AppError> {
            self.carry_pin(counter, before.as_str())?;
            counter.audit(MANAGER, "environment_switched", &detail)?;
            Ok(())
        })();
        if let Err(e) = recorded {
            tracing::error!(code = %e.code(), "the environment switch could not be audited");
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PosError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::from)
}

fn checked(command: &str, port: u16) -> Result<(), AppError> {
    recur_tunnel::command_line(command, port)
        .map(|_| ())
        .map_err(|e| AppError::InvalidTunnelCommand(e.to_string()))
}
