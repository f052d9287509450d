//! The tunnel that gives a counter PC a public HTTPS URL for Recur's webhooks.
//!
//! Recur delivers webhooks only to a public HTTPS endpoint; a shop's counter PC has one only
//! through a tunnel program such as `cloudflared` or `ngrok`. This crate starts the program the
//! owner configured (a command template with `{port}`), reads the public URL from its start-up
//! announcement, restarts it with backoff when it exits, and reports every change — above all
//! a *changed* URL, because quick tunnels get a new one on every restart and Recur's dashboard
//! must then be updated.
//!
//! The program's output also carries text anyone can influence (cloudflared logs the URLs of
//! failed requests), so a URL is taken only from the announcement's exact shape and with the
//! host such a tunnel has (see `announce`), and a different URL announced while a run is up is
//! only *proposed* ([`TunnelEvent::UrlChangeProposed`]) until the owner confirms it
//! ([`Tunnel::confirm_url`]).
//!
//! It does not forward traffic itself and knows nothing of webhooks.

mod announce;
mod supervisor;

pub use supervisor::{Tunnel, TunnelConfig, TunnelEvent, TunnelStatus};

/// Command templates offered in Settings; `{port}` is the local listener's port.
pub const PRESETS: [(&str, &str); 2] = [
    ("cloudflared", "cloudflared tunnel --url http://127.0.0.1:{port}"),
    ("ngrok", "ngrok http {port} --log stdout"),
];

#[derive(Debug, thiserror::Error)]
pub enum TunnelError {
    #[error("the tunnel command is empty")]
    EmptyCommand,
    #[error("the tunnel command has an unclosed quote or ends in a backslash")]
    UnclosedQuote,
    #[error("cannot start the tunnel supervisor thread: {0}")]
    Thread(std::io::Error),
}

impl TunnelError {
    /// Stable, for the UI to translate; never parse the message instead.
    pub fn code(&self) -> &'static str {
        match self {
            TunnelError::EmptyCommand => "tunnel_empty_command",
            TunnelError::UnclosedQuote => "tunnel_unclosed_quote",
            TunnelError::Thread(_) => "tunnel_thread",
        }
    }
}

/// Splits a command template into program and arguments as a POSIX shell would (quotes group
/// words, a backslash escapes the next character), then fills in `{port}` in each word. There
/// is no shell: nothing is expanded or run but the program itself. A Windows path with
/// backslashes must therefore be quoted (`"C:\Program Files\cloudflared.exe" tunnel …`) or
/// written with `/`.
pub fn command_line(template: &str, port: u16) -> Result<Vec<String>, TunnelError> {
    let words = shlex::split(template).ok_or(TunnelError::UnclosedQuote)?;
    if words.is_empty() {
        return Err(TunnelError::EmptyCommand);
    }
    let port = port.to_string();
    Ok(words.into_iter().map(|w| w.replace("{port}", &port)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_become_argument_lists() {
        let cases: [(&str, Result<Vec<&str>, &str>); 9] = [
            (
                PRESETS[0].1,
                Ok(vec!["cloudflared", "tunnel", "--url", "http://127.0.0.1:8787"]),
            ),
            (PRESETS[1].1, Ok(vec!["ngrok", "http", "8787", "--log", "stdout"])),
            (
                "my tunnel 'two words' \"x {port}\"",
                Ok(vec!["my", "tunnel", "two words", "x 8787"]),
            ),
            (
                r#""C:\Program Files\cloudflared\cloudflared.exe" tunnel"#,
                Ok(vec![r"C:\Program Files\cloudflared\cloudflared.exe", "tunnel"]),
            ),
            (r"cloudflared --name a\ b", Ok(vec!["cloudflared", "--name", "a b"])),
            ("run $HOME `id` ; rm", Ok(vec!["run", "$HOME", "`id`", ";", "rm"])),
            ("   ", Err("tunnel_empty_command")),
            ("cmd 'open", Err("tunnel_unclosed_quote")),
            (r"cmd trailing\", Err("tunnel_unclosed_quote")),
        ];
        for (template, expected) in cases {
            let got = command_line(template, 8787).map_err(|e| e.code());
            let expected = expected.map(|v| v.into_iter().map(String::from).collect::<Vec<_>>());
            assert_eq!(got, expected, "{template}");
        }
    }
}
