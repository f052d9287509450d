//! A fake ESC/POS printer on loopback, for tests (feature `fake`): it accepts jobs as a network
//! printer on port 9100 does, records every connection's bytes, answers `DLE EOT` status
//! requests as a real printer would (online, paper present — or out of paper, or never), and
//! [`decode`]s what it got: the commands it understands, the raster bands stacked back into
//! one image (PNG with [`png`]), the text decoded from Big5, the QR codes stored with `GS ( k`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::escpos::{DLE, EOT, ESC, FS, GS};
use crate::raster::Bitmap;

/// One command as the fake printer read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Init,
    Align(u8),
    Bold(bool),
    /// `GS !`: 0x11 is double width and height.
    Size(u8),
    ChineseOn,
    ChineseOff,
    /// Printable bytes up to the next command (Big5 in Chinese mode).
    Text(Vec<u8>),
    Newline,
    /// One `GS v 0` band.
    Raster(Bitmap),
    /// `GS ( k` store: the QR code's data.
    QrStore(String),
    QrPrint,
    QrSetting,
    Feed(u8),
    Cut,
    /// `ESC p m t1 t2`.
    DrawerKick {
        pin: u8,
        on: u8,
        off: u8,
    },
    /// `DLE EOT n`.
    Status(u8),
    Unknown(u8),
}

/// Reads the complete commands at the start of `bytes`; returns them and how many bytes they
/// took (an incomplete command at the end is left for later).
pub fn parse(bytes: &[u8]) -> (Vec<Command>, usize) {
    let mut out = Vec::new();
    let mut i = 0;
    let need = |n: usize, i: usize| bytes.len() >= i + n;
    while i < bytes.len() {
        let b = bytes[i];
        let step = match b {
            ESC => {
                if !need(2, i) {
                    break;
                }
                match bytes[i + 1] {
                    b'@' => {
                        out.push(Command::Init);
                        2
                    }
                    b'a' | b'E' | b'd' | b't' | b'!' | b'-' | b'M' => {
                        if !need(3, i) {
                            break;
                        }
                        let n = bytes[i + 2];
                        out.push(match bytes[i + 1] {
                            b'a' => Command::Align(n),
                            b'E' => Command::Bold(n & 1 == 1),
                            b'd' => Command::Feed(n),
                            _ => Command::Unknown(bytes[i + 1]),
                        });
                        3
                    }
                    b'p' => {
                        if !need(5, i) {
                            break;
                        }
                        out.push(Command::DrawerKick {
                            pin: bytes[i + 2],
                            on: bytes[i + 3],
                            off: bytes[i + 4],
                        });
                        5
                    }
                    other => {
                        out.push(Command::Unknown(other));
                        2
                    }
                }
            }
            GS => {
                if !need(2, i) {
                    break;
                }
                match bytes[i + 1] {
                    b'!' => {
                        if !need(3, i) {
                            break;
                        }
                        out.push(Command::Size(bytes[i + 2]));
                        3
                    }
                    b'V' => {
                        if !need(3, i) {
                            break;
                        }
                        let n = if matches!(bytes[i + 2], 65 | 66) { 4 } else { 3 };
                        if !need(n, i) {
                            break;
                        }
                        out.push(Command::Cut);
                        n
                    }
                    b'v' => {
                        if !need(8, i) {
                            break;
                        }
                        let wb = u32::from(bytes[i + 4]) | u32::from(bytes[i + 5]) << 8;
                        let h = u32::from(bytes[i + 6]) | u32::from(bytes[i + 7]) << 8;
                        let len = (wb * h) as usize;
                        if !need(8 + len, i) {
                            break;
                        }
                        out.push(Command::Raster(Bitmap::from_packed(wb, h, &bytes[i + 8..i + 8 + len])));
                        8 + len
                    }
                    b'(' => {
                        if !need(5, i) {
                            break;
                        }
                        let len = usize::from(bytes[i + 3]) | usize::from(bytes[i + 4]) << 8;
                        if !need(5 + len, i) {
                            break;
                        }
                        let body = &bytes[i + 5..i + 5 + len];
                        out.push(match (bytes[i + 2], body) {
                            (b'k', [49, 80, 48, data @ ..]) => {
                                Command::QrStore(String::from_utf8_lossy(data).into_owned())
                            }
                            (b'k', [49, 81, ..]) => Command::QrPrint,
                            _ => Command::QrSetting,
                        });
                        5 + len
                    }
                    other => {
                        out.push(Command::Unknown(other));
                        2
                    }
                }
            }
            FS => {
                if !need(2, i) {
                    break;
                }
                out.push(match bytes[i + 1] {
                    b'&' => Command::ChineseOn,
                    b'.' => Command::ChineseOff,
                    other => Command::Unknown(other),
                });
                2
            }
            DLE => {
                if !need(3, i) {
                    break;
                }
                if bytes[i + 1] == EOT {
                    out.push(Command::Status(bytes[i + 2]));
                    3
                } else {
                    out.push(Command::Unknown(bytes[i + 1]));
                    2
                }
            }
            b'\n' => {
                out.push(Command::Newline);
                1
            }
            0x20.. => {
                let end = bytes[i..].iter().position(|&c| c < 0x20).map_or(bytes.len(), |p| i + p);
                if end == bytes.len() {
                    // Text may go on in the next read; a complete job ends with a command.
                    break;
                }
                out.push(Command::Text(bytes[i..end].to_vec()));
                end - i
            }
            other => {
                out.push(Command::Unknown(other));
                1
            }
        };
        i += step;
    }
    (out, i)
}

