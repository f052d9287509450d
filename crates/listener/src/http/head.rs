//! Parsing a request head (request line + header fields) from raw bytes, strictly.
//!
//! Strict where leniency lets a sender confuse us: the head must end with CRLF CRLF, header
//! names must be tokens, `Content-Length` values must agree, `Transfer-Encoding` may only be
//! `chunked` and never comes with a `Content-Length`. A header value holding a control character
//! (a bare CR or LF, NUL, …) or a folded line does not fail the parse: the head is marked
//! [`Head::tainted`], and the webhook handler refuses to trust such a delivery (401), while the
//! other routes answer 400.

use super::ReadError;

/// More header fields than this is not a webhook.
const MAX_HEADERS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Head {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    /// Names as sent; values trimmed, lossily decoded as UTF-8.
    pub headers: Vec<(String, String)>,
    /// A header value held a control character, or a line was folded.
    pub tainted: bool,
}

/// How the body is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    Empty,
    Length(u64),
    Chunked,
}

impl Head {
    /// Parses `bytes`, the head without its final CRLF CRLF.
    pub fn parse(bytes: &[u8]) -> Result<Head, ReadError> {
        let mut lines = bytes.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let request_line = lines.next().ok_or(ReadError::Malformed("empty request"))?;
        let (method, target, minor_version) = request_line_parts(request_line)?;
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (target.to_owned(), None),
        };
        let mut head = Head {
            method: method.to_owned(),
            path,
            query,
            minor_version,
            headers: Vec::new(),
            tainted: false,
        };
        // Lines were split on LF, so a bare LF inside a header value shows up as a line of its
        // own: only CRLF-terminated lines are genuine, anything else taints the head.
        let crlf_count = bytes.windows(2).filter(|w| w == b"\r\n").count();
        let line_count = bytes.iter().filter(|b| **b == b'\n').count();
        head.tainted = crlf_count != line_count;
        for line in lines {
            if head.headers.len() >= MAX_HEADERS {
                return Err(ReadError::TooLarge);
            }
            head.push_field(line)?;
        }
        Ok(head)
    }

    fn push_field(&mut self, line: &[u8]) -> Result<(), ReadError> {
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            // Obsolete line folding: a value continued on the next line.
            self.tainted = true;
            return Ok(());
        }
        let colon = line
            .iter()
            .position(|b| *b == b':')
            .ok_or(ReadError::Malformed("header without a colon"))?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.is_empty() || !name.iter().all(|b| is_token_byte(*b)) {
            return Err(ReadError::Malformed("invalid header name"));
        }
        let value = value.trim_ascii();
        if value.iter().any(|b| (*b < 0x20 && *b != b'\t') || *b == 0x7f) {
            self.tainted = true;
        }
        let name = String::from_utf8_lossy(name).into_owned();
        self.headers.push((name, String::from_utf8_lossy(value).into_owned()));
        Ok(())
    }

    /// Every value of the header `name` (case-insensitive), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of the header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client wants the connection kept open after this request.
    pub fn keep_alive(&self) -> bool {
        let connection = self
            .values("Connection")
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
            .join(",");
        let says = |word: &str| connection.split(',').any(|t| t.trim() == word);
        if self.minor_version == 0 {
            says("keep-alive")
        } else {
            !says("close")
        }
    }

    pub fn expects_continue(&self) -> bool {
        self.header("Expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    }

    /// How the body is delimited; ambiguous framing is an error, never a guess.
    pub fn framing(&self) -> Result<Framing, ReadError> {
        let encodings: Vec<&str> = self.values("Transfer-Encoding").collect();
        let lengths: Vec<&str> = self.values("Content-Length").collect();
        if !encodings.is_empty() {
            if !lengths.is_empty() {
                return Err(ReadError::Malformed("both Transfer-Encoding and Content-Length"));
            }
            let only_chunked = encodings.len() == 1 && encodings[0].eq_ignore_ascii_case("chunked");
            if !only_chunked || self.minor_version == 0 {
                return Err(ReadError::Malformed("unsupported Transfer-Encoding"));
            }
            return Ok(Framing::Chunked);
        }
        let Some(first) = lengths.first() else {
            return Ok(Framing::Empty);
        };
        if lengths.iter().any(|l| l != first) {
            return Err(ReadError::Malformed("conflicting Content-Length"));
        }
        if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::Malformed("invalid Content-Length"));
        }
        // All digits: a number too large for u64 is simply too large.
        Ok(first.parse().map_or(Framing::Length(u64::MAX), Framing::Length))
    }
}

