//! The tunnel that gives a counter PC a public HTTPS URL for Recur's webhooks.
//!
//! Recur delivers webhooks only to a public HTTPS endpoint; a shop's counter PC has one only
//! through a tunnel program such as `cloudflared` or `ngrok`. This crate starts the program the
//! owner configured (a command template with `{port}`), reads the public URL from its output,
//! restarts it with backoff when it exits, and reports every change — above all a *changed*
//! URL, because quick tunnels get a new one on every restart and Recur's dashboard must then be
//! updated. It does not forward traffic itself and knows nothing of webhooks.

mod supervisor;
mod url_scan;

pub use supervisor::{Tunnel, TunnelConfig, TunnelEvent, TunnelStatus};
pub use url_scan::public_url_in;

/// Command templates offered in Settings; `{port}` is the local listener's port.
pub const PRESETS: [(&str, &str); 2] = [
    ("cloudflared", "cloudflared tunnel --url http://127.0.0.1:{port}"),
    ("ngrok", "ngrok http {port} --log stdout"),
];

#[derive(Debug, thiserror::Error)]
pub enum TunnelError {
    #[error("the tunnel command is empty")]
    EmptyCommand,
    #[error("the tunnel command has an unclosed quote")]
    UnclosedQuote,
}

/// Splits a command template into program and arguments, with `{port}` filled in. Single and
/// double quotes group words; there is no shell, so nothing else is special.
pub fn command_line(template: &str, port: u16) -> Result<Vec<String>, TunnelError> {
    let filled = template.replace("{port}", &port.to_string());
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for ch in filled.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(ch);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(TunnelError::UnclosedQuote);
    }
    if in_word {
        words.push(current);
    }
    if words.is_empty() {
        return Err(TunnelError::EmptyCommand);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_become_argument_lists() {
        let cases: [(&str, Result<Vec<&str>, ()>); 5] = [
            (
                PRESETS[0].1,
                Ok(vec!["cloudflared", "tunnel", "--url", "http://127.0.0.1:8787"]),
            ),
            (PRESETS[1].1, Ok(vec!["ngrok", "http", "8787", "--log", "stdout"])),
            (
                "my tunnel 'two words' \"x {port}\"",
                Ok(vec!["my", "tunnel", "two words", "x 8787"]),
            ),
            ("   ", Err(())),
            ("cmd 'open", Err(())),
        ];
        for (template, expected) in cases {
            let got = command_line(template, 8787).map_err(|_| ());
            let expected = expected.map(|v| v.into_iter().map(String::from).collect::<Vec<_>>());
            assert_eq!(got, expected, "{template}");
        }
    }
}
