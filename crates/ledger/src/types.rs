//! The ledger's public data: what callers hand in and what they read back.
//!
//! Deliberately without `Serialize`: the CLI and the shell own their own DTOs.

use recur_domain::{
    Attention, CauseKind, CheckoutId, Currency, Day, EventId, Failure, Mode, Money, OrderId, ProductId, SaleState,
    SubscriptionId, Timestamp, TxnId,
};

/// A sale as the cashier starts it, before Recur is called.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSale {
    pub product_id: ProductId,
    pub product_name: String,
    pub mode: Mode,
    pub amount: Money,
    pub currency: Currency,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
}

/// A checkout session Recur created for a sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCheckout {
    pub checkout_id: CheckoutId,
    pub url: String,
    pub expires_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sale {
    pub id: TxnId,
    pub product_id: ProductId,
    pub product_name: String,
    pub mode: Mode,
    /// The price asked.
    pub amount: Money,
    pub currency: Currency,
    /// As prefilled, then as given at payment time.
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub state: SaleState,
    /// The current checkout (older ones are in [`SaleDetail::checkouts`]).
    pub checkout_id: Option<CheckoutId>,
    pub url: Option<String>,
    pub expires_at: Option<Timestamp>,
    pub order_id: Option<OrderId>,
    pub subscription_id: Option<SubscriptionId>,
    /// The amount Recur says was received.
    pub paid_amount: Option<Money>,
    pub refunded_amount: Money,
    pub page_opened_at: Option<Timestamp>,
    pub paid_at: Option<Timestamp>,
    /// Why the sale failed (the checkout could not be created, or Recur declined the payment).
    pub failure: Option<Failure>,
    /// What a person must look at (amount mismatch, paid after cancel, …), each note once.
    pub attention: Vec<Attention>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// `None` for the creation of the sale.
    pub from: Option<SaleState>,
    pub to: SaleState,
    pub cause: CauseKind,
    /// The event id, checkout id or cashier behind the change.
    pub reference: Option<String>,
    pub note: Option<String>,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutRecord {
    pub checkout_id: CheckoutId,
    pub url: String,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRecord {
    pub refund_id: String,
    pub order_id: Option<OrderId>,
    /// Upper case; empty when Recur named none.
    pub status: String,
    pub amount: Option<Money>,
    pub refunded_amount: Option<Money>,
    pub original_amount: Option<Money>,
    pub currency: Option<Currency>,
    /// Whether it counts toward the sale's refunded amount.
    pub counted: bool,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleDetail {
    pub sale: Sale,
    /// Oldest first.
    pub history: Vec<Transition>,
    /// Every checkout ever created for the sale, oldest first.
    pub checkouts: Vec<CheckoutRecord>,
    pub refunds: Vec<RefundRecord>,
}

/// Why a fact is being applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    pub kind: CauseKind,
    pub reference: Option<String>,
}

impl Cause {
    pub fn event(id: &EventId) -> Self {
        Self {
            kind: CauseKind::Event,
            reference: Some(id.to_string()),
        }
    }

    pub fn session_read(checkout: &CheckoutId) -> Self {
        Self {
            kind: CauseKind::SessionRead,
            reference: Some(checkout.to_string()),
        }
    }

    pub fn cashier(who: Option<&str>) -> Self {
        Self {
            kind: CauseKind::Cashier,
            reference: who.map(str::to_owned),
        }
    }
}

/// What applying a fact did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The sale moved (possibly through several recorded steps, e.g. OPEN → PAID → REFUNDED).
    Changed {
        sale: TxnId,
        from: SaleState,
        to: SaleState,
    },
    /// Information was stored without a state change (page opened, a refund still pending, …).
    Recorded { sale: TxnId },
    /// Nothing changed: a duplicate, late or out-of-order fact.
    NoOp { sale: TxnId, reason: String },
    /// No sale has this checkout id or transaction id. Kept in the journal, credited nowhere.
    Unmatched,
    /// Nothing for the ledger to do (catalog changes, unknown event types).
    Ignored,
}

/// A webhook delivery as the listener received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookReceipt {
    pub event_id_header: Option<String>,
    pub event_type_header: Option<String>,
    /// The raw bytes, exactly as received (the signature covers them).
    pub body: Vec<u8>,
    /// Stored in the journal, except `Authorization` and `Cookie`.
    pub headers: Vec<(String, String)>,
    /// Whether the listener verified the signature over `body`.
    pub verified: bool,
    pub received_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookOutcome {
    Applied(Applied),
    /// This event id was already received and applied: acknowledge, change nothing.
    Duplicate,
    /// The signature did not verify: journaled, no effect.
    Rejected,
    /// Signed but not an event we can read: journaled, no effect.
    Undecodable(String),
}

/// What the journal says about one delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JournalOutcome {
    Changed,
    Recorded,
    NoOp,
    Unmatched,
    Ignored,
    Rejected,
    Undecodable,
}

