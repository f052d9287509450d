//! Finding the public URL in a tunnel program's output.
//!
//! cloudflared prints its quick-tunnel URL inside a box (`|  https://x.trycloudflare.com  |`);
//! ngrok with `--log stdout` prints `url=https://x.ngrok-free.app`. Any `https://` URL that is
//! not one of the programs' own documentation links counts; plain `http://` only for loopback
//! hosts (the test tunnel).

/// Hosts that tunnel programs mention in their banners but that are not the tunnel.
const NOT_TUNNELS: [&str; 5] = [
    "www.cloudflare.com",
    "developers.cloudflare.com",
    "ngrok.com",
    "dashboard.ngrok.com",
    "github.com",
];

/// The first public tunnel URL in `line`, without a trailing slash.
pub fn public_url_in(line: &str) -> Option<String> {
    line.split(|c: char| c.is_whitespace() || matches!(c, '|' | '"' | '\'' | '<' | '>' | ','))
        .filter_map(|word| word.strip_prefix("url=").or(Some(word)))
        .find_map(candidate)
}

fn candidate(word: &str) -> Option<String> {
    let word = word.trim_end_matches(['.', ')', ']', '/']);
    let (scheme, rest) = word.split_once("://")?;
    let host = rest.split(['/', ':', '?']).next().unwrap_or("");
    if host.is_empty() || NOT_TUNNELS.iter().any(|h| host.eq_ignore_ascii_case(h)) {
        return None;
    }
    let loopback = host == "127.0.0.1" || host == "localhost";
    match scheme {
        "https" => Some(word.to_owned()),
        "http" if loopback => Some(word.to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_url_in_real_banners() {
        let cases = [
            ("2024-01-01T00:00:00Z INF |  https://gentle-fox-two.trycloudflare.com                      |", Some("https://gentle-fox-two.trycloudflare.com")),
            ("t=2024 lvl=info msg=\"started tunnel\" obj=tunnels name=command_line addr=http://localhost:8787 url=https://ab12.ngrok-free.app", Some("https://ab12.ngrok-free.app")),
            ("INF Requesting new quick Tunnel on trycloudflare.com...", None),
            ("INF +  https://www.cloudflare.com/website-terms/  +", None),
            ("INF Thank you for trying Cloudflare Tunnel. See https://developers.cloudflare.com/x", None),
            ("fake-tunnel | http://127.0.0.1:40001 |", Some("http://127.0.0.1:40001")),
            ("proxy to http://10.0.0.5:80", None),
        ];
        for (line, expected) in cases {
            assert_eq!(public_url_in(line).as_deref(), expected, "{line}");
        }
    }
}
