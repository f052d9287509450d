//! The Recur POS domain: the vocabulary every other crate shares.
//!
//! Money, identifiers, checkout modes, the sale state machine, webhook signatures and the
//! tolerant reading of webhook events. Nothing here does I/O, knows a clock (times are passed
//! in) or knows about windows, HTTP or SQLite.

pub mod attention;
pub mod backoff;
pub mod code;
pub mod event;
pub mod fact;
pub mod ids;
pub mod money;
pub mod redact;
pub mod secret;
pub mod signature;
pub mod state;
pub mod time;

pub use attention::{Attention, AttentionCode, Failure, FailureCode, Figure, NoteCode, StepNote};
pub use backoff::Backoff;
pub use code::ErrorCode;
pub use event::Event;
pub use ids::{CheckoutId, EventId, OrderId, ProductId, SubscriptionId, TxnId};
pub use money::{Currency, Money};
pub use secret::Secret;
pub use state::{CauseKind, Mode, SaleState, SessionStatus, Tender, TransitionError};
pub use time::{Day, Timestamp, TAIPEI_OFFSET_MS};
