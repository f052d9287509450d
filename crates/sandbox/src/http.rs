//! The sandbox's own small request/response types, so routing and handlers are plain functions
//! that tests can call without a socket. Conversion from and to `tiny_http` lives in
//! `server.rs`; nothing here knows a socket or a thread.

use serde_json::{json, Value};

/// A request, read fully into memory.
#[derive(Clone, Debug, Default)]
pub struct Req {
    pub method: String,
    /// The path without the query, percent-encoding kept.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    /// Splits `url` (path and query, as a request line carries it).
    pub fn new(method: &str, url: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> Req {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let query = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let headers = headers.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        Req {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            query,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The path split on `/`, empty segments dropped.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// The body as `application/x-www-form-urlencoded` fields.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }
}

/// A response, built fully in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(status: u16, value: &Value) -> Resp {
        let body = serde_json::to_vec(value).unwrap_or_default();
        Resp {
            status,
            headers: vec![("Content-Type".into(), "application/json; charset=utf-8".into())],
            body,
        }
    }

    pub fn html(status: u16, page: String) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: page.into_bytes(),
        }
    }

    /// `303 See Other`, so a browser follows a form post with a GET.
    pub fn redirect(location: &str) -> Resp {
        Resp {
            status: 303,
            headers: vec![("Location".into(), location.to_owned())],
            body: Vec::new(),
        }
    }

    /// Recur's error shape: `{"error": {"code", "message"}}`.
    pub fn error(status: u16, code: &str, message: &str) -> Resp {
        Resp::json(status, &json!({"error": {"code": code, "message": message}}))
    }

    /// Recur's error shape naming the offending field in `details`.
    pub fn field_error(status: u16, code: &str, field: &str, message: &str) -> Resp {
        let body = json!({"error": {"code": code, "message": message,
            "details": [{"field": field, "message": message}]}});
        Resp::json(status, &body)
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Resp {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The body as JSON, for tests and the control API.
    pub fn json_body(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// 400 `invalid_request` naming a field.
pub fn invalid(field: &str, message: &str) -> Resp {
    Resp::field_error(400, "invalid_request", field, message)
}

pub fn not_found(message: &str) -> Resp {
    Resp::error(404, "resource_not_found", message)
}

pub fn method_not_allowed(allow: &str) -> Resp {
    Resp::error(405, "method_not_allowed", &format!("this path accepts {allow} only")).with_header("Allow", allow)
}

/// Parses a JSON object body; an empty body counts as `{}`.
pub fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Resp> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Resp::error(400, "invalid_request", "the body must be a JSON object")),
        Err(e) => Err(Resp::error(
            400,
            "invalid_request",
            &format!("the body is not valid JSON: {e}"),
        )),
    }
}
