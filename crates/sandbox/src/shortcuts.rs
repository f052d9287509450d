//! In-process shortcuts for tests and other crates: create, pay and expire sessions without an
//! HTTP client. Each goes through the same routing as a real request (so `/v1` faults and the
//! rate limit apply to [`Sandbox::create_session`], as they would over the wire).

use serde_json::{json, Value};

use crate::server::Sandbox;

/// A refused shortcut: the HTTP status and Recur's error body.
pub type Refused = (u16, Value);

impl Sandbox {
    /// `POST /v1/checkout/sessions` with the secret key; `body` as Recur takes it.
    pub fn create_session(&self, body: &Value) -> Result<Value, Refused> {
        let headers = vec![
            ("Authorization".to_owned(), format!("Bearer {}", self.secret_key())),
            ("Content-Type".to_owned(), "application/json".to_owned()),
        ];
        self.call("POST", "/v1/checkout/sessions", headers, body)
    }

    /// Pays like `POST /_sandbox/sessions/{id}/pay`; declines are `Err((402, …))`.
    pub fn pay_session(&self, id: &str, card_number: &str, email: &str) -> Result<Value, Refused> {
        let body = json!({"card_number": card_number, "email": email});
        self.call("POST", &format!("/_sandbox/sessions/{id}/pay"), Vec::new(), &body)
    }

    /// Expires an OPEN session now, like `POST /_sandbox/sessions/{id}/expire`.
    pub fn expire_session(&self, id: &str) -> Result<Value, Refused> {
        self.call(
            "POST",
            &format!("/_sandbox/sessions/{id}/expire"),
            Vec::new(),
            &json!({}),
        )
    }

    fn call(&self, method: &str, path: &str, headers: Vec<(String, String)>, body: &Value) -> Result<Value, Refused> {
        let resp = self.handle(method, path, headers, serde_json::to_vec(body).unwrap_or_default());
        let value = resp.json_body().unwrap_or(Value::Null);
        if (200..300).contains(&resp.status) {
            Ok(value)
        } else {
            Err((resp.status, value))
        }
    }
}
