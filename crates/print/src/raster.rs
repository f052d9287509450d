//! The raster renderer: a sheet's lines drawn into a 1-bit image of the paper's width with the
//! bundled font, so Chinese prints on any ESC/POS printer, whatever fonts it has.
//!
//! The font is Noto Sans Mono CJK TC (SIL OFL 1.1) cut to ASCII, Latin-1, punctuation and every
//! Big5 character (`scripts/subset-font.sh`: 3.3 MB instead of the 19 MB collection). A character
//! outside it is drawn from the system's Noto Sans CJK when one is installed (Debian's
//! fonts-noto-cjk), else as the font's empty box. Characters sit on the layout's columns (12
//! dots per half-width column, 24 for a Chinese character), so the image and Big5 text mode line
//! up the same way. Text is 24 dots high (48 for big lines): Font A's size on these printers.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, FontVec, PxScale, ScaleFont};
use unicode_width::UnicodeWidthChar;

use crate::layout::{width, Align, Line, Sheet};

const BUNDLED: &[u8] = include_bytes!("../fonts/NotoSansMonoTC-Receipt.otf");
const SYSTEM_FALLBACK: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 8),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 3),
];

/// A 1-bit image, row by row; `true` is a black dot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub dots: Vec<bool>,
}

impl Bitmap {
    pub fn new(width: u32, height: u32) -> Bitmap {
        Bitmap {
            width,
            height,
            dots: vec![false; (width * height) as usize],
        }
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        x < self.width && y < self.height && self.dots[(y * self.width + x) as usize]
    }

    pub fn set(&mut self, x: i64, y: i64) {
        if x >= 0 && y >= 0 && (x as u32) < self.width && (y as u32) < self.height {
            self.dots[(y as u32 * self.width + x as u32) as usize] = true;
        }
    }

    /// Adds `rows` white rows at the bottom.
    fn grow(&mut self, rows: u32) {
        self.height += rows;
        self.dots.resize((self.width * self.height) as usize, false);
    }

    /// Rows packed as `GS v 0` wants them: 8 dots a byte, most significant bit leftmost.
    pub fn packed_rows(&self, from: u32, to: u32) -> Vec<u8> {
        let bytes_per_row = self.width.div_ceil(8);
        let mut out = Vec::with_capacity((bytes_per_row * (to - from)) as usize);
        for y in from..to {
            for bx in 0..bytes_per_row {
                let mut byte = 0u8;
                for bit in 0..8 {
                    if self.get(bx * 8 + bit, y) {
                        byte |= 0x80 >> bit;
                    }
                }
                out.push(byte);
            }
        }
        out
    }

    /// The inverse of [`Bitmap::packed_rows`], for decoders.
    pub fn from_packed(width_bytes: u32, height: u32, data: &[u8]) -> Bitmap {
        let mut bitmap = Bitmap::new(width_bytes * 8, height);
        for y in 0..height {
            for bx in 0..width_bytes {
                let byte = data.get((y * width_bytes + bx) as usize).copied().unwrap_or(0);
                for bit in 0..8 {
                    if byte & (0x80 >> bit) != 0 {
                        bitmap.set(i64::from(bx * 8 + bit), i64::from(y));
                    }
                }
            }
        }
        bitmap
    }

    /// `other` appended below this one (widths may differ: the wider wins).
    pub fn stack(&mut self, other: &Bitmap) {
        if other.width > self.width {
            let mut wider = Bitmap::new(other.width, self.height);
            for y in 0..self.height {
                for x in 0..self.width {
                    if self.get(x, y) {
                        wider.set(i64::from(x), i64::from(y));
                    }
                }
            }
            *self = wider;
        }
        let top = self.height;
        self.grow(other.height);
        for y in 0..other.height {
            for x in 0..other.width {
                if other.get(x, y) {
                    self.set(i64::from(x), i64::from(top + y));
                }
            }
        }
    }
}

struct Fonts {
    bundled: FontRef<'static>,
    fallback: Option<FontVec>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        bundled: FontRef::try_from_slice(BUNDLED).expect("the bundled font parses"),
        fallback: SYSTEM_FALLBACK.iter().find_map(|(path, index)| {
            let bytes = std::fs::read(path).ok()?;
            FontVec::try_from_vec_and_index(bytes, *index).ok()
        }),
    })
}

/// Whether the bundled font draws `c` (else the fallback, or a box).
pub fn bundled_has(c: char) -> bool {
    fonts().bundled.glyph_id(c).0 != 0
}

const CELL: u32 = 12;
const TEXT_PX: f32 = 24.0;
const LINE_H: u32 = 32;
const RULE_H: u32 = 16;
const FEED_H: u32 = 20;

