//! The socket side, shared by the sandbox's two listeners (loopback: everything; LAN in
//! phone-test mode: the hosted pages only): a tiny_http server, a few worker threads, reading
//! a request into a [`Req`] and writing a [`Resp`] back.
//!
//! Which routes a listener answers is the caller's handler ([`crate::server`]); nothing here
//! knows a route. Also the guess of the PC's LAN address for `--lan auto`.

use std::io::Read;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use crate::error::SandboxError;
use crate::http::{Req, Resp};

/// Bodies larger than this are refused: nothing in Recur's API comes close.
const MAX_BODY: u64 = 1 << 20;

/// Answers one request read at `Instant`.
pub type Handler = dyn Fn(&Req, Instant) -> Resp + Send + Sync;

/// A bound server and its worker threads. Dropping it stops them and frees the port.
pub struct Listener {
    server: Arc<tiny_http::Server>,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    addr: SocketAddr,
}

impl Listener {
    /// Binds `ip:port` (0 = any free port); nothing is served before [`Listener::spawn`].
    pub fn bind(ip: IpAddr, port: u16) -> Result<Listener, SandboxError> {
        let wanted = SocketAddr::new(ip, port);
        let server = tiny_http::Server::http(wanted).map_err(|e| SandboxError::Bind {
            addr: wanted.to_string(),
            message: e.to_string(),
        })?;
        let addr = server.server_addr().to_ip().unwrap_or(wanted);
        Ok(Listener {
            server: Arc::new(server),
            stop: Arc::new(AtomicBool::new(false)),
            workers: Vec::new(),
            addr,
        })
    }

    /// Starts `threads` workers named `name-N`, each answering with `handler`.
    pub fn spawn(&mut self, threads: usize, name: &str, handler: Arc<Handler>) -> Result<(), SandboxError> {
        for i in 0..threads {
            let (server, stop, handler) = (self.server.clone(), self.stop.clone(), handler.clone());
            // On failure the caller drops the listener, which stops the workers already started.
            let handle = std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || serve_loop(&server, &stop, &*handler))
                .map_err(|e| SandboxError::Config(format!("cannot start a thread: {e}")))?;
            self.workers.push(handle);
        }
        Ok(())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for _ in 0..self.workers.len() {
            self.server.unblock();
        }
        for handle in self.workers.drain(..) {
            let _ = handle.join();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The address this PC would use to reach the local network (no packet is sent: connecting
/// a UDP socket only picks a route). None when there is no such route or it is loopback.
pub fn guess_lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind(("0.0.0.0", 0)).ok()?;
    socket.connect(("192.0.2.1", 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

fn serve_loop(server: &tiny_http::Server, stop: &AtomicBool, handler: &Handler) {
    while !stop.load(Ordering::SeqCst) {
        match server.recv() {
            Ok(request) => serve(request, handler),
            Err(e) if !stop.load(Ordering::SeqCst) => tracing::debug!("accept failed: {e}"),
            Err(_) => break,
        }
    }
}

fn serve(mut request: tiny_http::Request, handler: &Handler) {
    let started = Instant::now();
    let resp = match read_request(&mut request) {
        Ok(req) => {
            // A bug in one handler must answer 500, not take a worker thread down with it.
            let resp = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&req, started)))
                .unwrap_or_else(|_| Resp::error(500, "internal_error", "the sandbox failed on this request"));
            let ms = started.elapsed().as_millis() as u64;
            tracing::debug!(method = %req.method, path = %req.path, status = resp.status, ms, "request");
            resp
        }
        Err(resp) => resp,
    };
    let mut response = tiny_http::Response::from_data(resp.body).with_status_code(resp.status);
    for (name, value) in resp.headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response = response.with_header(header);
        }
    }
    if let Err(e) = request.respond(response) {
        tracing::debug!("could not send a response: {e}");
    }
}

/// Reads the whole request into a [`Req`], refusing bodies over [`MAX_BODY`].
fn read_request(request: &mut tiny_http::Request) -> Result<Req, Resp> {
    let headers = request
        .headers()
        .iter()
        .map(|h| (h.field.as_str().as_str().to_owned(), h.value.as_str().to_owned()))
        .collect();
    let mut body = Vec::new();
    if request.as_reader().take(MAX_BODY + 1).read_to_end(&mut body).is_err() {
        return Err(Resp::error(400, "invalid_request", "could not read the request body"));
    }
    if body.len() as u64 > MAX_BODY {
        return Err(Resp::error(413, "invalid_request", "the request body is too large"));
    }
    Ok(Req::new(request.method().as_str(), request.url(), headers, body))
}
