//! Checkout modes, Recur's session statuses and the one sale state machine.
//!
//! ```text
//! DRAFT ─► OPEN ─► PAID ─► PARTIALLY_REFUNDED ─► REFUNDED
//!   │        ├───► FAILED ───┐ (a later payment still wins: money received is never hidden)
//!   │        ├───► EXPIRED ──┤
//!   │        └───► CANCELLED ┘
//!   └─► FAILED (the checkout could not be created)
//! ```
//! Events and session reads only move a sale forward; a late or repeated one is a no-op. Only
//! the cashier re-opens a FAILED or EXPIRED sale (a new checkout for the same sale).

use std::fmt;

/// How a sale is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tender {
    /// Through Recur's hosted checkout (the QR code or the browser).
    Recur,
    /// Cash at the counter: recorded as paid at once, never sent to Recur.
    Cash,
}

impl Tender {
    pub const ALL: [Tender; 2] = [Tender::Recur, Tender::Cash];

    /// `recur` or `cash`, as stored and as the CLI takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Tender::Recur => "recur",
            Tender::Cash => "cash",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Tender::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// What a checkout does (recur-api.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// A one-off payment.
    Payment,
    /// A recurring subscription; the card is kept.
    Subscription,
    /// Save a card only; nothing is charged.
    Setup,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Payment, Mode::Subscription, Mode::Setup];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Payment => "PAYMENT",
            Mode::Subscription => "SUBSCRIPTION",
            Mode::Setup => "SETUP",
        }
    }

    /// Case-insensitive.
    pub fn parse(text: &str) -> Option<Self> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checkout session's status as Recur reports it (recur-api.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    Open,
    Complete,
    Expired,
}

impl SessionStatus {
    /// The name the sandbox emits.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Open => "OPEN",
            SessionStatus::Complete => "COMPLETE",
            SessionStatus::Expired => "EXPIRED",
        }
    }

    /// Tolerant: any casing; `COMPLETE`/`COMPLETED` alike; `pending` is still open.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "OPEN" | "PENDING" => Some(SessionStatus::Open),
            "COMPLETE" | "COMPLETED" | "PAID" | "SUCCEEDED" => Some(SessionStatus::Complete),
            "EXPIRED" => Some(SessionStatus::Expired),
            _ => None,
        }
    }
}

/// Where a sale stands in the local ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SaleState {
    Draft,
    Open,
    Paid,
    Failed,
    Expired,
    Cancelled,
    PartiallyRefunded,
    Refunded,
}

impl SaleState {
    pub const ALL: [SaleState; 8] = [
        SaleState::Draft,
        SaleState::Open,
        SaleState::Paid,
        SaleState::Failed,
        SaleState::Expired,
        SaleState::Cancelled,
        SaleState::PartiallyRefunded,
        SaleState::Refunded,
    ];

    /// Upper case, as stored and as printed by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            SaleState::Draft => "DRAFT",
            SaleState::Open => "OPEN",
            SaleState::Paid => "PAID",
            SaleState::Failed => "FAILED",
            SaleState::Expired => "EXPIRED",
            SaleState::Cancelled => "CANCELLED",
            SaleState::PartiallyRefunded => "PARTIALLY_REFUNDED",
            SaleState::Refunded => "REFUNDED",
        }
    }

    /// Case-insensitive.
    pub fn parse(text: &str) -> Option<Self> {
        SaleState::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Money was received for this sale (whatever happened after).
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            SaleState::Paid | SaleState::PartiallyRefunded | SaleState::Refunded
        )
    }

    /// Nothing more is expected unless the cashier acts or money arrives late.
    pub fn is_final(self) -> bool {
        !matches!(self, SaleState::Draft | SaleState::Open)
    }

    /// Whether the cashier may ask for a new checkout ("new QR") for a sale in this state.
    pub fn can_renew(self) -> bool {
        matches!(self, SaleState::Failed | SaleState::Expired)
            && decide(self, SaleState::Open, CauseKind::Create) == Ok(Decision::Apply)
    }

    /// Whether the cashier may still cancel a sale in this state.
    pub fn can_cancel(self) -> bool {
        decide(self, SaleState::Cancelled, CauseKind::Cashier) == Ok(Decision::Apply)
    }

    /// How far along a sale is; events never lower it.
    fn rank(self) -> u8 {
        match self {
            SaleState::Draft => 0,
            SaleState::Open => 1,
            SaleState::Failed | SaleState::Expired | SaleState::Cancelled => 2,
            SaleState::Paid => 3,
            SaleState::PartiallyRefunded => 4,
            SaleState::Refunded => 5,
        }
    }
}

