//! Recognising the public URL in a tunnel program's start-up announcement — and nothing else.
//!
//! The program's output is not ours: cloudflared logs the URLs of failed requests, so any
//! visitor can make a line containing `https://evil.example` appear in it. A URL is therefore
//! taken only from the exact shapes the programs use to announce their own tunnel, and only with
//! the host such a tunnel has:
//! - cloudflared's quick-tunnel box: the line `|  Your quick Tunnel has been created! … |`, then
//!   within the next two lines the box line `|  https://<name>.trycloudflare.com  |`;
//! - cloudflared's `Registered tunnel connection` message, for a named tunnel whose hostname the
//!   owner configured (cloudflared never prints it): that hostname;
//! - ngrok's `msg="started tunnel" … url=https://<name>.ngrok-free.app` (`.ngrok.io`,
//!   `.ngrok.app`), read as logfmt, so a quoted value that merely contains those words is not it.
//!
//! A configured hostname is accepted in the box and ngrok shapes too. Plain `http://` on a
//! loopback address is accepted only from this crate's own `fake-tunnel` test program.
//!
//! Not here: what to do with a URL once recognised (the supervisor adopts the first of a run
//! and only proposes a different one).

use url::{Host, Url};

/// The host suffixes of quick tunnels: one label, then the suffix.
const CLOUDFLARE_SUFFIX: &str = ".trycloudflare.com";
const NGROK_SUFFIXES: [&str; 3] = [".ngrok-free.app", ".ngrok.io", ".ngrok.app"];
/// The program whose loopback URL is accepted (tests only).
const FAKE_TUNNEL: &str = "fake-tunnel";
/// Lines after cloudflared's "created" banner in which its URL line may come.
const BOX_WINDOW: usize = 2;
/// cloudflared's log levels, as its console output writes them.
const LEVELS: [&str; 5] = ["DBG", "INF", "WRN", "ERR", "FTL"];

/// Which hosts a run may announce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UrlRules {
    hostname: Option<String>,
    loopback: bool,
}

impl UrlRules {
    /// The rules for running `program` (the command's first word), with the hostname the owner
    /// configured, if any.
    pub fn new(program: &str, hostname: Option<&str>) -> UrlRules {
        let stem = std::path::Path::new(program)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        UrlRules {
            hostname: hostname
                .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty()),
            loopback: stem == FAKE_TUNNEL,
        }
    }
}

/// One run's output, read line by line.
#[derive(Debug)]
pub(crate) struct Announcements {
    rules: UrlRules,
    /// Lines left in which cloudflared's box may still show its URL.
    box_open: usize,
}

/// Which announcement a line is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    QuickTunnelBox,
    NgrokStarted,
}

impl Announcements {
    pub fn new(rules: UrlRules) -> Announcements {
        Announcements { rules, box_open: 0 }
    }

    /// The public URL `line` announces, without a trailing slash; `None` for every other line.
    pub fn feed(&mut self, line: &str) -> Option<String> {
        let message = cloudflared_message(line);
        let box_open = std::mem::take(&mut self.box_open);
        if let Some(inner) = message.and_then(box_content) {
            if inner.contains("Your quick Tunnel has been created") {
                self.box_open = BOX_WINDOW;
                return None;
            }
            if box_open > 0 && !inner.contains(char::is_whitespace) {
                self.box_open = box_open - 1;
                return self.accepted(inner, Shape::QuickTunnelBox);
            }
        }
        self.box_open = box_open.saturating_sub(1);
        if message.is_some_and(|m| m.starts_with("Registered tunnel connection")) {
            return self.rules.hostname.as_ref().map(|host| format!("https://{host}"));
        }
        let fields = logfmt(line);
        let field = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        if field("msg") == Some("started tunnel") {
            return field("url").and_then(|url| self.accepted(url, Shape::NgrokStarted));
        }
        None
    }

