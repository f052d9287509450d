//! The listener's whole request path without a socket: bytes in, the bytes it answers out.
//!
//! [`InProcess`] is a listener whose connections are in-memory pipes instead of TCP: each
//! [`InProcess::exchange`] opens one, writes the given bytes as a client would (then shuts its
//! side down), and returns everything the listener wrote back before it closed the pipe. Between
//! the two ends everything is the real thing: admission, hyper's HTTP/1 framing, routing, body
//! limits, the signature check, the writer's group commit into the ledger, the hooks. No port,
//! no accept loop, no kernel: the fuzz target `listener_request` (see `fuzz/`) runs thousands of
//! requests a second through it, and the tests use it where a socket would only add noise.
//!
//! Not here: binding and the accept loop (see `server`).

use std::sync::Arc;
use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;
use recur_ledger::Ledger;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::{Hooks, ListenerConfig};
use crate::connection;
use crate::error::ListenerError;
use crate::server::Core;
use crate::stats::ListenerStats;

/// Bytes of the pipe between the client side and the listener (as a socket's buffers would).
const PIPE_BYTES: usize = 64 * 1024;

/// A listener served over in-memory pipes, on a single-threaded runtime of its own.
pub struct InProcess {
    runtime: tokio::runtime::Runtime,
    graceful: GracefulShutdown,
    core: Option<Core>,
}

impl InProcess {
    /// Starts the writer and the hook thread on `ledger`, as [`crate::Listener::start`] does;
    /// `config.port` and `config.workers` are not used.
    pub fn start(config: ListenerConfig, ledger: Arc<Ledger>, hooks: Hooks) -> Result<InProcess, ListenerError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ListenerError::Thread)?;
        let core = Core::start(config, ledger, hooks)?;
        Ok(InProcess {
            runtime,
            graceful: GracefulShutdown::new(),
            core: Some(core),
        })
    }

    /// One connection: sends `request` (any bytes; pipelined requests too), shuts the sending
    /// side, and returns all the listener answered before it closed the connection. `None` when
    /// it neither answered nor closed within `patience` (a hang).
    pub fn exchange(&self, request: &[u8], patience: Duration) -> Option<Vec<u8>> {
        let ctx = &self.core.as_ref()?.ctx;
        self.runtime.block_on(async {
            let (client, server) = tokio::io::duplex(PIPE_BYTES);
            connection::spawn(server, ctx, self.graceful.watcher());
            let (mut from_listener, mut to_listener) = tokio::io::split(client);
            let request = request.to_vec();
            // Written on a task of its own: the listener may answer (and stop reading) before
            // the whole request is in, and a full pipe must not keep the answer from being read.
            let sending = tokio::spawn(async move {
                let _ = to_listener.write_all(&request).await;
                let _ = to_listener.shutdown().await;
                to_listener
            });
            let mut answer = Vec::new();
            let read = tokio::time::timeout(patience, from_listener.read_to_end(&mut answer)).await;
            sending.abort();
            match read {
                Ok(_) => Some(answer),
                Err(_) => None,
            }
        })
    }

    pub fn stats(&self) -> ListenerStats {
        self.core.as_ref().map(Core::stats).unwrap_or_default()
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(core) = self.core.take() {
            core.stop();
        }
    }
}

impl std::fmt::Debug for InProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcess").finish_non_exhaustive()
    }
}
