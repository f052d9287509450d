//! The ESC/POS bytes of a job, written by hand: each command is a few fixed bytes (Epson's
//! ESC/POS reference), and a job must be one pure `Vec<u8>` we can build, test and send again.
//! The `escpos` crate's `Printer` writes command by command through a driver and has no Big5
//! (its code pages are single-byte) and its raster path starts from an image file, so it is used
//! here for its drivers only ([`crate::transport`]).
//!
//! Raster jobs send the image in bands of at most [`BAND_ROWS`] rows (`GS v 0`), which cheap
//! printers' buffers take. Text jobs select Chinese mode (`FS &`): printers sold in Taiwan then
//! read two-byte Big5; a character Big5 lacks prints as `?`.

use crate::layout::{test_lines, width, Align, Line, Sheet};
use crate::model::{Lang, Paper};
use crate::raster::{self, Bitmap};

pub const ESC: u8 = 0x1B;
pub const GS: u8 = 0x1D;
pub const FS: u8 = 0x1C;
pub const DLE: u8 = 0x10;
pub const EOT: u8 = 0x04;

/// Rows per `GS v 0` band.
pub const BAND_ROWS: u32 = 256;

/// `ESC @`: initialise.
pub const INIT: [u8; 2] = [ESC, b'@'];
/// `ESC d 4` then `GS V 66 0`: feed past the cutter and cut (partial).
pub const FEED_AND_CUT: [u8; 7] = [ESC, b'd', 4, GS, b'V', 66, 0];
/// `ESC p 0 25 250`: pulse the drawer on pin 2 for 50 ms, then wait 500 ms.
pub const DRAWER_KICK: [u8; 5] = [ESC, b'p', 0, 25, 250];
/// `DLE EOT 1`: the printer's status (online/offline, drawer).
pub const STATUS_PRINTER: [u8; 3] = [DLE, EOT, 1];
/// `DLE EOT 4`: the roll paper sensors (near end, out).
pub const STATUS_PAPER: [u8; 3] = [DLE, EOT, 4];

/// A raster job: the image in bands, feed and cut, and the drawer kick when asked.
pub fn raster_job(bitmap: &Bitmap, kick: bool) -> Vec<u8> {
    let mut out = INIT.to_vec();
    raster_bands(&mut out, bitmap);
    finish(&mut out, kick);
    out
}

fn raster_bands(out: &mut Vec<u8>, bitmap: &Bitmap) {
    let width_bytes = bitmap.width.div_ceil(8);
    let mut y = 0;
    while y < bitmap.height {
        let rows = BAND_ROWS.min(bitmap.height - y);
        out.extend_from_slice(&[
            GS,
            b'v',
            b'0',
            0,
            (width_bytes & 0xFF) as u8,
            (width_bytes >> 8) as u8,
            (rows & 0xFF) as u8,
            (rows >> 8) as u8,
        ]);
        out.extend_from_slice(&bitmap.packed_rows(y, y + rows));
        y += rows;
    }
}

fn finish(out: &mut Vec<u8>, kick: bool) {
    out.extend_from_slice(&FEED_AND_CUT);
    if kick {
        out.extend_from_slice(&DRAWER_KICK);
    }
}

/// `text` in Big5, a character Big5 lacks as `?`.
pub fn big5(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let (bytes, _, unmappable) = encoding_rs::BIG5.encode(c.encode_utf8(&mut buf));
        if unmappable {
            out.push(b'?');
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    out
}

/// A text job: the lines in the printer's own font, Chinese as Big5.
pub fn text_job(sheet: &Sheet, kick: bool) -> Vec<u8> {
    let mut out = INIT.to_vec();
    text_lines(&mut out, sheet);
    finish(&mut out, kick);
    out
}

fn text_lines(out: &mut Vec<u8>, sheet: &Sheet) {
    let cols = sheet.paper.columns();
    out.extend_from_slice(&[FS, b'&']);
    for line in &sheet.lines {
        match line {
            Line::Text {
                text,
                right,
                align,
                big,
                bold,
            } => {
                let n = match align {
                    Align::Left => 0,
                    Align::Center => 1,
                    Align::Right => 2,
                };
                out.extend_from_slice(&[
                    ESC,
                    b'a',
                    n,
                    ESC,
                    b'E',
                    u8::from(*bold),
                    GS,
                    b'!',
                    if *big { 0x11 } else { 0 },
                ]);
                let mut row = text.clone();
                if let Some(right) = right {
                    let line_cols = if *big { cols / 2 } else { cols };
                    let pad = line_cols.saturating_sub(width(text) + width(right));
                    row.push_str(&" ".repeat(pad));
                    row.push_str(right);
                }
                out.extend_from_slice(&big5(&row));
                out.push(b'\n');
            }
            Line::Rule => {
                out.extend_from_slice(&[ESC, b'a', 0, ESC, b'E', 0, GS, b'!', 0]);
                out.extend_from_slice("-".repeat(cols).as_bytes());
                out.push(b'\n');
            }
            Line::Feed => out.push(b'\n'),
            Line::Qr { data } => qr(out, data),
        }
    }
    out.extend_from_slice(&[ESC, b'a', 0, ESC, b'E', 0, GS, b'!', 0, FS, b'.']);
}

/// `GS ( k`: a QR code in the printer (model 2, module 6, correction M), centred.
fn qr(out: &mut Vec<u8>, data: &str) {
    let len = data.len() + 3;
    out.extend_from_slice(&[ESC, b'a', 1]);
    out.extend_from_slice(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 67, 6]);
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 69, 49]);
    out.extend_from_slice(&[GS, b'(', b'k', (len & 0xFF) as u8, (len >> 8) as u8, 49, 80, 48]);
    out.extend_from_slice(data.as_bytes());
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 81, 48]);
    out.extend_from_slice(&[b'\n', ESC, b'a', 0]);
}

/// The test page: a header and Latin and Chinese as printer text (Big5), then the same
/// Chinese and a QR as an image, then a QR drawn by the printer itself.
pub fn test_job(paper: Paper, lang: Lang, printer: &str) -> (Vec<u8>, Sheet) {
    let page = test_lines(paper, lang, printer);
    let mut out = INIT.to_vec();
    text_lines(&mut out, &page.text);
    raster_bands(&mut out, &raster::render(&page.image));
    qr(&mut out, "recur-pos test");
    finish(&mut out, false);
    let mut both = page.text;
    both.lines.extend(page.image.lines);
    (out, both)
}

/// Opens the cash drawer.
pub fn drawer_job() -> Vec<u8> {
    let mut out = INIT.to_vec();
    out.extend_from_slice(&DRAWER_KICK);
    out
}