    /// `text` as a URL this shape may announce under the rules.
    fn accepted(&self, text: &str, shape: Shape) -> Option<String> {
        let url = Url::parse(text).ok()?;
        let plain = url.username().is_empty()
            && url.password().is_none()
            && url.query().is_none()
            && url.fragment().is_none()
            && matches!(url.path(), "" | "/");
        let host = match url.host()? {
            Host::Domain(domain) => domain.to_ascii_lowercase(),
            Host::Ipv4(ip) => ip.to_string(),
            Host::Ipv6(_) => return None,
        };
        if !plain {
            return None;
        }
        if url.scheme() == "http" {
            let loopback = self.rules.loopback && host == "127.0.0.1" && url.port().is_some();
            return loopback.then(|| format!("http://{host}:{}", url.port().unwrap_or(80)));
        }
        let suffixes: &[&str] = match shape {
            Shape::QuickTunnelBox => &[CLOUDFLARE_SUFFIX],
            Shape::NgrokStarted => &NGROK_SUFFIXES,
        };
        let quick = suffixes.iter().any(|suffix| one_label_under(&host, suffix));
        let configured = self.rules.hostname.as_deref() == Some(host.as_str());
        (url.scheme() == "https" && url.port().is_none() && (quick || configured)).then(|| format!("https://{host}"))
    }
}

