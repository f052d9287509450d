//! Sending a job to a printer, with a deadline, and reading its status.
//!
//! - `tcp://HOST:PORT` (port 9100 when left out): std's `TcpStream` by hand, because the
//!   `escpos` crate's `NetworkDriver` takes only an IP literal and folds every failure into a
//!   string, and we must tell "refused" from "did not answer";
//! - `usb://VID:PID` (hex): the `escpos` crate's `NativeUsbDriver` (nusb, no libusb). Its read
//!   fills a copy of the buffer (escpos 0.17.1), so no status is read over USB: a job counts as
//!   printed once the USB write completed;
//! - `serial:///dev/ttyUSB0[?baud=9600]`: the `escpos` crate's `SerialPortDriver`.
//!
//! After the job we ask `DLE EOT 1` and `DLE EOT 4`. Real-time commands are answered as they
//! arrive in the printer's buffer, behind the job, so an answer means every byte was taken —
//! and it says whether the printer is offline or out of paper. No answer within the deadline is
//! [`PrintError::NoAnswer`], whatever the socket accepted.

use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::escpos::{STATUS_PAPER, STATUS_PRINTER};

/// The deadline when none is given: long enough for a printer busy with a receipt, short
/// enough that the cashier is told at once.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(4);

/// Where a printer is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrinterUri {
    Tcp { host: String, port: u16 },
    Usb { vendor: u16, product: u16 },
    Serial { path: String, baud: u32 },
}

impl PrinterUri {
    pub fn parse(text: &str) -> Result<PrinterUri, PrintError> {
        let text = text.trim();
        let bad = || PrintError::BadUri(text.to_owned());
        if let Some(rest) = text.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let (host, port) = match rest.rsplit_once(':') {
                Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, p.parse::<u16>().map_err(|_| bad())?),
                _ => (rest, 9100),
            };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() || port == 0 {
                return Err(bad());
            }
            return Ok(PrinterUri::Tcp {
                host: host.to_owned(),
                port,
            });
        }
        if let Some(rest) = text.strip_prefix("usb://") {
            let (v, p) = rest.trim_end_matches('/').split_once(':').ok_or_else(bad)?;
            let hex = |s: &str| u16::from_str_radix(s.trim_start_matches("0x"), 16).map_err(|_| bad());
            return Ok(PrinterUri::Usb {
                vendor: hex(v)?,
                product: hex(p)?,
            });
        }
        if let Some(rest) = text.strip_prefix("serial://") {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            let baud = match query.strip_prefix("baud=") {
                Some(b) => b.parse().map_err(|_| bad())?,
                None if query.is_empty() => 9600,
                None => return Err(bad()),
            };
            if !path.starts_with('/') || path.len() < 2 {
                return Err(bad());
            }
            return Ok(PrinterUri::Serial {
                path: path.to_owned(),
                baud,
            });
        }
        Err(bad())
    }
}

impl fmt::Display for PrinterUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrinterUri::Tcp { host, port } if host.contains(':') => write!(f, "tcp://[{host}]:{port}"),
            PrinterUri::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            PrinterUri::Usb { vendor, product } => write!(f, "usb://{vendor:04x}:{product:04x}"),
            PrinterUri::Serial { path, baud: 9600 } => write!(f, "serial://{path}"),
            PrinterUri::Serial { path, baud } => write!(f, "serial://{path}?baud={baud}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("{0:?} is not a printer: use tcp://HOST:PORT, usb://VID:PID or serial:///dev/ttyUSB0")]
    BadUri(String),
    #[error("no printer is set: choose one in Settings or pass --printer")]
    NotSet,
    #[error("the printer {printer} cannot be reached ({detail}): check that it is on and connected")]
    Unreachable { printer: String, detail: String },
    #[error("the printer {printer} did not answer within {secs} s: check that it is on, online and has paper")]
    NoAnswer { printer: String, secs: u64 },
    #[error("the printer {printer} is out of paper (or its cover is open): load paper, then print again")]
    PaperOut { printer: String },
    #[error("the printer {printer} is offline: check its cover and paper, then print again")]
    Offline { printer: String },
}

impl PrintError {
    /// The code a person is told.
    pub fn code(&self) -> recur_domain::ErrorCode {
        use recur_domain::ErrorCode;
        match self {
            PrintError::BadUri(_) => ErrorCode::PrinterInvalid,
            PrintError::NotSet => ErrorCode::PrinterNotSet,
            PrintError::Unreachable { .. } => ErrorCode::PrinterUnreachable,
            PrintError::NoAnswer { .. } => ErrorCode::PrinterNoAnswer,
            PrintError::PaperOut { .. } => ErrorCode::PrinterPaperOut,
            PrintError::Offline { .. } => ErrorCode::PrinterOffline,
        }
    }
}

/// What the printer said about itself (`DLE EOT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrinterStatus {
    /// False when the transport cannot read (USB): the rest is then unknown.
    pub answered: bool,
    pub offline: bool,
    pub paper_out: bool,
    pub paper_near_end: bool,
}