/// Draws `sheet` on its paper's width.
pub fn render(sheet: &Sheet) -> Bitmap {
    let dots = sheet.paper.dots();
    let cols = sheet.paper.columns() as u32;
    let mut out = Bitmap::new(dots, 0);
    for line in &sheet.lines {
        match line {
            Line::Text {
                text,
                right,
                align,
                big,
                bold,
            } => {
                let scale = if *big { 2 } else { 1 };
                let top = out.height;
                out.grow(LINE_H * scale);
                let cell = CELL * scale;
                let text_dots = width(text) as u32 * cell;
                let x = match align {
                    Align::Left => 0,
                    Align::Center => dots.saturating_sub(text_dots) / 2,
                    Align::Right => dots.saturating_sub(text_dots),
                };
                draw_text(&mut out, text, x, top, scale, *bold);
                if let Some(right) = right {
                    let right_cols = width(right) as u32;
                    let x = (cols / scale).saturating_sub(right_cols) * cell;
                    draw_text(&mut out, right, x, top, scale, *bold);
                }
            }
            Line::Rule => {
                let top = out.height;
                out.grow(RULE_H);
                for y in top + RULE_H / 2 - 1..top + RULE_H / 2 + 1 {
                    for x in 0..dots {
                        if x % 12 < 8 {
                            out.set(i64::from(x), i64::from(y));
                        }
                    }
                }
            }
            Line::Feed => out.grow(FEED_H),
            Line::Qr { data } => draw_qr(&mut out, data, sheet.paper.dots()),
        }
    }
    out
}

fn draw_text(out: &mut Bitmap, text: &str, x0: u32, top: u32, scale: u32, bold: bool) {
    let fonts = fonts();
    let px = TEXT_PX * scale as f32;
    let line_h = (LINE_H * scale) as f32;
    let mut col = 0u32;
    for c in text.chars() {
        let w = c.width().unwrap_or(0) as u32;
        let cell_x = x0 + col * CELL * scale;
        col += w;
        if c == ' ' || w == 0 {
            continue;
        }
        let pick = |font: &dyn DynFont| font.has(c);
        let font: &dyn DynFont = if pick(&fonts.bundled) {
            &fonts.bundled
        } else if let Some(f) = fonts.fallback.as_ref().filter(|f| pick(*f)) {
            f
        } else {
            &fonts.bundled
        };
        font.draw(
            c,
            px,
            cell_x as f32,
            top as f32,
            line_h,
            (w * CELL * scale) as f32,
            bold,
            out,
        );
    }
}

/// The two kinds of font behind one call.
trait DynFont {
    fn has(&self, c: char) -> bool;
    #[allow(clippy::too_many_arguments)]
    fn draw(&self, c: char, px: f32, x: f32, top: f32, line_h: f32, cell_w: f32, bold: bool, out: &mut Bitmap);
}

impl<F: Font> DynFont for F {
    fn has(&self, c: char) -> bool {
        self.glyph_id(c).0 != 0
    }

    fn draw(&self, c: char, px: f32, x: f32, top: f32, line_h: f32, cell_w: f32, bold: bool, out: &mut Bitmap) {
        let scaled = self.as_scaled(PxScale::from(px));
        let id = self.glyph_id(c);
        let advance = scaled.h_advance(id);
        // Centre the glyph in its cell (a proportional fallback glyph too).
        let x = x + ((cell_w - advance) / 2.0).max(0.0);
        let text_h = scaled.ascent() - scaled.descent();
        let baseline = top + (line_h - text_h) / 2.0 + scaled.ascent();
        let glyph = id.with_scale_and_position(PxScale::from(px), ab_glyph::point(x, baseline));
        if let Some(outline) = self.outline_glyph(glyph) {
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                if coverage >= 0.45 {
                    let (px, py) = (bounds.min.x as i64 + i64::from(gx), bounds.min.y as i64 + i64::from(gy));
                    out.set(px, py);
                    if bold {
                        out.set(px + 1, py);
                    }
                }
            });
        }
    }
}

/// A QR code of `data` (error correction M, quiet zone 4), centred, 6 dots a module at 80 mm
/// and 5 at 58 mm (a sale id is version 2: 33 modules with the quiet zone, 198 or 165 dots).
fn draw_qr(out: &mut Bitmap, data: &str, dots: u32) {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M) else {
        return;
    };
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let quiet = 4;
    let module = if dots >= 576 { 6 } else { 5 };
    let size = (modules + 2 * quiet) * module;
    let left = dots.saturating_sub(size) / 2;
    let top = out.height;
    out.grow(size);
    for my in 0..modules {
        for mx in 0..modules {
            if colors[(my * modules + mx) as usize] == qrcode::Color::Dark {
                for dy in 0..module {
                    for dx in 0..module {
                        out.set(
                            i64::from(left + (quiet + mx) * module + dx),
                            i64::from(top + (quiet + my) * module + dy),
                        );
                    }
                }
            }
        }
    }
}