/// `host` is `<label>` + `suffix`, the label made of letters, digits and hyphens.
fn one_label_under(host: &str, suffix: &str) -> bool {
    host.strip_suffix(suffix)
        .is_some_and(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// The message of a cloudflared console line: after an optional timestamp and the level.
fn cloudflared_message(line: &str) -> Option<&str> {
    let line = line.trim();
    let (first, rest) = line.split_once(char::is_whitespace)?;
    let (level, message) = if LEVELS.contains(&first) {
        (first, rest)
    } else {
        rest.trim_start().split_once(char::is_whitespace)?
    };
    LEVELS.contains(&level).then_some(message.trim())
}

/// What is between a box line's borders, trimmed: `|  text  |` gives `text`.
fn box_content(message: &str) -> Option<&str> {
    let inner = message.strip_prefix('|')?.strip_suffix('|')?;
    (!inner.contains('|')).then(|| inner.trim())
}

/// A logfmt line as (key, value) pairs; quoted values unescaped.
fn logfmt(line: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let key: String = std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace() && *c != '=')).collect();
        if key.is_empty() && chars.peek().is_none() {
            return fields;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => value.extend(chars.next()),
                        c => value.push(c),
                    }
                }
            } else {
                value = std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect();
            }
        }
        fields.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATED: &str = "2024-05-01T10:00:01Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |";
    const BORDER: &str = "2024-05-01T10:00:01Z INF +--------------------------------------------------------------------------------------------+";

    /// (name, program, configured hostname, output lines, the URLs recognised in them).
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, Vec<String>, Vec<&'a str>);

    /// Feeds `lines` in order and returns every URL recognised.
    fn scan(program: &str, hostname: Option<&str>, lines: &[&str]) -> Vec<String> {
        let mut announcements = Announcements::new(UrlRules::new(program, hostname));
        lines.iter().filter_map(|line| announcements.feed(line)).collect()
    }

    #[test]
    fn only_announcements_of_the_expected_shape_and_host_are_taken() {
        let box_line = |url: &str| format!("2024-05-01T10:00:01Z INF |  {url}                                      |");
        let good_box = box_line("https://seasonal-deck-organisms-sf.trycloudflare.com");
        let ngrok = |url: &str| {
            format!("t=2024-05-01T10:00:00+0800 lvl=info msg=\"started tunnel\" obj=tunnels name=command_line addr=http://localhost:8787 url={url}")
        };
        let cases: Vec<Case> = vec![
            (
                "cloudflared's quick tunnel",
                "cloudflared",
                None,
                vec![
                    "2024-05-01T10:00:00Z INF Requesting new quick Tunnel on trycloudflare.com...".into(),
                    BORDER.into(),
                    CREATED.into(),
                    good_box.clone(),
                    BORDER.into(),
                ],
                vec!["https://seasonal-deck-organisms-sf.trycloudflare.com"],
            ),
            ("a box line without the banner", "cloudflared", None, vec![good_box.clone()], vec![]),
            (
                "the banner, then the URL too late",
                "cloudflared",
                None,
                vec![CREATED.into(), BORDER.into(), BORDER.into(), good_box.clone()],
                vec![],
            ),
            (
                "the hijack: a request path logged by cloudflared",
                "cloudflared",
                None,
                vec![
                    CREATED.into(),
                    "2024-05-01T10:05:00Z ERR Request failed error=\"Unable to reach the origin service\" path=/?,https://evil.example".into(),
                    "2024-05-01T10:05:00Z ERR  |  https://evil.trycloudflare.com  | dest=https://x.trycloudflare.com/?|".into(),
                ],
                vec![],
            ),
            (
                "a box with a host that is no quick tunnel",
                "cloudflared",
                None,
                [
                    "https://evil.example",
                    "https://a.b.trycloudflare.com",
                    "https://x.trycloudflare.com.evil.example",
                    "https://x.trycloudflare.com@evil.example",
                    "https://x.trycloudflare.com:8443",
                    "https://x.trycloudflare.com/path",
                    "http://x.trycloudflare.com",
                    "http://127.0.0.1:40001",
                ]
                .iter()
                .flat_map(|url| [CREATED.to_owned(), box_line(url)])
                .collect(),
                vec![],
            ),
            (
                "a named tunnel with the owner's hostname",
                "cloudflared",
                Some("POS.Shop.tw"),
                vec!["2024-05-01T10:00:02Z INF Registered tunnel connection connIndex=0 connection=abc event=0 ip=198.41.192.7 location=tpe01 protocol=quic".into()],
                vec!["https://pos.shop.tw"],
            ),
            (
                "a registered connection, no hostname configured",
                "cloudflared",
                None,
                vec!["2024-05-01T10:00:02Z INF Registered tunnel connection connIndex=0".into()],
                vec![],
            ),
            (
                "the configured hostname in a box",
                "cloudflared",
                Some("pos.shop.tw"),
                vec![CREATED.into(), box_line("https://pos.shop.tw")],
                vec!["https://pos.shop.tw"],
            ),
            ("ngrok", "ngrok", None, vec![ngrok("https://ab12.ngrok-free.app")], vec!["https://ab12.ngrok-free.app"]),
            ("ngrok, other host", "ngrok", None, vec![ngrok("https://evil.example")], vec![]),
            (
                "ngrok's words inside a quoted value",
                "ngrok",
                None,
                vec!["t=2024 lvl=warn msg=\"failed\" path=\"/ msg=\\\"started tunnel\\\" url=https://ab12.ngrok-free.app\"".into()],
                vec![],
            ),
            (
                "fake-tunnel's loopback box",
                "/target/debug/fake-tunnel",
                None,
                vec![CREATED.into(), box_line("http://127.0.0.1:40001")],
                vec!["http://127.0.0.1:40001"],
            ),
            (
                "loopback, but not port 127.0.0.1 exactly",
                "fake-tunnel",
                None,
                vec![CREATED.into(), box_line("http://10.0.0.5:80")],
                vec![],
            ),
        ];
        for (name, program, hostname, lines, expected) in cases {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            assert_eq!(scan(program, hostname, &lines), expected, "{name}");
        }
    }

    #[test]
    fn logfmt_reads_quoted_values() {
        let fields = logfmt(r#"a=1 msg="two words" esc="say \"hi\"" bare ="x""#);
        let got: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            [
                ("a", "1"),
                ("msg", "two words"),
                ("esc", "say \"hi\""),
                ("bare", ""),
                ("", "x")
            ]
        );
    }
}