impl fmt::Display for SaleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who or what caused a transition; every recorded transition carries one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CauseKind {
    /// Creating the checkout at Recur (success or failure).
    Create,
    /// A verified webhook event.
    Event,
    /// Reading the session from Recur.
    SessionRead,
    /// A person at the counter.
    Cashier,
    /// Cash taken at the counter: paid at once, never sent to Recur.
    Cash,
}

impl CauseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CauseKind::Create => "create",
            CauseKind::Event => "event",
            CauseKind::SessionRead => "session_read",
            CauseKind::Cashier => "cashier",
            CauseKind::Cash => "cash",
        }
    }

    pub const ALL: [CauseKind; 5] = [
        CauseKind::Create,
        CauseKind::Event,
        CauseKind::SessionRead,
        CauseKind::Cashier,
        CauseKind::Cash,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        CauseKind::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Facts from Recur (events, reads) are never refused: at worst they are no-ops.
    fn is_fact_from_recur(self) -> bool {
        matches!(self, CauseKind::Event | CauseKind::SessionRead)
    }
}

/// What to do with a requested transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Move the sale to the new state.
    Apply,
    /// Change nothing (a duplicate, late or out-of-order fact), with the reason.
    Ignore(&'static str),
}

/// A transition that a person or our own code asked for and that cannot happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a sale cannot go from {from} to {to} ({cause:?})")]
pub struct TransitionError {
    pub from: SaleState,
    pub to: SaleState,
    pub cause: CauseKind,
}

/// The state machine, as one pure function.
pub fn decide(from: SaleState, to: SaleState, cause: CauseKind) -> Result<Decision, TransitionError> {
    if allowed(from, to, cause) {
        return Ok(Decision::Apply);
    }
    if from == to {
        return Ok(Decision::Ignore("already in that state"));
    }
    if cause.is_fact_from_recur() {
        return Ok(Decision::Ignore(if to.rank() < from.rank() {
            "would move the sale backwards"
        } else {
            "does not apply to a sale in this state"
        }));
    }
    Err(TransitionError { from, to, cause })
}

