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
    #[error("`{0}` needs a value after it")]
    TokenWithoutValue(&'static str),
    #[error("cannot start the tunnel supervisor thread: {0}")]
    Thread(std::io::Error),
}

impl TunnelError {
    /// Stable, for the UI to translate; never parse the message instead.
    pub fn code(&self) -> &'static str {
        match self {
            TunnelError::EmptyCommand => "tunnel_empty_command",
            TunnelError::UnclosedQuote => "tunnel_unclosed_quote",
            TunnelError::TokenWithoutValue(_) => "tunnel_token_without_value",
            TunnelError::Thread(_) => "tunnel_thread",
        }
    }
}

/// The flags whose value is a tunnel's secret: cloudflared's `--token` and ngrok's
/// `--authtoken`. Typed into the command, a token would sit in settings.json and in every
/// process list.
const TOKEN_FLAGS: [&str; 2] = ["--token", "--authtoken"];

/// Where the program finds its token instead: cloudflared reads `TUNNEL_TOKEN`, ngrok
/// `NGROK_AUTHTOKEN`. Both are set for the child, and only for it.
pub const TOKEN_VARIABLES: [&str; 2] = ["TUNNEL_TOKEN", "NGROK_AUTHTOKEN"];

/// A typed command with its token taken out: `command` is what may be saved and shown, `token`
/// (when one was typed) goes to the keyring and reaches the program by [`TOKEN_VARIABLES`].
#[derive(Debug, PartialEq, Eq)]
pub struct TypedCommand {
    pub command: String,
    pub token: Option<recur_domain::Secret>,
}

/// Takes `--token X`, `--token=X`, `--authtoken X` or `--authtoken=X` out of a typed command
/// (the last one wins when several are given); the rest is re-quoted as typed.
pub fn take_token(template: &str) -> Result<TypedCommand, TunnelError> {
    let words = shlex::split(template).ok_or(TunnelError::UnclosedQuote)?;
    let mut kept: Vec<String> = Vec::with_capacity(words.len());
    let mut token = None;
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        let flag = TOKEN_FLAGS
            .iter()
            .find(|f| word == **f || word.starts_with(&format!("{f}=")));
        match flag {
            Some(flag) if word == *flag => {
                let value = words
                    .next()
                    .filter(|v| !v.is_empty())
                    .ok_or(TunnelError::TokenWithoutValue(flag))?;
                token = Some(value);
            }
            Some(flag) => {
                let value = &word[flag.len() + 1..];
                if value.is_empty() {
                    return Err(TunnelError::TokenWithoutValue(flag));
                }
                token = Some(value.to_owned());
            }
            None => kept.push(word),
        }
    }
    if token.is_none() {
        // Nothing to take out: the command stays exactly as typed.
        return Ok(TypedCommand {
            command: template.to_owned(),
            token: None,
        });
    }
    let command = shlex::try_join(kept.iter().map(String::as_str)).map_err(|_| TunnelError::UnclosedQuote)?;
    Ok(TypedCommand {
        command,
        token: token.map(recur_domain::Secret::new),
    })
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

    /// The command kept and the token taken, or the error's code.
    type Taken<'a> = Result<(&'a str, Option<&'a str>), &'a str>;

    #[test]
    fn a_typed_token_is_taken_out_of_the_command() {
        let cases: [(&str, Taken); 7] = [
            (
                "cloudflared tunnel run --token eyJhIjo",
                Ok(("cloudflared tunnel run", Some("eyJhIjo"))),
            ),
            (
                "cloudflared tunnel run --token=eyJhIjo shop",
                Ok(("cloudflared tunnel run shop", Some("eyJhIjo"))),
            ),
            (
                "ngrok http {port} --authtoken 2abc --log stdout",
                // Re-quoted where a shell would need it; it splits back to the same words.
                Ok(("ngrok http '{port}' --log stdout", Some("2abc"))),
            ),
            (
                "'/opt/my tunnel/cloudflared' tunnel run --token t",
                Ok(("'/opt/my tunnel/cloudflared' tunnel run", Some("t"))),
            ),
            (PRESETS[0].1, Ok((PRESETS[0].1, None))),
            ("cloudflared tunnel run --token", Err("tunnel_token_without_value")),
            ("ngrok http 1 --authtoken=", Err("tunnel_token_without_value")),
        ];
        for (typed, expected) in cases {
            let got = take_token(typed)
                .map(|t| (t.command, t.token.map(|s| s.expose().to_owned())))
                .map_err(|e| e.code());
            let expected = expected.map(|(c, t)| (c.to_owned(), t.map(str::to_owned)));
            assert_eq!(got, expected, "{typed}");
        }
    }

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
