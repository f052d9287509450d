//! Printing for the counter: a paid sale's receipt, the day's close (Z report) and a test page,
//! on the ESC/POS thermal printers Taiwanese counters use (58 mm and 80 mm; network port 9100,
//! USB, serial), with Chinese text that prints on every one of them.
//!
//! The path is three steps, each its own module:
//!
//! - [`model`]: what a receipt, a day sheet and a test page say (filled in by `recur-pos-app`
//!   from the ledger; nothing here reads it);
//! - [`layout`]: one pure function per document from the model to [`Line`]s of a paper width,
//!   wrapped by display width (a Chinese character takes two columns). The lines are what is
//!   kept per print job, so a retry prints the same thing;
//! - two renderers: [`raster`] draws the lines with the bundled font (Noto Sans Mono CJK TC,
//!   cut to Big5's characters) into a 1-bit image of the paper's width (384 dots at 58 mm, 576
//!   at 80 mm) sent with `GS v 0` — it works on every printer and is the default; [`escpos`]
//!   also writes the lines as printer-native Big5 text for printers with a Chinese font.
//!
//! [`transport`] sends the bytes (TCP by hand, USB and serial through the `escpos` crate's
//! drivers) with a deadline, and asks the printer's status (`DLE EOT`) after the job: its
//! answer is how we know every byte was taken. With the `fake` feature, [`fake`] is a loopback
//! printer that records, decodes and answers, for the tests of every crate.

pub mod escpos;
#[cfg(feature = "fake")]
pub mod fake;
pub mod layout;
pub mod model;
pub mod raster;
pub mod transport;

pub use layout::{day_lines, receipt_lines, test_lines, Align, Line, Sheet};
pub use model::{DaySheet, Lang, Paper, Payment, PrintMode, PrinterSettings, Receipt, Shop};
pub use transport::{PrintError, PrinterStatus, PrinterUri};

/// The bytes of one job for `sheet` in `mode`, with a drawer kick at the end when `kick`.
pub fn render(sheet: &Sheet, mode: PrintMode, kick: bool) -> Vec<u8> {
    match mode {
        PrintMode::Raster => escpos::raster_job(&raster::render(sheet), kick),
        PrintMode::Text => escpos::text_job(sheet, kick),
    }
}
