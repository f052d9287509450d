//! The running listener: binding, the accept loop, routing each request, and shutdown.
//!
//! Not here: HTTP parsing (`http`), the webhook rules (`webhook`), the group commit (`writer`).

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use recur_ledger::{Ledger, WebhookOutcome};

use crate::config::{Hooks, ListenerConfig};
use crate::error::ListenerError;
use crate::http::{Conn, Framing, Head, ReadError, Response};
use crate::pool::ConnectionPool;
use crate::stats::{Counters, ListenerStats};
use crate::writer::Writer;
use crate::{pages, webhook, RETURN_CANCEL_PATH, RETURN_SUCCESS_PATH, WEBHOOK_PATH};

/// How long shutdown waits for connections that are in the middle of a request.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);

/// A running listener on 127.0.0.1. Stopped by [`Listener::shutdown`] or by dropping it.
pub struct Listener {
    port: u16,
    counters: Arc<Counters>,
    shutdown: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    pool: Option<Arc<ConnectionPool>>,
    writer: Option<JoinHandle<()>>,
    stopped: bool,
}

/// What every connection thread shares.
pub(crate) struct Context {
    pub config: ListenerConfig,
    pub writer: Writer,
    pub counters: Arc<Counters>,
    pub hooks: Hooks,
    pub shutdown: Arc<AtomicBool>,
}