fn request_line_parts(line: &[u8]) -> Result<(&str, &str, u8), ReadError> {
    let line = std::str::from_utf8(line).map_err(|_| ReadError::Malformed("request line is not text"))?;
    if line.bytes().any(|b| b.is_ascii_control()) {
        return Err(ReadError::Malformed("control character in the request line"));
    }
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Malformed("request line"));
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(ReadError::Malformed("method"));
    }
    if !target.starts_with('/') {
        return Err(ReadError::Malformed("request target"));
    }
    let minor = match version {
        "HTTP/1.1" => 1,
        "HTTP/1.0" => 0,
        _ => return Err(ReadError::Malformed("HTTP version")),
    };
    Ok((method, target, minor))
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Result<Head, ReadError> {
        Head::parse(text.as_bytes())
    }

    #[test]
    fn parses_a_webhook_head() {
        let h = head("POST /webhooks/recur?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nX-Recur-Signature:  abc= ")
            .unwrap();
        assert_eq!(
            (h.method.as_str(), h.path.as_str(), h.query.as_deref()),
            ("POST", "/webhooks/recur", Some("x=1"))
        );
        assert_eq!(h.header("x-recur-signature"), Some("abc="));
        assert_eq!(h.framing().unwrap(), Framing::Length(12));
        assert!(h.keep_alive() && !h.tainted);
    }

    #[test]
    fn control_characters_and_folding_taint_the_head() {
        let cases = [
            "POST / HTTP/1.1\r\nX-Recur-Signature: a\rX-Other: b",
            "POST / HTTP/1.1\r\nX-Recur-Signature: a\nX-Recur-Signature: b",
            "POST / HTTP/1.1\r\nX-Recur-Signature: a\r\n b",
            "POST / HTTP/1.1\r\nX-Recur-Event-Id: a\0b",
        ];
        for case in cases {
            assert!(head(case).unwrap().tainted, "{case:?}");
        }
    }

    #[test]
    fn ambiguous_framing_and_bad_lines_are_errors() {
        let framing = [
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6",
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked",
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked",
            "POST / HTTP/1.1\r\nContent-Length: -5",
            "POST / HTTP/1.1\r\nContent-Length: 0x10",
        ];
        for case in framing {
            assert!(
                matches!(head(case).unwrap().framing(), Err(ReadError::Malformed(_))),
                "{case:?}"
            );
        }
        let malformed = [
            "GET / HTTP/2.0",
            "GET  / HTTP/1.1",
            "GET http://x/ HTTP/1.1",
            "GET / HTTP/1.1\r\nBad Name: x",
            "GET / HTTP/1.1\r\nnocolon",
        ];
        for case in malformed {
            assert!(matches!(head(case), Err(ReadError::Malformed(_))), "{case:?}");
        }
        let huge = head("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999").unwrap();
        assert_eq!(huge.framing().unwrap(), Framing::Length(u64::MAX));
    }

    #[test]
    fn keep_alive_follows_version_and_connection_header() {
        let cases = [
            ("GET / HTTP/1.1", true),
            ("GET / HTTP/1.1\r\nConnection: close", false),
            ("GET / HTTP/1.0", false),
            ("GET / HTTP/1.0\r\nConnection: Keep-Alive", true),
        ];
        for (text, expected) in cases {
            assert_eq!(head(text).unwrap().keep_alive(), expected, "{text:?}");
        }
    }
}
