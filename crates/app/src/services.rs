//! The services of one open counter: the webhook listener, the periodic sweep, the daily
//! backup (see `backups`) and the tunnel
//! program — what runs while the window is open, and while `recur-pos listen` runs.
//!
//! [`Plan`] says which to run; [`Running`] holds them and stops them in the right order (the
//! tunnel first, it points at the listener's port; then the sweep; then the listener, which
//! finishes the deliveries in flight). Stopping joins threads, so it is done off the async
//! workers. Not here: when services start or stop (the [`crate::Station`]), or what a delivery
//! does (`recur-listener`, the core).

use std::sync::Arc;
use std::time::Duration;

use recur_listener::{Listener, ListenerStats};
use recur_pos_core::Counter;

use crate::env::{self, Env};

/// Where webhooks are received unless told otherwise: a stable port, so a named tunnel's fixed
/// target keeps working across restarts.
pub const DEFAULT_LISTEN_PORT: u16 = 8787;
/// How often every still-payable checkout is read again (so nothing paid is missed, even
/// with no webhook at all).
pub const DEFAULT_SWEEP_EVERY: Duration = Duration::from_secs(180);

/// Which port the listener takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Port {
    /// This port or nothing (0 = any free port).
    Fixed(u16),
    /// This port, else any free one (a quick tunnel follows the port it is started with).
    Preferred(u16),
}

/// What to run once the counter is open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The webhook listener and the sweep; `None` runs neither (one-shot commands).
    pub listen: Option<Listen>,
    /// Start the tunnel (the command from `tunnel_command`, else the saved one) once the
    /// listener runs.
    pub tunnel: bool,
    /// A command for this run only (`recur-pos listen --tunnel CMD`), not saved.
    pub tunnel_command: Option<String>,
    /// This process is the shop's hub (`recur-pos hub`/`listen`): on a shared ledger it owns the
    /// webhook endpoint and the sweep. A counter on a shared ledger (the window) runs neither —
    /// every endpoint receives every event of the account, so one process must take them all —
    /// and follows the ledger instead.
    pub hub: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listen {
    pub port: Port,
    pub sweep_every: Duration,
}

impl Plan {
    /// Nothing but the counter (a one-shot command: `charge`, `sales`, …).
    pub fn counter_only() -> Plan {
        Plan {
            listen: None,
            tunnel: false,
            tunnel_command: None,
            hub: false,
        }
    }

    /// The window's: listener on `RECUR_POS_LISTEN_PORT` (or 8787, else any free port), the
    /// sweep every three minutes, and the saved tunnel.
    pub fn window(env: &Env) -> Plan {
        let port = match env.get(env::LISTEN_PORT).and_then(|p| p.parse().ok()) {
            Some(port) => Port::Fixed(port),
            None => Port::Preferred(DEFAULT_LISTEN_PORT),
        };
        Plan {
            listen: Some(Listen {
                port,
                sweep_every: DEFAULT_SWEEP_EVERY,
            }),
            tunnel: true,
            tunnel_command: None,
            hub: false,
        }
    }
}

/// The listener's address and counters, for Settings and `listen`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenerInfo {
    pub port: u16,
    pub webhook_url: String,
    pub stats: ListenerStats,
}

/// The listener and the sweep of one open counter.
pub(crate) struct Running {
    pub listener: Option<Listener>,
    pub sweeper: Option<tokio::task::JoinHandle<()>>,
    /// The daily backup of the ledger (see `backups`), with the listener; not on a shared
    /// ledger (its server is backed up with PostgreSQL's own tools).
    pub backups: Option<tokio::task::JoinHandle<()>>,
    /// A counter on a shared ledger: what the hub and the other counters write.
    pub follower: Option<recur_pos_core::Follower>,
}

impl Running {
    /// Starts what `plan.listen` asks for. The listener needs a webhook secret (configured, or
    /// the embedded sandbox's own); without one, or if it cannot bind, the counter still
    /// confirms payments by reading sessions, so this is logged, never fatal.
    pub fn start(counter: &Arc<Counter>, plan: &Plan, env: &Env) -> Running {
        let mut running = Running {
            listener: None,
            sweeper: None,
            backups: None,
            follower: None,
        };
        let shared = counter.ledger().is_shared();
        if shared && plan.listen.is_some() && !plan.hub {
            match counter.spawn_follower() {
                Ok(follower) => running.follower = follower,
                Err(e) => tracing::warn!(code = %e.code(), "the shared ledger cannot be followed"),
            }
            tracing::info!("a counter of a shop: the hub receives the webhooks and sweeps");
            return running;
        }
        if let Some(listen) = plan.listen {
            running.listener = start_listener(counter, listen.port);
            running.sweeper = Some(counter.spawn_sweeper(listen.sweep_every));
            if !shared {
                running.backups = Some(crate::backups::spawn_daily(counter, env));
            }
        }
        running
    }

    pub fn listener_info(&self) -> Option<ListenerInfo> {
        self.listener.as_ref().map(|l| ListenerInfo {
            port: l.port(),
            webhook_url: l.webhook_url(),
            stats: l.stats(),
        })
    }

    /// Stops the sweep at once and the listener on the calling thread (it lets deliveries in
    /// flight finish): call it off the async workers.
    pub fn stop(self) {
        if let Some(sweeper) = self.sweeper {
            sweeper.abort();
        }
        // A copy in progress finishes on its blocking thread (it is renamed into place only
        // when whole); the loop itself ends here.
        if let Some(backups) = self.backups {
            backups.abort();
        }
        if let Some(listener) = self.listener {
            listener.shutdown();
        }
        drop(self.follower);
    }
}

fn start_listener(counter: &Arc<Counter>, port: Port) -> Option<Listener> {
    counter.webhook_secret()?;
    let (first, fallback) = match port {
        Port::Fixed(port) => (port, false),
        Port::Preferred(port) => (port, true),
    };
    let started = match counter.start_listener(first) {
        Err(e) if fallback => {
            tracing::warn!(code = %e.code(), error = %e, port = first, "the webhook port is taken; using any free port");
            counter.start_listener(0)
        }
        result => result,
    };
    match started {
        Ok(listener) => {
            tracing::info!(url = %listener.webhook_url(), "webhook listener started");
            Some(listener)
        }
        Err(e) => {
            tracing::warn!(code = %e.code(), error = %e, "the webhook listener could not start; confirming by session reads");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_prefers_8787_unless_the_environment_fixes_a_port() {
        let plan = Plan::window(&Env::from_pairs(&[]));
        assert_eq!(plan.listen.map(|l| l.port), Some(Port::Preferred(8787)));
        assert!(plan.tunnel);
        let fixed = Plan::window(&Env::from_pairs(&[("RECUR_POS_LISTEN_PORT", "9001")]));
        assert_eq!(fixed.listen.map(|l| l.port), Some(Port::Fixed(9001)));
        assert_eq!(Plan::counter_only().listen, None);
    }
}
