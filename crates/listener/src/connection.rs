//! One accepted connection: admitted (or refused), served by hyper's HTTP/1 server, and closed
//! when it must make room, when the listener stops, or when hyper is done with it.
//!
//! hyper owns the framing: the head deadline (which also ends idle keep-alive), the head size,
//! `Content-Length`/`Transfer-Encoding` rules, `Expect: 100-continue` (sent only when a body is
//! actually read, so a body refused unread is never invited), pipelining and graceful close.
//!
//! Not here: routing (see `route`), who is closed for room (see `admission`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::Watcher;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::admission::{Admitted, Ticket};
use crate::context::Context;
use crate::route;
use crate::stats::Count;

/// How long a refused connection is given to take its 503.
const REFUSAL_WRITE: Duration = Duration::from_secs(1);

/// Admits and serves `stream` (a TCP connection, or the in-process pipe of `in_process`) on a
/// task of its own.
pub(crate) fn spawn<S>(stream: S, ctx: &Arc<Context>, watcher: Watcher)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ticket = match ctx.admission.admit() {
        Admitted::In { ticket, evicted } => {
            if evicted {
                ctx.counters.add(Count::Evicted);
                tracing::debug!("a connection was closed to make room for a new one");
            }
            ticket
        }
        Admitted::Full => {
            ctx.counters.add(Count::Refused);
            tracing::warn!("every connection is committing a delivery; refusing one");
            tokio::spawn(refuse(stream));
            return;
        }
    };
    tokio::spawn(serve(stream, Arc::clone(ctx), ticket, watcher));
}

/// Serves one admitted connection until hyper is done with it or it must make room.
async fn serve<S>(stream: S, ctx: Arc<Context>, ticket: Ticket, watcher: Watcher)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let slot = Arc::clone(&ticket.slot);
    let (service_ctx, service_slot) = (Arc::clone(&ctx), Arc::clone(&slot));
    let service = service_fn(move |req: Request<Incoming>| {
        let (ctx, slot) = (Arc::clone(&service_ctx), Arc::clone(&service_slot));
        async move { Ok::<_, Infallible>(route::respond(req, &ctx, &slot).await) }
    });
    let connection = ctx
        .http(ticket.pressured)
        .serve_connection(TokioIo::new(stream), service);
    let mut served = std::pin::pin!(watcher.watch(connection));
    loop {
        tokio::select! {
            result = &mut served => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                break;
            }
            () = slot.evicted() => {
                // Chosen while waiting, committing by now: its answer is owed, and says
                // `Connection: close` (see `route`), so hyper ends the connection after it.
                if !slot.committing() {
                    tracing::debug!("connection closed to make room");
                    break;
                }
            }
        }
    }
    drop(ticket);
}

/// A short answer written without reading anything, then the connection is closed.
async fn refuse<S: AsyncWrite + Unpin>(mut stream: S) {
    let body = r#"{"error":{"code":"listener_busy","message":"too many connections; try again"}}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSAL_WRITE, stream.write_all(answer.as_bytes())).await;
    let _ = stream.shutdown().await;
}
