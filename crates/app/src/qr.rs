//! Checkout URLs as QR codes, one rule for every screen: error correction M (a phone still
//! reads it through glare or a smudge) and the standard quiet zone of 4 modules. [`svg`] is for
//! the window (rendered in Rust, so the webview needs no script for it): one path of
//! whole-module squares with crisp edges, which scales to any size without blur (the UI shows
//! it at 320–400 CSS px, ≥ 6 cm at 96 dpi); [`terminal`] is for `recur-pos charge --qr`.
//! Not here: printing a QR on paper (`recur-print`).

use qrcode::{Color, EcLevel, QrCode};

/// Modules of white around the code, as the QR standard asks.
pub const QUIET_ZONE: usize = 4;

/// A checkout URL drawn as an SVG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrSvg {
    pub url: String,
    /// The host the URL points at, shown small under the code.
    pub host: String,
    pub svg: String,
    /// Modules per side, quiet zone included (for sizing whole pixels per module).
    pub modules: u32,
}

/// The code for `url`, or `None` when the URL is too long for any QR version.
pub fn code(url: &str) -> Option<QrCode> {
    QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()
}

/// The QR for `url` as an SVG.
pub fn svg(url: &str) -> Option<QrSvg> {
    let code = code(url)?;
    let (svg, modules) = draw(&code);
    Some(QrSvg {
        url: url.to_owned(),
        host: host_of(url),
        svg,
        modules: modules as u32,
    })
}

/// The QR for `url` drawn with Unicode half blocks, light on dark, for a terminal.
pub fn terminal(url: &str) -> Option<String> {
    Some(
        code(url)?
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// The SVG text and its size in modules (quiet zone included).
fn draw(code: &QrCode) -> (String, usize) {
    let width = code.width();
    let size = width + 2 * QUIET_ZONE;
    let mut path = String::with_capacity(width * width * 4);
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (i % width + QUIET_ZONE, i / width + QUIET_ZONE);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    );
    (svg, size)
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(port) => format!("{h}:{port}"),
                None => h.to_owned(),
            })
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_with_quiet_zone_and_medium_correction() {
        let url = "http://127.0.0.1:4010/checkout/c0123456789abcdefghijklmn";
        let qr = svg(url).expect("fits");
        let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).unwrap();
        assert_eq!(code.error_correction_level(), EcLevel::M);
        assert_eq!(qr.modules as usize, code.width() + 8);
        assert_eq!(qr.host, "127.0.0.1:4010");
        assert!(qr.svg.starts_with("<svg"));
        let (svg, _) = draw(&code);
        let dark = code.to_colors().iter().filter(|c| **c == Color::Dark).count();
        assert_eq!(svg.matches("h1v1h-1z").count(), dark, "one square per dark module");
        assert!(
            svg.contains("M4 4h1v1h-1z"),
            "the finder pattern starts inside the quiet zone"
        );
    }

    #[test]
    fn the_terminal_code_is_the_same_code() {
        let url = "http://127.0.0.1:4010/checkout/c0123456789abcdefghijklmn";
        let text = terminal(url).unwrap();
        let width = code(url).unwrap().width() + 2 * QUIET_ZONE;
        assert_eq!(text.lines().next().unwrap().chars().count(), width);
        assert_eq!(text.lines().count(), width.div_ceil(2));
    }

    #[test]
    fn hosts_are_shown_without_path() {
        assert_eq!(host_of("https://checkout.recur.tw/abc"), "checkout.recur.tw");
        assert_eq!(host_of("not a url"), "");
    }
}
