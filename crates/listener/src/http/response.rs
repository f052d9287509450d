//! Responses: always a `Content-Length`, written in one `write_all`.

use serde_json::{json, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
    /// Close the connection after this answer.
    pub close: bool,
}

impl Response {
    pub fn json(status: u16, value: &Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            body: value.to_string().into_bytes(),
            headers: Vec::new(),
            close: false,
        }
    }

    /// Recur's error shape: `{"error": {"code", "message"}}`.
    pub fn error(status: u16, code: &str, message: &str) -> Response {
        Response::json(status, &json!({ "error": { "code": code, "message": message } }))
    }

    pub fn html(status: u16, page: String) -> Response {
        Response {
            status,
            content_type: "text/html; charset=utf-8",
            body: page.into_bytes(),
            // The pages are self-contained: nothing may be loaded from anywhere.
            headers: vec![
                (
                    "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'".to_owned(),
                ),
                ("X-Content-Type-Options", "nosniff".to_owned()),
                ("Referrer-Policy", "no-referrer".to_owned()),
                ("Cache-Control", "no-store".to_owned()),
            ],
            close: false,
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Response {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub fn closing(mut self) -> Response {
        self.close = true;
        self
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(if self.close {
            "Connection: close\r\n\r\n"
        } else {
            "\r\n"
        });
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_length_headers_and_close() {
        let r = Response::error(405, "method_not_allowed", "POST only")
            .with_header("Allow", "POST")
            .closing();
        let text = String::from_utf8(r.to_bytes()).unwrap();
        assert!(text.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"), "{text}");
        assert!(
            text.contains("\r\nAllow: POST\r\n") && text.contains("\r\nConnection: close\r\n\r\n{"),
            "{text}"
        );
        assert!(
            text.contains(&format!("Content-Length: {}\r\n", r.body.len())),
            "{text}"
        );
    }
}
