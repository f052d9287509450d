//! Just enough HTTP/1.1 for a webhook endpoint, over a blocking `TcpStream`, with every read
//! bounded in size and time.
//!
//! Why not tiny_http: it sets no socket timeouts (a stalled client holds a thread forever), and
//! an unread body is drained on drop into one buffer the size of `Content-Length`, so it can
//! neither answer 413 "without reading it all" nor time out a truncated body. Owning the socket
//! here costs a few hundred lines and buys both.
//!
//! Deadlines are kept in user space: the socket's read timeout is a short slice, and each read
//! that times out checks the deadline (and, between requests, the shutdown flag). So one
//! setsockopt per connection, and a stalled or trickling client is cut off at its deadline.
//!
//! Not here: routing and what the bodies mean (see `server` and `webhook`).

mod head;
mod response;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) use head::{Framing, Head};
pub(crate) use response::Response;

/// A request head larger than this is refused (431).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// A chunk-size line or trailer line longer than this is malformed.
const MAX_LINE_BYTES: usize = 1024;
/// How often a blocked read wakes up to look at its deadline and the shutdown flag.
const SLICE: Duration = Duration::from_millis(200);
/// After refusing a body, how much of it is read and thrown away before closing, so that the
/// client sees our answer instead of a connection reset.
const LINGER_BYTES: usize = 256 * 1024;
const LINGER_TIME: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed the connection (before anything, or in the middle).
    Closed,
    TimedOut,
    TooLarge,
    Malformed(&'static str),
    Io(io::Error),
}

/// One client connection, with the bytes read but not yet consumed.
pub(crate) struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    shutdown: Arc<AtomicBool>,
}

