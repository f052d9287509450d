//! A typed async client for Recur's REST API (recur-api.md §1–5): create and read checkout
//! sessions, list products.
//!
//! One [`RecurClient`] holds one `reqwest` connection pool and is cheap to clone. Answers are read
//! tolerantly (camelCase or snake_case, status in any case, amounts as numbers or strings); errors
//! are one [`RecurError`] enum with stable codes; retries follow a pure, tested rule
//! ([`RetryPolicy::retry_delay`]) that never repeats a checkout creation Recur may have acted on.
//!
//! Not here: webhooks (the listener crate), the ledger, and any notion of a sale. The secret key
//! lives in a [`recur_domain::Secret`] and never reaches an error, a log line or a `Debug` output.

mod client;
mod config;
mod error;
mod fields;
mod model;
mod retry;

pub use client::{RecurClient, MAX_PAGE_SIZE};
pub use config::{environment_of, ClientConfig, Environment, DEFAULT_BASE_URL};
pub use error::{classify_response, parse_retry_after, RecurError};
pub use model::{decode_product_page, decode_session, CheckoutSession, CreateCheckout, Product, ProductPage};
pub use retry::{RequestKind, RetryPolicy};
