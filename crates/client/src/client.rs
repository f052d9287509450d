//! The HTTP side: one reusable `reqwest::Client`, the endpoints of recur-api.md §2–4, and the
//! retry loop that waits where [`RetryPolicy::retry_delay`] says so.
//!
//! Not here: decoding (see [`crate::model`]), error classification (see [`crate::error`]) and
//! the retry rules themselves (see [`crate::retry`]). Headers are never logged: one of them is
//! the secret key.

use std::sync::Arc;
use std::time::Instant;

use recur_domain::CheckoutId;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use reqwest::{Method, RequestBuilder};
use url::Url;

use crate::config::{ClientConfig, Environment};
use crate::error::{classify_response, RecurError};
use crate::model::{decode_product_page, decode_session, CheckoutSession, CreateCheckout, Product, ProductPage};
use crate::retry::{RequestKind, RetryPolicy};

/// The most products Recur returns per page; `all_products` asks for full pages.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A safety stop for `all_products` against a server whose `has_more` never ends.
const MAX_PAGES: usize = 1000;

/// A typed client for Recur's REST API. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct RecurClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    base_text: String,
    environment: Environment,
    policy: RetryPolicy,
}

impl std::fmt::Debug for RecurClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecurClient")
            .field("base_url", &self.inner.base_text)
            .field("environment", &self.inner.environment)
            .finish_non_exhaustive()
    }
}

impl RecurClient {
    /// Validates the key and base URL and builds the HTTP client. A `pk_` key is refused with
    /// [`RecurError::PublishableKey`]; an empty or unknown key with [`RecurError::Config`].
    pub fn new(config: ClientConfig) -> Result<Self, RecurError> {
        let (environment, base) = config.validate()?;
        let http = reqwest::Client::builder()
            .default_headers(default_headers(&config)?)
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            // A redirect would resend the key to another place, or turn the POST into a GET.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| RecurError::Config {
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        let base_text = base.as_str().trim_end_matches('/').to_owned();
        let policy = RetryPolicy::from_config(&config);
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                base_text,
                environment,
                policy,
            }),
        })
    }

    pub fn environment(&self) -> Environment {
        self.inner.environment
    }

    /// The normalised base URL, without a trailing slash or `/v1`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_text
    }

    /// Creates a checkout session. Retried only when Recur surely did not act on the request
    /// (see [`RetryPolicy::retry_delay`]); on a timeout or 5xx the session may still exist.
    pub async fn create_checkout(&self, req: &CreateCheckout) -> Result<CheckoutSession, RecurError> {
        let url = self.endpoint(&["checkout", "sessions"]);
        let body = req.to_json();
        let bytes = self
            .send(RequestKind::Create, "create_checkout", || {
                self.inner.http.request(Method::POST, url.clone()).json(&body)
            })
            .await?;
        let session = decode_session(&bytes)?;
        if session.url.trim().is_empty() {
            return Err(RecurError::undecodable("the new session has no payment page url"));
        }
        Ok(session)
    }

    /// Reads a checkout session (its status, and after payment its order id).
    pub async fn get_checkout(&self, id: &CheckoutId) -> Result<CheckoutSession, RecurError> {
        let url = self.endpoint(&["checkout", "sessions", id.as_str()]);
        let bytes = self
            .send(RequestKind::Read, "get_checkout", || {
                self.inner.http.request(Method::GET, url.clone())
            })
            .await?;
        decode_session(&bytes)
    }

    /// One page of products; `limit` is capped at 100, `starting_after` is the last id seen.
    pub async fn list_products(
        &self,
        limit: Option<u32>,
        starting_after: Option<&str>,
    ) -> Result<ProductPage, RecurError> {
        let mut url = self.endpoint(&["products"]);
        {
            let mut query = url.query_pairs_mut();
            if let Some(limit) = limit {
                query.append_pair("limit", &limit.clamp(1, MAX_PAGE_SIZE).to_string());
            }
            if let Some(after) = starting_after {
                query.append_pair("starting_after", after);
            }
        }
        let bytes = self
            .send(RequestKind::Read, "list_products", || {
                self.inner.http.request(Method::GET, url.clone())
            })
            .await?;
        decode_product_page(&bytes)
    }

    /// Every product, following `has_more` page by page.
    pub async fn all_products(&self) -> Result<Vec<Product>, RecurError> {
        let mut all: Vec<Product> = Vec::new();
        for _ in 0..MAX_PAGES {
            let after = all.last().map(|p| p.id.as_str().to_owned());
            let page = self.list_products(Some(MAX_PAGE_SIZE), after.as_deref()).await?;
            let last_before = all.last().map(|p| p.id.clone());
            all.extend(page.products);
            let progressed = all.last().map(|p| p.id.clone()) != last_before;
            // An empty page or a repeated cursor with has_more would loop forever: stop there.
            if !page.has_more || !progressed {
                return Ok(all);
            }
        }
        Err(RecurError::undecodable(format!(
            "the product list did not end after {MAX_PAGES} pages"
        )))
    }

    /// `{base}/v1/{segments…}`, each segment percent-encoded (an id can never alter the path).
    fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .expect("validated: the base URL has a host")
            .pop_if_empty()
            .push("v1")
            .extend(segments);
        url
    }

    /// Sends with retries; answers the body of a 2xx response.
    async fn send(
        &self,
        kind: RequestKind,
        what: &'static str,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Vec<u8>, RecurError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = attempt_once(build()).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let error = match outcome {
                Ok(body) => {
                    tracing::debug!(what, attempt, elapsed_ms, "recur request succeeded");
                    return Ok(body);
                }
                Err(error) => error,
            };
            let Some(wait) = self.inner.policy.retry_delay(kind, &error, attempt, fastrand::f64()) else {
                tracing::debug!(what, attempt, elapsed_ms, code = error.code(), %error, "recur request failed");
                return Err(error);
            };
            tracing::warn!(what, attempt, elapsed_ms, code = error.code(), %error, wait_ms = wait.as_millis() as u64,
                "recur request failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

/// One attempt: send, read the whole body, classify a non-2xx answer.
async fn attempt_once(request: RequestBuilder) -> Result<Vec<u8>, RecurError> {
    let response = request.send().await.map_err(|e| transport_error(&e))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.bytes().await.map_err(|e| transport_error(&e))?;
    if (200..300).contains(&status) {
        return Ok(body.to_vec());
    }
    Err(classify_response(status, retry_after.as_deref(), &body))
}

/// Connect failures first (nothing was sent, even if the connect itself timed out), then
/// timeouts, then any other transport failure.
fn transport_error(error: &reqwest::Error) -> RecurError {
    if error.is_connect() {
        RecurError::Network {
            message: describe(error),
            connect: true,
        }
    } else if error.is_timeout() {
        RecurError::Timeout
    } else {
        RecurError::Network {
            message: describe(error),
            connect: false,
        }
    }
}

/// The error and its causes on one line (reqwest's own text is often just "error sending request").
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn default_headers(config: &ClientConfig) -> Result<HeaderMap, RecurError> {
    let key = config.secret_key.expose().trim();
    let mut auth = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| RecurError::Config {
        message: "the secret key contains invalid characters".into(),
    })?;
    // Marked sensitive so that no Debug output of the headers can show it.
    auth.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, auth);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(
        USER_AGENT,
        HeaderValue::from_static(concat!("recur-pos/", env!("CARGO_PKG_VERSION"))),
    );
    Ok(headers)
}