impl Conn {
    pub fn new(stream: TcpStream, write_timeout: Duration, shutdown: Arc<AtomicBool>) -> io::Result<Conn> {
        stream.set_read_timeout(Some(SLICE))?;
        stream.set_write_timeout(Some(write_timeout))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(4096),
            start: 0,
            shutdown,
        })
    }

    /// Waits for the first byte of the next request. False when the peer closed, stayed idle
    /// for `idle`, or the listener is shutting down.
    pub fn wait_for_request(&mut self, idle: Duration) -> bool {
        let deadline = Instant::now() + idle;
        while self.pending().is_empty() {
            if self.shutdown.load(Ordering::Relaxed) || Instant::now() >= deadline {
                return false;
            }
            match self.read_some() {
                Ok(0) => return false,
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {}
                Err(_) => return false,
            }
        }
        true
    }

    /// Reads the head within `timeout`, leaving any body bytes buffered.
    pub fn read_head(&mut self, timeout: Duration) -> Result<Head, ReadError> {
        let deadline = Instant::now() + timeout;
        let mut scanned = 0;
        loop {
            let pending = self.pending();
            if let Some(at) = find(&pending[scanned..], b"\r\n\r\n") {
                let end = scanned + at;
                if end > MAX_HEAD_BYTES {
                    return Err(ReadError::TooLarge);
                }
                let head = Head::parse(&pending[..end]);
                self.consume(end + 4);
                return head;
            }
            if pending.len() > MAX_HEAD_BYTES {
                return Err(ReadError::TooLarge);
            }
            scanned = pending.len().saturating_sub(3);
            if self.fill(deadline)? == 0 {
                return Err(ReadError::Closed);
            }
        }
    }

    /// Reads a body of at most `limit` bytes within `timeout`.
    pub fn read_body(&mut self, framing: Framing, limit: usize, timeout: Duration) -> Result<Vec<u8>, ReadError> {
        let deadline = Instant::now() + timeout;
        match framing {
            Framing::Empty => Ok(Vec::new()),
            Framing::Length(n) if n > limit as u64 => Err(ReadError::TooLarge),
            Framing::Length(n) => self.read_exact_body(n as usize, deadline),
            Framing::Chunked => self.read_chunked(limit, deadline),
        }
    }

    /// `100 Continue`, for clients that wait for it before sending a large body.
    pub fn send_continue(&mut self) -> io::Result<()> {
        self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
    }

    pub fn respond(&mut self, response: &Response) -> io::Result<()> {
        self.stream.write_all(&response.to_bytes())
    }

    /// Closes after an answer that left part of a request unread: stop writing, read and drop a
    /// bounded amount, then close. Closing with unread bytes would reset the connection and could
    /// destroy the answer before the client read it.
    pub fn close_lingering(mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let deadline = Instant::now() + LINGER_TIME;
        let mut drained = 0;
        let mut scratch = [0u8; 8192];
        while drained < LINGER_BYTES && Instant::now() < deadline {
            match self.stream.read(&mut scratch) {
                Ok(0) => break,
                Ok(n) => drained += n,
                Err(e) if is_timeout(&e) => {}
                Err(_) => break,
            }
        }
    }

    fn read_exact_body(&mut self, n: usize, deadline: Instant) -> Result<Vec<u8>, ReadError> {
        let buffered = self.pending().len().min(n);
        let mut body = vec![0u8; n];
        body[..buffered].copy_from_slice(&self.pending()[..buffered]);
        self.consume(buffered);
        let mut got = buffered;
        while got < n {
            match self.stream.read(&mut body[got..]) {
                Ok(0) => return Err(ReadError::Closed),
                Ok(k) => got += k,
                Err(e) if is_timeout(&e) => check_deadline(deadline)?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
        Ok(body)
    }

    fn read_chunked(&mut self, limit: usize, deadline: Instant) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line(deadline)?;
            let size_text = line.split(|b| *b == b';').next().unwrap_or_default().trim_ascii();
            let size = parse_chunk_size(size_text)?;
            if size == 0 {
                return self.skip_trailers(deadline).map(|()| body);
            }
            if body.len() as u64 + size > limit as u64 {
                return Err(ReadError::TooLarge);
            }
            let chunk = self.read_exact_body(size as usize, deadline)?;
            body.extend_from_slice(&chunk);
            if !self.read_line(deadline)?.is_empty() {
                return Err(ReadError::Malformed("chunk longer than its size"));
            }
        }
    }

    fn skip_trailers(&mut self, deadline: Instant) -> Result<(), ReadError> {
        for _ in 0..32 {
            if self.read_line(deadline)?.is_empty() {
                return Ok(());
            }
        }
        Err(ReadError::Malformed("too many trailer fields"))
    }

    /// One CRLF-terminated line, without the CRLF.
    fn read_line(&mut self, deadline: Instant) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(at) = find(self.pending(), b"\r\n") {
                let line = self.pending()[..at].to_vec();
                self.consume(at + 2);
                return Ok(line);
            }
            if self.pending().len() > MAX_LINE_BYTES {
                return Err(ReadError::Malformed("line too long"));
            }
            if self.fill(deadline)? == 0 {
                return Err(ReadError::Closed);
            }
        }
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// Reads more bytes before `deadline`; 0 means the peer closed.
    fn fill(&mut self, deadline: Instant) -> Result<usize, ReadError> {
        loop {
            match self.read_some() {
                Ok(n) => return Ok(n),
                Err(e) if is_timeout(&e) => check_deadline(deadline)?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
    }

    fn read_some(&mut self) -> io::Result<usize> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let mut scratch = [0u8; 8192];
        let n = self.stream.read(&mut scratch)?;
        self.buf.extend_from_slice(&scratch[..n]);
        Ok(n)
    }
}

fn check_deadline(deadline: Instant) -> Result<(), ReadError> {
    if Instant::now() >= deadline {
        Err(ReadError::TimedOut)
    } else {
        Ok(())
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_chunk_size(text: &[u8]) -> Result<u64, ReadError> {
    let valid = !text.is_empty() && text.len() <= 15 && text.iter().all(u8::is_ascii_hexdigit);
    let text = std::str::from_utf8(text)
        .ok()
        .filter(|_| valid)
        .ok_or(ReadError::Malformed("chunk size"))?;
    u64::from_str_radix(text, 16).map_err(|_| ReadError::Malformed("chunk size"))
}