impl JournalOutcome {
    pub const ALL: [JournalOutcome; 7] = [
        JournalOutcome::Changed,
        JournalOutcome::Recorded,
        JournalOutcome::NoOp,
        JournalOutcome::Unmatched,
        JournalOutcome::Ignored,
        JournalOutcome::Rejected,
        JournalOutcome::Undecodable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JournalOutcome::Changed => "changed",
            JournalOutcome::Recorded => "recorded",
            JournalOutcome::NoOp => "noop",
            JournalOutcome::Unmatched => "unmatched",
            JournalOutcome::Ignored => "ignored",
            JournalOutcome::Rejected => "rejected",
            JournalOutcome::Undecodable => "undecodable",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        JournalOutcome::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    /// The journal row's own number (deliveries that were not deduplicated have no event id).
    pub seq: i64,
    pub event_id: Option<EventId>,
    pub event_type: Option<String>,
    pub verified: bool,
    pub outcome: JournalOutcome,
    pub sale_id: Option<TxnId>,
    /// The no-op reason, the transition made, or why the body was unreadable.
    pub detail: Option<String>,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub received_at: Timestamp,
    pub processed_at: Option<Timestamp>,
    /// Deliveries of this event id (1 + duplicates).
    pub attempts: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SaleFilter {
    pub state: Option<SaleState>,
    /// Created at or after.
    pub since: Option<Timestamp>,
    /// Created before.
    pub until: Option<Timestamp>,
    pub limit: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateTotal {
    pub state: SaleState,
    pub count: u64,
    /// The sum of the asked amounts.
    pub amount: Money,
}

/// The sales created on one shop day plus the renewals paid on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaySummary {
    pub day: Day,
    /// Only states that occur, in [`SaleState::ALL`] order.
    pub by_state: Vec<StateTotal>,
    /// Received for paid sales (including later refunded ones).
    pub collected: Money,
    pub refunded: Money,
    /// `collected - refunded + renewals_total`.
    pub net: Money,
    /// Sales that took money (paid, whatever was refunded since); card-only (SETUP) sales are
    /// counted in `cards_saved` instead.
    pub paid: u64,
    pub cards_saved: u64,
    /// DRAFT or OPEN: still waiting for the customer.
    pub open: u64,
    /// FAILED or EXPIRED.
    pub unpaid: u64,
    /// Sales with a note for a person.
    pub attention: u64,
    pub renewals: u64,
    pub renewals_total: Money,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewalRecord {
    /// The invoice id, else the order id.
    pub renewal_id: String,
    pub subscription_id: SubscriptionId,
    pub invoice_id: Option<String>,
    pub order_id: Option<OrderId>,
    pub amount: Option<Money>,
    pub currency: Option<Currency>,
    pub paid_at: Option<Timestamp>,
    pub billing_reason: Option<String>,
    pub recorded_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionRecord {
    pub subscription_id: SubscriptionId,
    /// Upper case, as Recur last said (the newest event wins, not the last delivered).
    pub status: Option<String>,
    pub current_period_end: Option<Timestamp>,
    pub product_id: Option<ProductId>,
    /// The sale whose checkout created it, when known.
    pub sale_id: Option<TxnId>,
    pub updated_at: Timestamp,
    /// Oldest first.
    pub renewals: Vec<RenewalRecord>,
}