impl Listener {
    /// Binds 127.0.0.1:`config.port` and starts the accept thread and the writer thread.
    pub fn start(config: ListenerConfig, ledger: Arc<Ledger>, hooks: Hooks) -> Result<Listener, ListenerError> {
        validate(&config)?;
        let socket = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).map_err(|source| ListenerError::Bind {
            port: config.port,
            source,
        })?;
        let port = socket
            .local_addr()
            .map_err(|source| ListenerError::Bind {
                port: config.port,
                source,
            })?
            .port();
        let counters = Arc::new(Counters::default());
        let shutdown = Arc::new(AtomicBool::new(false));
        let (writer, writer_thread) =
            Writer::start(ledger, config.batch_max, Arc::clone(&counters)).map_err(ListenerError::Thread)?;
        let (workers, max_connections) = (config.workers, config.max_connections);
        let context = Arc::new(Context {
            config,
            writer,
            counters: Arc::clone(&counters),
            hooks,
            shutdown: Arc::clone(&shutdown),
        });
        let serve = Box::new(move |stream| serve_connection(stream, &context));
        let pool = Arc::new(ConnectionPool::new(workers, max_connections, serve));
        let mut listener = Listener {
            port,
            counters,
            shutdown: Arc::clone(&shutdown),
            accept: None,
            pool: Some(Arc::clone(&pool)),
            writer: Some(writer_thread),
            stopped: false,
        };
        let accept = std::thread::Builder::new()
            .name("recur-listener-accept".into())
            .spawn(move || accept_loop(&socket, &pool, &shutdown))
            .map_err(ListenerError::Thread)?;
        listener.accept = Some(accept);
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
        self.counters.snapshot()
    }

    /// Stops accepting, lets requests in flight finish (their batch commits and they are
    /// answered), closes idle connections and joins the threads.
    pub fn shutdown(mut self) {
        self.stop();
    }

    /// Idempotent: [`Drop`] calls it too, so a listener that is merely dropped stops the same way.
    fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        self.shutdown.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            // The accept thread is blocked in accept(): wake it with a connection of our own.
            let wake = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
            match TcpStream::connect_timeout(&wake, Duration::from_secs(1)) {
                Ok(_) => {
                    let _ = accept.join();
                }
                // Joining now could wait forever; the thread ends with the next connection.
                Err(e) => tracing::warn!(error = %e, "cannot wake the accept thread; not waiting for it"),
            }
        }
        let drained = self.pool.take().is_none_or(|pool| pool.close(DRAIN_TIMEOUT));
        if let Some(writer) = self.writer.take() {
            // The writer ends once every connection thread (each holding a sender) is gone.
            if drained {
                let _ = writer.join();
            } else {
                tracing::warn!("connections still busy after shutdown; not waiting for the writer");
            }
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

fn validate(config: &ListenerConfig) -> Result<(), ListenerError> {
    let checks = [
        (config.max_connections == 0, "max_connections must be at least 1"),
        (config.batch_max == 0, "batch_max must be at least 1"),
        (config.max_body_bytes == 0, "max_body_bytes must be at least 1"),
        (config.read_timeout.is_zero(), "read_timeout must be positive"),
    ];
    match checks.into_iter().find(|(bad, _)| *bad) {
        Some((_, why)) => Err(ListenerError::Config(why)),
        None => Ok(()),
    }
}

fn accept_loop(socket: &TcpListener, pool: &ConnectionPool, shutdown: &AtomicBool) {
    for stream in socket.incoming() {
        if shutdown.load(Ordering::SeqCst) {
            break;
        }
        match stream {
            Ok(stream) => {
                if let Err(stream) = pool.dispatch(stream) {
                    refuse(stream);
                }
            }
            Err(e) => {
                // Usually out of file descriptors: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// Every connection thread is busy: say so quickly and close.
fn refuse(mut stream: TcpStream) {
    tracing::warn!("too many connections; refusing one");
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let response = Response::error(503, "listener_busy", "too many connections; try again").closing();
    let _ = stream.write_all(&response.to_bytes());
}

fn serve_connection(stream: TcpStream, ctx: &Context) {
    let Ok(mut conn) = Conn::new(stream, ctx.config.read_timeout, Arc::clone(&ctx.shutdown)) else {
        return;
    };
    while conn.wait_for_request(ctx.config.idle_timeout) {
        let head = match conn.read_head(ctx.config.read_timeout) {
            Ok(head) => head,
            Err(e) => {
                if let Some(response) = head_refusal(e) {
                    let _ = conn.respond(&response);
                }
                conn.close_lingering();
                return;
            }
        };
        let (mut response, outcome) = route(&mut conn, &head, ctx);
        response.close |= !head.keep_alive() || ctx.shutdown.load(Ordering::Relaxed);
        let written = conn.respond(&response);
        if let (Some(outcome), Some(hook)) = (outcome, &ctx.hooks.on_outcome) {
            call_outcome_hook(hook.as_ref(), &outcome, head.header("x-recur-event-type"));
        }
        if response.close {
            conn.close_lingering();
            return;
        }
        if written.is_err() {
            return;
        }
    }
}

fn route(conn: &mut Conn, head: &Head, ctx: &Context) -> (Response, Option<WebhookOutcome>) {
    let path = head.path.as_str();
    if path == WEBHOOK_PATH && head.method == "POST" {
        return webhook::handle(conn, head, ctx);
    }
    let response = if head.tainted {
        Response::error(400, "malformed_request", "control characters in the header fields")
    } else {
        match path {
            WEBHOOK_PATH => Response::error(405, "method_not_allowed", "use POST").with_header("Allow", "POST"),
            RETURN_SUCCESS_PATH | RETURN_CANCEL_PATH if head.method == "GET" => pages::serve(head, &ctx.hooks),
            RETURN_SUCCESS_PATH | RETURN_CANCEL_PATH => {
                Response::error(405, "method_not_allowed", "use GET").with_header("Allow", "GET")
            }
            _ => Response::error(404, "not_found", "no such path"),
        }
    };
    // A body we did not read would be taken for the next request: close after answering.
    let unread_body = !matches!(head.framing(), Ok(Framing::Empty | Framing::Length(0)));
    let response = if unread_body || head.tainted {
        response.closing()
    } else {
        response
    };
    (response, None)
}

fn head_refusal(error: ReadError) -> Option<Response> {
    let response = match error {
        ReadError::Closed => return None,
        ReadError::Io(e) => {
            tracing::debug!(error = %e, "connection failed while reading a request head");
            return None;
        }
        ReadError::TooLarge => Response::error(431, "head_too_large", "the request head is too large"),
        other => webhook::refusal(other),
    };
    Some(response.closing())
}

fn call_outcome_hook(
    hook: &(dyn Fn(&WebhookOutcome, Option<&str>) + Send + Sync),
    outcome: &WebhookOutcome,
    event_type: Option<&str>,
) {
    let called = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(outcome, event_type)));
    if called.is_err() {
        tracing::error!("the on_outcome hook panicked");
    }
}
