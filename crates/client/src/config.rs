//! How the client is set up: where Recur is, which key, how long to wait and how often to retry,
//! and which environment a key belongs to.
//!
//! Nothing here talks to the network; [`crate::RecurClient::new`] validates a config with
//! [`ClientConfig::validate`] before building its one HTTP client.

use std::fmt;
use std::time::Duration;

use recur_domain::Secret;
use url::Url;

use crate::error::RecurError;

/// Recur's one REST host for both environments (recur-api.md §1).
pub const DEFAULT_BASE_URL: &str = "https://api.recur.tw";

/// Everything the client needs. Build with [`ClientConfig::new`] and adjust the public fields.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `https://api.recur.tw` (or the sandbox's `http://127.0.0.1:PORT`). The client appends
    /// `/v1/...`; a trailing slash or a trailing `/v1` is tolerated.
    pub base_url: String,
    /// The `sk_test_…`/`sk_live_…` key. Its `Debug` is redacted.
    pub secret_key: Secret,
    /// Time allowed to open the TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Total time allowed per attempt, from sending to the last byte of the answer.
    pub timeout: Duration,
    /// Attempts for a read (and for a create that surely never reached Recur), first included.
    pub max_read_attempts: u32,
    /// First backoff step; each retry doubles it, up to `backoff_cap`, with full jitter.
    pub backoff_base: Duration,
    /// Longest wait between two attempts, also the most of a `Retry-After` the client honours.
    pub backoff_cap: Duration,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, secret_key: Secret) -> Self {
        Self {
            base_url: base_url.into(),
            secret_key,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            max_read_attempts: 4,
            backoff_base: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(8),
        }
    }

    /// Recur's production host with the given key.
    pub fn recur(secret_key: Secret) -> Self {
        Self::new(DEFAULT_BASE_URL, secret_key)
    }

    /// Checks the key and the base URL; answers the key's environment and the normalised
    /// base URL (no trailing slash, no `/v1`).
    pub fn validate(&self) -> Result<(Environment, Url), RecurError> {
        let environment = environment_of(self.secret_key.expose())?;
        let base = normalise_base_url(&self.base_url)?;
        // A live key sent in clear text to another machine would be readable on the way.
        let loopback = matches!(base.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if environment == Environment::Live && base.scheme() != "https" && !loopback {
            return Err(RecurError::Config {
                message: "a live key is only ever sent over HTTPS".into(),
            });
        }
        if self.max_read_attempts == 0 {
            return Err(RecurError::Config {
                message: "max_read_attempts must be at least 1".into(),
            });
        }
        Ok((environment, base))
    }
}

/// Which Recur environment a key talks to; Recur picks it from the key, not the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `sk_test_…`: no real money moves.
    Sandbox,
    /// `sk_live_…`: real cards are charged.
    Live,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Sandbox => "sandbox",
            Environment::Live => "live",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The environment of a secret key, from its prefix. A publishable key is refused with its own
/// error, because the app needs `metadata` for reconciliation and only a secret key may set it.
pub fn environment_of(key: &str) -> Result<Environment, RecurError> {
    let key = key.trim();
    let (environment, rest) = if let Some(rest) = key.strip_prefix("sk_test_") {
        (Environment::Sandbox, rest)
    } else if let Some(rest) = key.strip_prefix("sk_live_") {
        (Environment::Live, rest)
    } else if key.starts_with("pk_") {
        return Err(RecurError::PublishableKey);
    } else if key.is_empty() {
        return Err(RecurError::Config {
            message: "no Recur secret key is set".into(),
        });
    } else {
        // Never echo the key itself: the message names only the expected shapes.
        return Err(RecurError::Config {
            message: "the key is not a Recur secret key (it must start with sk_test_ or sk_live_)".into(),
        });
    };
    let header_safe = rest.bytes().all(|b| b.is_ascii_graphic());
    if rest.is_empty() || !header_safe {
        return Err(RecurError::Config {
            message: "the secret key is incomplete or contains spaces or other invalid characters".into(),
        });
    }
    Ok(environment)
}

fn normalise_base_url(text: &str) -> Result<Url, RecurError> {
    let invalid = |why: &str| RecurError::Config {
        message: format!("invalid Recur base URL: {why}"),
    };
    let mut url = Url::parse(text.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be https (or http for a local sandbox)"));
    }
    if url.cannot_be_a_base() || url.host_str().is_none() {
        return Err(invalid("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not carry a query or a fragment"));
    }
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix("/v1").unwrap_or(path).to_owned();
    url.set_path(&path);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_from_key_prefix() {
        let cases: [(&str, Result<Environment, &str>); 9] = [
            ("sk_test_abc123", Ok(Environment::Sandbox)),
            ("sk_live_abc123", Ok(Environment::Live)),
            ("  sk_test_abc123\n", Ok(Environment::Sandbox)),
            ("pk_test_abc123", Err("publishable_key")),
            ("pk_live_abc123", Err("publishable_key")),
            ("", Err("config")),
            ("whsec_abc", Err("config")),
            ("sk_test_", Err("config")),
            ("sk_test_ab c", Err("config")),
        ];
        for (key, expected) in cases {
            let got = environment_of(key).map_err(|e| e.code());
            assert_eq!(got, expected, "key {key:?}");
        }
    }

    #[test]
    fn config_error_never_echoes_the_key() {
        let err = environment_of("mysecretvalue").unwrap_err();
        assert!(!err.to_string().contains("mysecretvalue"), "{err}");
    }

    #[test]
    fn debug_output_redacts_the_key() {
        let config = ClientConfig::recur(Secret::new("sk_live_topsecret123"));
        let text = format!("{config:?}");
        assert!(text.contains("[REDACTED]") && !text.contains("topsecret"), "{text}");
    }

    #[test]
    fn base_url_is_normalised() {
        let cases = [
            ("https://api.recur.tw", Some("https://api.recur.tw/")),
            ("https://api.recur.tw/", Some("https://api.recur.tw/")),
            ("https://api.recur.tw/v1", Some("https://api.recur.tw/")),
            ("https://api.recur.tw/v1/", Some("https://api.recur.tw/")),
            ("http://127.0.0.1:4010", Some("http://127.0.0.1:4010/")),
            ("https://proxy.example/recur/", Some("https://proxy.example/recur")),
            ("ftp://api.recur.tw", None),
            ("api.recur.tw", None),
            ("https://api.recur.tw/?x=1", None),
        ];
        for (text, expected) in cases {
            let got = normalise_base_url(text).ok().map(|u| u.to_string());
            assert_eq!(got.as_deref(), expected, "base {text:?}");
        }
    }

    #[test]
    fn live_key_needs_https_except_on_loopback() {
        let check = |base: &str, key: &str| ClientConfig::new(base, Secret::new(key)).validate().map(|(e, _)| e);
        assert_eq!(check("https://api.recur.tw", "sk_live_x1").unwrap(), Environment::Live);
        assert_eq!(check("http://127.0.0.1:9", "sk_live_x1").unwrap(), Environment::Live);
        assert_eq!(
            check("http://shop.lan:4010", "sk_live_x1").unwrap_err().code(),
            "config"
        );
        assert_eq!(
            check("http://shop.lan:4010", "sk_test_x1").unwrap(),
            Environment::Sandbox
        );
    }
}