impl PrinterStatus {
    /// From the answers to `DLE EOT 1` and `DLE EOT 4` (each byte has bits 1 and 4 set and
    /// bits 0 and 7 clear).
    pub fn from_answers(printer: u8, paper: u8) -> Option<PrinterStatus> {
        let valid = |b: u8| b & 0x93 == 0x12;
        (valid(printer) && valid(paper)).then_some(PrinterStatus {
            answered: true,
            offline: printer & 0x08 != 0,
            paper_out: paper & 0x60 != 0,
            paper_near_end: paper & 0x0C != 0,
        })
    }

    fn check(self, printer: &PrinterUri) -> Result<PrinterStatus, PrintError> {
        let printer = printer.to_string();
        if self.paper_out {
            Err(PrintError::PaperOut { printer })
        } else if self.offline {
            Err(PrintError::Offline { printer })
        } else {
            Ok(self)
        }
    }
}

/// Sends `job` and waits for the printer's status behind it. `Ok` once the printer took every
/// byte and is online with paper.
pub fn send(printer: &PrinterUri, job: &[u8], timeout: Duration) -> Result<PrinterStatus, PrintError> {
    exchange(printer, job, timeout)?.check(printer)
}

/// Asks the printer's status only.
pub fn status(printer: &PrinterUri, timeout: Duration) -> Result<PrinterStatus, PrintError> {
    exchange(printer, &[], timeout)
}

fn exchange(printer: &PrinterUri, job: &[u8], timeout: Duration) -> Result<PrinterStatus, PrintError> {
    let unreachable = |detail: String| PrintError::Unreachable {
        printer: printer.to_string(),
        detail,
    };
    let no_answer = || PrintError::NoAnswer {
        printer: printer.to_string(),
        secs: timeout.as_secs().max(1),
    };
    let mut bytes = job.to_vec();
    bytes.extend_from_slice(&STATUS_PRINTER);
    bytes.extend_from_slice(&STATUS_PAPER);
    match printer {
        PrinterUri::Tcp { host, port } => {
            let deadline = Instant::now() + timeout;
            let addrs: Vec<_> = (host.as_str(), *port)
                .to_socket_addrs()
                .map_err(|e| unreachable(e.to_string()))?
                .collect();
            let mut last = String::from("no address");
            let mut stream = None;
            for addr in addrs {
                match TcpStream::connect_timeout(&addr, left(deadline)) {
                    Ok(s) => {
                        stream = Some(s);
                        break;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return Err(no_answer()),
                    Err(e) => last = e.to_string(),
                }
            }
            let mut stream = stream.ok_or_else(|| unreachable(last))?;
            let _ = stream.set_nodelay(true);
            write_before(&mut stream, &bytes, deadline, &mut |s, t| s.set_write_timeout(Some(t))).map_err(|e| {
                if timed_out(&e) {
                    no_answer()
                } else {
                    unreachable(e.to_string())
                }
            })?;
            let mut answer = [0u8; 2];
            read_before(&mut stream, &mut answer, deadline).map_err(|_| no_answer())?;
            PrinterStatus::from_answers(answer[0], answer[1]).ok_or_else(no_answer)
        }
        PrinterUri::Usb { vendor, product } => {
            use escpos::driver::Driver as _;
            let driver =
                escpos::driver::NativeUsbDriver::open(*vendor, *product).map_err(|e| unreachable(e.to_string()))?;
            driver.write(job).map_err(|e| unreachable(e.to_string()))?;
            driver.flush().map_err(|e| unreachable(e.to_string()))?;
            Ok(PrinterStatus::default())
        }
        PrinterUri::Serial { path, baud } => {
            use escpos::driver::Driver as _;
            let driver = escpos::driver::SerialPortDriver::open(path, *baud, Some(timeout))
                .map_err(|e| unreachable(e.to_string()))?;
            driver.write(&bytes).map_err(|_| no_answer())?;
            driver.flush().map_err(|_| no_answer())?;
            let mut answer = [0u8; 2];
            let mut got = 0;
            let deadline = Instant::now() + timeout;
            while got < 2 && Instant::now() < deadline {
                match driver.read(&mut answer[got..]) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got += n,
                }
            }
            if got < 2 {
                return Err(no_answer());
            }
            PrinterStatus::from_answers(answer[0], answer[1]).ok_or_else(no_answer)
        }
    }
}

fn left(deadline: Instant) -> Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1))
}

fn timed_out(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock)
}

fn write_before(
    stream: &mut TcpStream,
    mut bytes: &[u8],
    deadline: Instant,
    set: &mut dyn FnMut(&TcpStream, Duration) -> std::io::Result<()>,
) -> std::io::Result<()> {
    while !bytes.is_empty() {
        if Instant::now() >= deadline {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        set(stream, left(deadline))?;
        let n = stream.write(&bytes[..bytes.len().min(16 * 1024)])?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
    }
    stream.flush()
}

fn read_before(stream: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> std::io::Result<()> {
    let mut got = 0;
    while got < buf.len() {
        if Instant::now() >= deadline {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left(deadline)))?;
        match stream.read(&mut buf[got..])? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => got += n,
        }
    }
    Ok(())
}
