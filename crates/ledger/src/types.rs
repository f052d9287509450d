//! The ledger's public data: what callers hand in and what they read back.
//!
//! Deliberately without `Serialize`: the CLI and the shell own their own DTOs.

use recur_domain::{
    Attention, CauseKind, CheckoutId, Currency, Day, EventId, Failure, Mode, Money, OrderId, ProductId, SaleState,
    StepNote, SubscriptionId, Tender, Timestamp, TxnId,
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
    /// Recur's checkout, or cash at the counter.
    pub tender: Tender,
    /// Cash: what the customer handed over (the change is this minus the amount).
    pub cash_tendered: Option<Money>,
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
    /// Where it was sold ([`Origin`]); blank on a one-counter ledger.
    pub shop: String,
    pub counter: String,
}

/// The shop and the counter a ledger handle writes its sales as (`RECUR_POS_SHOP`,
/// `RECUR_POS_COUNTER`); both blank for the one counter of a one-shop ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub shop: String,
    pub counter: String,
}

/// The longest shop or counter name.
pub const ORIGIN_NAME_MAX: usize = 40;

impl Origin {
    /// Trimmed names of at most [`ORIGIN_NAME_MAX`] characters with no control characters.
    pub fn new(shop: &str, counter: &str) -> Result<Origin, String> {
        let name = |what: &str, text: &str| -> Result<String, String> {
            let text = text.trim();
            if text.chars().count() > ORIGIN_NAME_MAX || text.chars().any(char::is_control) {
                return Err(format!(
                    "the {what} name must be at most {ORIGIN_NAME_MAX} characters, with no control characters"
                ));
            }
            Ok(text.to_owned())
        };
        Ok(Origin {
            shop: name("shop", shop)?,
            counter: name("counter", counter)?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// `None` for the creation of the sale.
    pub from: Option<SaleState>,
    pub to: SaleState,
    pub cause: CauseKind,
    /// The event id, checkout id or cashier behind the change.
    pub reference: Option<String>,
    pub note: Option<StepNote>,
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
    /// The e-invoices Recur issued, voided or reduced for the sale's orders, oldest first.
    pub einvoices: Vec<EInvoiceRecord>,
    /// The subscription the sale started, with its renewals (paid and failed).
    pub subscription: Option<SubscriptionRecord>,
    /// The verified webhook events that touched the sale, oldest first.
    pub events: Vec<JournalEntry>,
}

/// One `einvoice.*` event as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EInvoiceRecord {
    /// `einvoice.issued`, `einvoice.issue_failed`, `einvoice.voided`, `einvoice.allowance_created`.
    pub kind: String,
    pub order_id: Option<OrderId>,
    pub invoice_id: Option<String>,
    /// The receipt number as printed (`AB-12345678`).
    pub invoice_number: Option<String>,
    pub allowance_number: Option<String>,
    pub status: Option<String>,
    pub amount: Option<Money>,
    pub failure_code: Option<String>,
    pub at: Option<Timestamp>,
    pub recorded_at: Timestamp,
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

/// A webhook delivery whose `X-Recur-Signature` the listener verified over `body`: the only kind
/// of delivery the journal keeps whole, and the only kind that can change a sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookReceipt {
    pub event_id_header: Option<String>,
    pub event_type_header: Option<String>,
    /// The raw bytes, exactly as received (the signature covers them).
    pub body: Vec<u8>,
    /// Stored in the journal, except `Authorization` and `Cookie`.
    pub headers: Vec<(String, String)>,
    pub received_at: Timestamp,
}

/// A delivery whose signature did not verify, as the journal keeps it: enough for a person to
/// recognise it (when, which headers, how long, a SHA-256 and the first bytes of the body), never
/// the body itself. Anyone who can reach the tunnel can send these, so each costs a few hundred
/// bytes and the journal keeps only the newest [`UnverifiedDelivery::KEPT`] of them, none older
/// than [`UnverifiedDelivery::KEPT_MS`]. Build it with [`UnverifiedDelivery::new`], which applies
/// the size limits (the ledger applies them again when storing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnverifiedDelivery {
    /// `X-Recur-Event-Id` as sent: shown to a person, never trusted or deduplicated on.
    pub event_id_header: Option<String>,
    /// `X-Recur-Event-Type` as sent, likewise.
    pub event_type_header: Option<String>,
    /// Only the headers of [`UnverifiedDelivery::HEADERS_KEPT`], values cut to
    /// [`UnverifiedDelivery::VALUE_BYTES`].
    pub headers: Vec<(String, String)>,
    /// The length of the body as received.
    pub body_len: u64,
    /// SHA-256 of the whole body as received.
    pub body_sha256: [u8; 32],
    /// At most [`UnverifiedDelivery::PREFIX_BYTES`] first bytes of the body.
    pub body_prefix: Vec<u8>,
    pub reason: UnverifiedReason,
    pub received_at: Timestamp,
}

/// Why a delivery did not verify; stored as its code in the journal's `detail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnverifiedReason {
    /// No `X-Recur-Signature`, or an empty one.
    NoSignature,
    /// More than one `X-Recur-Signature`: which one counts would be a guess.
    SeveralSignatures,
    /// A signature that is not the MAC of the body under our secret.
    Mismatch,
}

impl UnverifiedReason {
    pub const ALL: [UnverifiedReason; 3] = [
        UnverifiedReason::NoSignature,
        UnverifiedReason::SeveralSignatures,
        UnverifiedReason::Mismatch,
    ];

    pub fn code(self) -> &'static str {
        match self {
            UnverifiedReason::NoSignature => "no_signature",
            UnverifiedReason::SeveralSignatures => "several_signatures",
            UnverifiedReason::Mismatch => "signature_mismatch",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        UnverifiedReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookOutcome {
    Applied(Applied),
    /// This event id was already received and applied: acknowledge, change nothing.
    Duplicate,
    /// The signature did not verify: no effect, and at most an [`UnverifiedDelivery`] digest is
    /// journaled. The ledger never returns it for a [`WebhookReceipt`] (verified by definition);
    /// it names the listener's answer to such a delivery.
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
    /// The no-op reason, the transition made, why the body was unreadable, or (unverified) the
    /// [`UnverifiedReason`] code.
    pub detail: Option<String>,
    /// The whole body for a verified delivery; for an unverified one only its first bytes (at
    /// most [`UnverifiedDelivery::PREFIX_BYTES`]; see `body_len` and `body_sha256`).
    pub body: Vec<u8>,
    /// The length of the body as received (which `body` may be shorter than).
    pub body_len: u64,
    /// Lowercase hex SHA-256 of the whole body, kept where `body` is only a prefix (unverified
    /// deliveries; `None` for those journaled before it was recorded, and for verified ones).
    pub body_sha256: Option<String>,
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
    /// Renewal charges that failed on the day.
    pub renewals_failed: u64,
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
    /// `PAID` or `FAILED` (a failed charge; Recur may retry it, and a later success turns the
    /// same row `PAID`).
    pub status: String,
    pub failure_code: Option<String>,
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
