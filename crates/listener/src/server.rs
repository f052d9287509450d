//! The running listener: binding, its own runtime, the accept loop, and shutdown.
//!
//! [`Listener::start`] is synchronous and may be called from anywhere, including from inside the
//! app's tokio runtime: the listener runs on a tokio runtime of its own (`workers` threads, on a
//! thread named `recur-listener`), so it neither depends on the caller's runtime flavour nor
//! competes with the app's tasks, and stopping it never has to block inside an async context it
//! does not own. Beside it run the writer thread (SQLite) and the hook thread (the app's
//! callbacks).
//!
//! Not here: a connection's life (see `connection`), the webhook rules (see `webhook`), the
//! group commit (see `writer`).

use std::net::{Ipv4Addr, TcpListener as StdListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;
use recur_ledger::Ledger;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::config::{Hooks, ListenerConfig};
use crate::connection;
use crate::context::Context;
use crate::error::ListenerError;
use crate::hooks::{HookCalls, HookThread};
use crate::stats::{Counters, ListenerStats};
use crate::writer::Writer;

/// How long shutdown lets requests in flight finish (their batch commits and they are answered).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// After a failed accept (usually: out of file descriptors), wait this long before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// A running listener on 127.0.0.1. Stopped by [`Listener::shutdown`] or by dropping it.
pub struct Listener {
    port: u16,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    core: Option<Core>,
}

/// Everything of a listener but the socket and its runtime: the shared context, the writer
/// thread and the hook thread. Also what `in_process` serves its pipes with.
pub(crate) struct Core {
    pub ctx: Arc<Context>,
    writer: Writer,
    writer_thread: JoinHandle<()>,
    hook_thread: HookThread,
}

impl Core {
    pub fn start(config: ListenerConfig, ledger: Arc<Ledger>, hooks: Hooks) -> Result<Core, ListenerError> {
        validate(&config)?;
        let counters = Arc::new(Counters::default());
        let (writer, writer_thread) =
            Writer::start(ledger, config.batch_max, Arc::clone(&counters)).map_err(ListenerError::Thread)?;
        let (calls, hook_thread) = HookCalls::start(hooks, Arc::clone(&counters)).map_err(ListenerError::Thread)?;
        let ctx = Arc::new(Context::new(config, writer.clone(), calls, counters));
        Ok(Core {
            ctx,
            writer,
            writer_thread,
            hook_thread,
        })
    }

    pub fn stats(&self) -> ListenerStats {
        self.ctx.counters.snapshot()
    }

    /// No connection is left to submit anything: the writer finishes its queue and ends, then
    /// the hook thread.
    pub fn stop(self) {
        self.writer.close();
        let _ = self.writer_thread.join();
        self.hook_thread.stop();
    }
}

impl Listener {
    /// Binds 127.0.0.1:`config.port` and starts the runtime, the writer and the hook thread.
    pub fn start(config: ListenerConfig, ledger: Arc<Ledger>, hooks: Hooks) -> Result<Listener, ListenerError> {
        validate(&config)?;
        let (socket, port) = bind(config.port)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.workers.max(1))
            .thread_name("recur-listener-rt")
            .enable_all()
            .build()
            .map_err(ListenerError::Thread)?;
        let socket = {
            let _entered = runtime.enter();
            TcpListener::from_std(socket).map_err(|source| ListenerError::Bind { port, source })?
        };
        let core = Core::start(config, ledger, hooks)?;
        let ctx = Arc::clone(&core.ctx);
        let (stop, stopped) = oneshot::channel();
        let mut listener = Listener {
            port,
            stop: Some(stop),
            server: None,
            core: Some(core),
        };
        let server = std::thread::Builder::new()
            .name("recur-listener".into())
            .spawn(move || {
                runtime.block_on(serve(socket, ctx, stopped));
                // Connections still open after the drain end here, with the runtime.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .map_err(ListenerError::Thread)?;
        listener.server = Some(server);
        tracing::info!(port, "webhook listener started");
        Ok(listener)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT/webhooks/recur`.
    pub fn webhook_url(&self) -> String {
        crate::webhook_url(&self.base_url())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn stats(&self) -> ListenerStats {
        self.core.as_ref().map(Core::stats).unwrap_or_default()
    }

    /// Stops accepting (the port is free at once), closes idle connections, lets requests in
    /// flight finish for up to five seconds (their batch commits and they are answered), then
    /// stops the writer and the hook thread. Blocks the calling thread meanwhile.
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Idempotent: [`Drop`] calls it too, so a listener that is merely dropped stops the same way.
    fn stop(&mut self) {
        let Some(stop) = self.stop.take() else {
            return;
        };
        let _ = stop.send(());
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
        if let Some(core) = self.core.take() {
            core.stop();
        }
        tracing::info!(port = self.port, "webhook listener stopped");
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// 127.0.0.1:`port` (0: any free port), non-blocking for tokio; and the port it got.
fn bind(port: u16) -> Result<(StdListener, u16), ListenerError> {
    let bind_error = |source| ListenerError::Bind { port, source };
    let socket = StdListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(bind_error)?;
    let bound = socket.local_addr().map_err(bind_error)?.port();
    socket.set_nonblocking(true).map_err(bind_error)?;
    Ok((socket, bound))
}

fn validate(config: &ListenerConfig) -> Result<(), ListenerError> {
    let checks = [
        (config.max_connections == 0, "max_connections must be at least 1"),
        (config.batch_max == 0, "batch_max must be at least 1"),
        (config.max_body_bytes == 0, "max_body_bytes must be at least 1"),
        (config.read_timeout.is_zero(), "read_timeout must be positive"),
        (config.pressured_timeout.is_zero(), "pressured_timeout must be positive"),
        (
            config.max_requests_per_connection == 0,
            "max_requests_per_connection must be at least 1",
        ),
    ];
    match checks.into_iter().find(|(bad, _)| *bad) {
        Some((_, why)) => Err(ListenerError::Config(why)),
        None => Ok(()),
    }
}

/// Accepts until told to stop, then drains.
async fn serve(socket: TcpListener, ctx: Arc<Context>, mut stopped: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = socket.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    connection::spawn(stream, &ctx, graceful.watcher());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            _ = &mut stopped => break,
        }
    }
    drop(socket);
    // Idle connections and heads still arriving have nothing acknowledged to lose: close them
    // now. The rest (a body being read, a batch being committed) finish and are answered.
    ctx.admission.evict_waiting();
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still busy after shutdown; closing them");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_listener_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::Listener>();
    }
}
