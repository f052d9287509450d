//! Load that an attacker (or Recur) puts on the listener, over real loopback sockets: slow
//! clients that hold connections and come back when cut, genuine signed deliveries, and floods
//! of unsigned 1 MiB posts. Used by the tests and by the benchmark (`examples/bench.rs`
//! includes this file), so both measure the same thing.
//!
//! Only std, `recur_domain` and `rusqlite`: no test support, so the benchmark can use it as it is.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use recur_domain::signature;

/// How often the slow clients look whether the listener cut them, and come back.
const REFILL_EVERY: Duration = Duration::from_millis(200);

/// Connections held open by clients that never finish a request: half stop in the middle of
/// their head, half announce a 1 MiB signed-looking body and stop after 100 bytes of it. When
/// the listener closes one, it connects again.
pub struct SlowClients {
    stop: Arc<AtomicBool>,
    reconnects: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl SlowClients {
    /// Opens `count` slow connections now and keeps them open until [`SlowClients::stop`].
    pub fn hold(port: u16, count: usize) -> SlowClients {
        let mut held: Vec<Option<TcpStream>> = (0..count).map(|n| slow_connection(port, n)).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let reconnects = Arc::new(AtomicUsize::new(0));
        let (flag, counter) = (Arc::clone(&stop), Arc::clone(&reconnects));
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(REFILL_EVERY);
                for (n, slot) in held.iter_mut().enumerate() {
                    if slot.as_mut().is_none_or(|s| !still_open(s)) {
                        *slot = slow_connection(port, n);
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
        SlowClients {
            stop,
            reconnects,
            thread: Some(thread),
        }
    }

    /// How many times a slow client had to connect again (the listener cut it).
    pub fn reconnects(&self) -> usize {
        self.reconnects.load(Ordering::Relaxed)
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn slow_connection(port: u16, n: usize) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let partial = if n.is_multiple_of(2) {
        b"POST /webhooks/recur HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Recur-Sig".to_vec()
    } else {
        let mut head = format!(
            "POST /webhooks/recur HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\
             X-Recur-Signature: {}=\r\n\r\n",
            1024 * 1024,
            "A".repeat(43)
        )
        .into_bytes();
        head.extend_from_slice(&[b'{'; 100]);
        head
    };
    stream.write_all(&partial).ok()?;
    stream.set_nonblocking(true).ok()?;
    Some(stream)
}

/// Whether the listener has not closed the connection (nothing is expected to arrive on it
/// but an answer, after which the listener closes it anyway).
fn still_open(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 512];
    match stream.read(&mut buf) {
        Ok(0) => false,
        Ok(_) => true,
        Err(e) => e.kind() == ErrorKind::WouldBlock,
    }
}

/// A complete signed delivery of `body`.
pub fn signed_request(secret: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "POST /webhooks/recur HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         X-Recur-Signature: {}\r\nContent-Length: {}\r\n\r\n",
        signature::sign_base64(secret, body),
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// What one delivery got: its status (0 when the connection failed) and how long it took.
#[derive(Clone, Copy, Debug)]
pub struct Delivered {
    pub status: u16,
    pub latency: Duration,
}

/// Sends each request on a connection of its own, from `senders` threads at once, as a tunnel
/// that opens a connection per delivery would.
pub fn deliver_each(port: u16, requests: Vec<Vec<u8>>, senders: usize) -> Vec<Delivered> {
    let per_sender = requests.len().div_ceil(senders.max(1)).max(1);
    let mut chunks: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut requests = requests.into_iter().peekable();
    while requests.peek().is_some() {
        chunks.push(requests.by_ref().take(per_sender).collect());
    }
    let threads: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            std::thread::spawn(move || {
                chunk
                    .iter()
                    .map(|request| {
                        let started = Instant::now();
                        let status = deliver_one(port, request).unwrap_or(0);
                        Delivered {
                            status,
                            latency: started.elapsed(),
                        }
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    threads.into_iter().flat_map(|t| t.join().expect("sender")).collect()
}

fn deliver_one(port: u16, request: &[u8]) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(25)))?;
    stream.write_all(request)?;
    read_status(&mut stream)
}

/// Reads an answer's head and returns its status.
pub fn read_status(stream: &mut TcpStream) -> std::io::Result<u16> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let status = head.get(9..12).and_then(|s| std::str::from_utf8(s).ok());
    Ok(status.and_then(|s| s.parse().ok()).unwrap_or(0))
}

/// Posts `count` unsigned bodies of `size` bytes that claim to be `product.updated`, each on a
/// connection of its own, from `senders` threads; returns how many were answered 401 (the
/// others saw the connection closed while still sending: the listener refusing to read them).
pub fn flood_unsigned(port: u16, count: usize, size: usize, senders: usize) -> usize {
    let mut request = format!(
        "POST /webhooks/recur HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         X-Recur-Event-Type: product.updated\r\nContent-Length: {size}\r\n\r\n"
    )
    .into_bytes();
    request.resize(request.len() + size, b'x');
    let request = Arc::new(request);
    let threads: Vec<_> = (0..senders)
        .map(|s| {
            let request = Arc::clone(&request);
            let mine = count / senders + usize::from(s < count % senders);
            std::thread::spawn(move || (0..mine).filter(|_| post_unsigned(port, &request) == Some(401)).count())
        })
        .collect();
    threads.into_iter().map(|t| t.join().expect("flooder")).sum()
}

fn post_unsigned(port: u16, request: &Arc<Vec<u8>>) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut writing = stream.try_clone().ok()?;
    // The listener may answer and close before the body is sent: write on one thread, read on
    // this one.
    let request = Arc::clone(request);
    let writer = std::thread::spawn(move || {
        let _ = writing.write_all(&request);
    });
    let status = read_status(&mut stream).ok();
    drop(stream);
    let _ = writer.join();
    status
}

/// The value below which `p` (0–1) of the latencies fall, in milliseconds.
pub fn percentile_ms(latencies: &[Duration], p: f64) -> f64 {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(index).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// The bytes the ledger's data takes on disk: its WAL is checkpointed into the file first
/// (through a connection of our own), so what was written is counted once, whether it still sat
/// in the WAL or not; the WAL, truncated, adds nothing.
pub fn ledger_bytes(path: &std::path::Path) -> u64 {
    let conn = rusqlite::Connection::open(path).expect("a second connection to the ledger");
    let _: (i64, i64, i64) = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("checkpoint");
    drop(conn);
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    size(path) + size(std::path::Path::new(&wal))
}