/// What one job printed, decoded.
#[derive(Clone, Debug)]
pub struct Decoded {
    pub commands: Vec<Command>,
}

/// Decodes a whole job.
pub fn decode(job: &[u8]) -> Decoded {
    let (commands, _) = parse(job);
    Decoded { commands }
}

impl Decoded {
    /// Every raster band stacked into one image, if any.
    pub fn raster(&self) -> Option<Bitmap> {
        let mut image: Option<Bitmap> = None;
        for c in &self.commands {
            if let Command::Raster(band) = c {
                match image.as_mut() {
                    Some(img) => img.stack(band),
                    None => image = Some(band.clone()),
                }
            }
        }
        image
    }

    /// The text, decoded from Big5, one line per `LF`.
    pub fn text(&self) -> String {
        let mut bytes = Vec::new();
        for c in &self.commands {
            match c {
                Command::Text(t) => bytes.extend_from_slice(t),
                Command::Newline => bytes.push(b'\n'),
                _ => {}
            }
        }
        encoding_rs::BIG5.decode(&bytes).0.into_owned()
    }

    /// The data of every QR code the printer was asked to store.
    pub fn qr_codes(&self) -> Vec<String> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                Command::QrStore(d) => Some(d.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn count(&self, wanted: impl Fn(&Command) -> bool) -> usize {
        self.commands.iter().filter(|c| wanted(c)).count()
    }
}

/// `bitmap` as a black-on-white PNG.
pub fn png(bitmap: &Bitmap) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, bitmap.width, bitmap.height.max(1));
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("png header");
        let mut data: Vec<u8> = bitmap.dots.iter().map(|&d| if d { 0 } else { 255 }).collect();
        data.resize((bitmap.width * bitmap.height.max(1)) as usize, 255);
        writer.write_image_data(&data).expect("png data");
    }
    out
}

/// How the fake answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Reads everything and answers status requests: online, paper present.
    Ready = 0,
    /// Answers that the paper is out.
    PaperOut = 1,
    /// Accepts the connection and never reads a byte.
    Silent = 2,
}

/// A loopback printer; stops when dropped.
pub struct FakePrinter {
    port: u16,
    jobs: Arc<Mutex<Vec<Vec<u8>>>>,
    behaviour: Arc<AtomicU8>,
    stop: Arc<AtomicBool>,
}

impl FakePrinter {
    pub fn start() -> std::io::Result<FakePrinter> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let printer = FakePrinter {
            port: listener.local_addr()?.port(),
            jobs: Arc::default(),
            behaviour: Arc::new(AtomicU8::new(Behaviour::Ready as u8)),
            stop: Arc::default(),
        };
        let (jobs, behaviour, stop) = (printer.jobs.clone(), printer.behaviour.clone(), printer.stop.clone());
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if behaviour.load(Ordering::Relaxed) == Behaviour::Silent as u8 {
                            held.push(stream);
                            continue;
                        }
                        let (jobs, behaviour) = (jobs.clone(), behaviour.clone());
                        std::thread::spawn(move || serve(stream, &jobs, &behaviour));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Ok(printer)
    }

    /// `tcp://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    pub fn set(&self, behaviour: Behaviour) {
        self.behaviour.store(behaviour as u8, Ordering::Relaxed);
    }

    /// The jobs so far (connections that sent more than status requests), oldest first.
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        self.jobs.lock().expect("jobs").clone()
    }

    /// Waits until at least `n` jobs have arrived (or `timeout`), and returns them.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        loop {
            let jobs = self.jobs();
            if jobs.len() >= n || Instant::now() >= deadline {
                return jobs;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for FakePrinter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(mut stream: TcpStream, jobs: &Mutex<Vec<Vec<u8>>>, behaviour: &AtomicU8) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut bytes = Vec::new();
    let mut parsed = 0;
    let mut only_status = true;
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
        let (commands, used) = parse(&bytes[parsed..]);
        parsed += used;
        for c in commands {
            match c {
                Command::Status(n) => {
                    let paper_out = behaviour.load(Ordering::Relaxed) == Behaviour::PaperOut as u8;
                    let answer = match n {
                        4 if paper_out => 0x72,
                        _ => 0x12,
                    };
                    let _ = stream.write_all(&[answer]);
                }
                _ => only_status = false,
            }
        }
    }
    if !only_status {
        jobs.lock().expect("jobs").push(bytes);
    }
}

/// Saves `png` as `$RECUR_POS_ARTIFACTS/print/NAME` (default `<repo>/test-artifacts/print`) and
/// returns the path, for a person to look at.
pub fn save_artifact(name: &str, png: &[u8]) -> std::path::PathBuf {
    let root = std::env::var_os("RECUR_POS_ARTIFACTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts"));
    let dir = root.join("print");
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    let path = dir.join(name);
    std::fs::write(&path, png).expect("artifact written");
    path
}

/// The QR codes found in `bitmap` (decoded with `rqrr`), for asserting what a raster job says.
pub fn qr_in(bitmap: &Bitmap) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(bitmap.width as usize, bitmap.height as usize, |x, y| {
        if bitmap.get(x as u32, y as u32) {
            0
        } else {
            255
        }
    });
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}