fn allowed(from: SaleState, to: SaleState, cause: CauseKind) -> bool {
    use CauseKind::*;
    use SaleState::*;
    let fact = cause.is_fact_from_recur();
    match (from, to) {
        (Draft, Open) => cause == Create,
        // Cash handed over at the counter: paid at once, no checkout.
        (Draft, Paid) if cause == Cash => true,
        (Draft, Failed) => cause == Create,
        // A payment can be learnt of before the checkout's id is stored (a fast webhook).
        (Draft | Open | Failed | Expired | Cancelled, Paid) => fact,
        (Open, Failed) => cause == Event,
        (Open | Failed, Expired) => fact,
        (Draft | Open | Failed | Expired, Cancelled) => cause == Cashier,
        // A new checkout for the same sale, asked for by the cashier ("new QR").
        (Failed | Expired, Open) => cause == Create,
        (Paid | PartiallyRefunded, PartiallyRefunded | Refunded) => cause == Event && from != to,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CauseKind::*;
    use SaleState::*;

    const A: Result<Decision, ()> = Ok(Decision::Apply);
    const I: Result<Decision, ()> = Ok(Decision::Ignore(""));
    const E: Result<Decision, ()> = Err(());

    fn check(from: SaleState, to: SaleState, cause: CauseKind, expected: Result<Decision, ()>) {
        let got = decide(from, to, cause)
            .map(|d| match d {
                Decision::Ignore(_) => Decision::Ignore(""),
                d => d,
            })
            .map_err(|_| ());
        assert_eq!(got, expected, "{from} -> {to} by {cause:?}");
    }

    #[test]
    fn transition_table() {
        let table = [
            (Draft, Open, Create, A),
            (Draft, Failed, Create, A),
            (Draft, Paid, Event, A),
            (Draft, Cancelled, Cashier, A),
            (Draft, Open, Event, I),
            (Open, Paid, Event, A),
            (Open, Paid, SessionRead, A),
            (Open, Failed, Event, A),
            (Open, Expired, SessionRead, A),
            (Open, Cancelled, Cashier, A),
            (Open, Open, SessionRead, I),
            (Open, Paid, Cashier, E),
            (Paid, Paid, Event, I),
            (Paid, Failed, Event, I),
            (Paid, Expired, SessionRead, I),
            (Paid, Open, SessionRead, I),
            (Paid, Cancelled, Cashier, E),
            (Failed, Paid, Event, A),
            (Failed, Expired, SessionRead, A),
            (Failed, Open, Create, A),
            (Failed, Cancelled, Cashier, A),
            (Expired, Paid, Event, A),
            (Expired, Failed, Event, I),
            (Expired, Open, Create, A),
            (Expired, Open, SessionRead, I),
            (Cancelled, Paid, Event, A),
            (Cancelled, Expired, SessionRead, I),
            (Cancelled, Open, Create, E),
            (Paid, PartiallyRefunded, Event, A),
            (Paid, Refunded, Event, A),
            (PartiallyRefunded, Refunded, Event, A),
            (PartiallyRefunded, PartiallyRefunded, Event, I),
            (Refunded, PartiallyRefunded, Event, I),
            (Refunded, Paid, Event, I),
            (Paid, Refunded, Cashier, E),
            (Draft, Paid, Cash, A),
            (Open, Paid, Cash, E),
            (Failed, Paid, Cash, E),
        ];
        for (from, to, cause, expected) in table {
            check(from, to, cause, expected);
        }
    }

    #[test]
    fn facts_from_recur_never_error_and_never_lower_the_rank() {
        for from in SaleState::ALL {
            for to in SaleState::ALL {
                for cause in [Event, SessionRead] {
                    let d = decide(from, to, cause).expect("facts are never refused");
                    if d == Decision::Apply {
                        assert!(to.rank() >= from.rank(), "{from} -> {to} lowers the rank");
                    }
                }
            }
        }
    }

    #[test]
    fn the_cashier_renews_failed_or_expired_sales_and_cancels_unpaid_ones() {
        let renew: Vec<SaleState> = SaleState::ALL.into_iter().filter(|s| s.can_renew()).collect();
        assert_eq!(renew, [Failed, Expired]);
        let cancel: Vec<SaleState> = SaleState::ALL.into_iter().filter(|s| s.can_cancel()).collect();
        assert_eq!(cancel, [Draft, Open, Failed, Expired]);
    }

    #[test]
    fn names_round_trip_case_insensitively() {
        for s in SaleState::ALL {
            assert_eq!(SaleState::parse(&s.as_str().to_lowercase()), Some(s));
        }
        for m in Mode::ALL {
            assert_eq!(Mode::parse(&m.as_str().to_lowercase()), Some(m));
        }
        assert_eq!(SaleState::parse("PAYED"), None);
    }

    #[test]
    fn session_status_is_read_tolerantly() {
        let cases = [
            ("OPEN", Some(SessionStatus::Open)),
            ("pending", Some(SessionStatus::Open)),
            ("COMPLETE", Some(SessionStatus::Complete)),
            ("COMPLETED", Some(SessionStatus::Complete)),
            ("complete", Some(SessionStatus::Complete)),
            ("Expired", Some(SessionStatus::Expired)),
            ("weird", None),
        ];
        for (text, expected) in cases {
            assert_eq!(SessionStatus::parse(text), expected, "{text}");
        }
    }
}
