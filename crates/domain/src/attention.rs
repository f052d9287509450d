//! What a person must look at on a sale ([`Attention`]) and why a sale did not complete
//! ([`Failure`]): closed enums carrying their figures, so the ledger stores them as data, the
//! window says them in zh-TW or English from `{code, params}`, and the command line prints the
//! same code. Nothing here is prose to be parsed back.
//!
//! Each has a fieldless code enum with `ALL` (for the translation tests) and a stable
//! `as_str()`. Params travel as named [`Figure`]s: money stays an integer until it is shown.
//! Not here: when a sale is flagged (the ledger's rules) or how the sentences read (`ui/i18n`).

use serde_json::{json, Map, Value};

use crate::code::ErrorCode;
use crate::ids::{CheckoutId, TxnId};
use crate::money::{Currency, Money};

/// One value a note or a failure carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Figure {
    Money(Money),
    Text(String),
}

impl Figure {
    /// How a person reads it: money as `NT$1,290` (the same in both languages), text as is.
    pub fn display(&self) -> String {
        match self {
            Figure::Money(m) => m.display_twd(),
            Figure::Text(t) => t.clone(),
        }
    }
}

macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|c| c.as_str() == text)
            }
        }
    };
}

code_enum! {
    /// The kind of an [`Attention`] note.
    AttentionCode {
        MatchConflict => "match_conflict",
        PaidAfterCancel => "paid_after_cancel",
        AmountMismatch => "amount_mismatch",
        AmountMissing => "amount_missing",
        CurrencyMismatch => "currency_mismatch",
        DoublePayment => "double_payment",
        RefundCurrencyMismatch => "refund_currency_mismatch",
        RefundAmountUnknown => "refund_amount_unknown",
        OverRefunded => "over_refunded",
        EinvoiceIssueFailed => "einvoice_issue_failed",
        RenewalReasonUnknown => "renewal_reason_unknown",
        Other => "other",
    }
}

/// Something about a sale that a person must look at. The sale stays as the facts made it
/// (money received is never hidden); the note says what does not add up, with the figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attention {
    /// The payment's checkout belongs to this sale, but its metadata names another sale.
    MatchConflict {
        checkout: CheckoutId,
        named: TxnId,
    },
    /// Money arrived after the cashier cancelled the sale.
    PaidAfterCancel,
    AmountMismatch {
        expected: Money,
        received: Money,
    },
    /// Recur did not say how much was paid.
    AmountMissing,
    CurrencyMismatch {
        expected: Currency,
        received: Currency,
    },
    /// Two checkouts (or two orders) of this one sale were both paid; ids in sorted order.
    DoublePayment {
        first: String,
        second: String,
    },
    RefundCurrencyMismatch {
        refund: String,
        currency: Currency,
        sale_currency: Currency,
    },
    /// A refund succeeded without saying its own amount.
    RefundAmountUnknown {
        refund: String,
    },
    OverRefunded {
        refunded: Money,
        paid: Money,
    },
    /// Recur could not issue the e-invoice (統一發票) for this order: the shop owes the
    /// customer a receipt.
    EinvoiceIssueFailed {
        order: String,
        code: Option<String>,
    },
    /// A subscription invoice was recorded as a renewal, but its billing reason is missing or
    /// one nobody has documented.
    RenewalReasonUnknown {
        renewal: String,
        reason: Option<String>,
    },
    /// A note an older version wrote that no longer reads as one of the above, word for word.
    Other {
        text: String,
    },
}

impl Attention {
    pub fn code(&self) -> AttentionCode {
        match self {
            Attention::MatchConflict { .. } => AttentionCode::MatchConflict,
            Attention::PaidAfterCancel => AttentionCode::PaidAfterCancel,
            Attention::AmountMismatch { .. } => AttentionCode::AmountMismatch,
            Attention::AmountMissing => AttentionCode::AmountMissing,
            Attention::CurrencyMismatch { .. } => AttentionCode::CurrencyMismatch,
            Attention::DoublePayment { .. } => AttentionCode::DoublePayment,
            Attention::RefundCurrencyMismatch { .. } => AttentionCode::RefundCurrencyMismatch,
            Attention::RefundAmountUnknown { .. } => AttentionCode::RefundAmountUnknown,
            Attention::OverRefunded { .. } => AttentionCode::OverRefunded,
            Attention::EinvoiceIssueFailed { .. } => AttentionCode::EinvoiceIssueFailed,
            Attention::RenewalReasonUnknown { .. } => AttentionCode::RenewalReasonUnknown,
            Attention::Other { .. } => AttentionCode::Other,
        }
    }

    /// The figures the note carries, by name (the names the sentences use).
    pub fn params(&self) -> Vec<(&'static str, Figure)> {
        let text = |s: &str| Figure::Text(s.to_owned());
        match self {
            Attention::MatchConflict { checkout, named } => {
                vec![("checkout", text(checkout.as_str())), ("named", text(named.as_str()))]
            }
            Attention::PaidAfterCancel | Attention::AmountMissing => vec![],
            Attention::AmountMismatch { expected, received } => {
                vec![
                    ("expected", Figure::Money(*expected)),
                    ("received", Figure::Money(*received)),
                ]
            }
            Attention::CurrencyMismatch { expected, received } => {
                vec![
                    ("expected", text(expected.as_str())),
                    ("received", text(received.as_str())),
                ]
            }
            Attention::DoublePayment { first, second } => vec![("first", text(first)), ("second", text(second))],
            Attention::RefundCurrencyMismatch {
                refund,
                currency,
                sale_currency,
            } => vec![
                ("refund", text(refund)),
                ("currency", text(currency.as_str())),
                ("sale_currency", text(sale_currency.as_str())),
            ],
            Attention::RefundAmountUnknown { refund } => vec![("refund", text(refund))],
            Attention::OverRefunded { refunded, paid } => {
                vec![("refunded", Figure::Money(*refunded)), ("paid", Figure::Money(*paid))]
            }
            // A missing part is "-" (the sentence still reads; the stored form keeps it as is).
            Attention::EinvoiceIssueFailed { order, code } => {
                vec![("order", text(order)), ("code", text(code.as_deref().unwrap_or("-")))]
            }
            Attention::RenewalReasonUnknown { renewal, reason } => {
                vec![
                    ("renewal", text(renewal)),
                    ("reason", text(reason.as_deref().unwrap_or("-"))),
                ]
            }
            Attention::Other { text: t } => vec![("text", text(t))],
        }
    }

    /// The params as stored: a JSON object, money as integers (keys sorted, so the same note
    /// always stores the same text and is kept once).
    pub fn stored_params(&self) -> Value {
        to_json(&self.params())
    }

    /// Reads back what [`Attention::code`] and [`Attention::stored_params`] stored.
    pub fn from_stored(code: &str, params: &Value) -> Option<Attention> {
        let text = |name: &str| params.get(name)?.as_str().map(str::to_owned);
        let money = |name: &str| params.get(name)?.as_i64().map(Money::new);
        let currency = |name: &str| text(name).map(|c| Currency::new(&c));
        Some(match AttentionCode::parse(code)? {
            AttentionCode::MatchConflict => Attention::MatchConflict {
                checkout: CheckoutId::new(text("checkout")?),
                named: TxnId::new(text("named")?),
            },
            AttentionCode::PaidAfterCancel => Attention::PaidAfterCancel,
            AttentionCode::AmountMismatch => Attention::AmountMismatch {
                expected: money("expected")?,
                received: money("received")?,
            },
            AttentionCode::AmountMissing => Attention::AmountMissing,
            AttentionCode::CurrencyMismatch => Attention::CurrencyMismatch {
                expected: currency("expected")?,
                received: currency("received")?,
            },
            AttentionCode::DoublePayment => Attention::DoublePayment {
                first: text("first")?,
                second: text("second")?,
            },
            AttentionCode::RefundCurrencyMismatch => Attention::RefundCurrencyMismatch {
                refund: text("refund")?,
                currency: currency("currency")?,
                sale_currency: currency("sale_currency")?,
            },
            AttentionCode::RefundAmountUnknown => Attention::RefundAmountUnknown {
                refund: text("refund")?,
            },
            AttentionCode::OverRefunded => Attention::OverRefunded {
                refunded: money("refunded")?,
                paid: money("paid")?,
            },
            AttentionCode::EinvoiceIssueFailed => Attention::EinvoiceIssueFailed {
                order: text("order")?,
                code: text("code").filter(|c| c != "-"),
            },
            AttentionCode::RenewalReasonUnknown => Attention::RenewalReasonUnknown {
                renewal: text("renewal")?,
                reason: text("reason").filter(|r| r != "-"),
            },
            AttentionCode::Other => Attention::Other { text: text("text")? },
        })
    }

    /// Two payments of one sale, named in a fixed order whichever was learnt first.
    pub fn double_payment(a: &str, b: &str) -> Attention {
        let (first, second) = if a <= b { (a, b) } else { (b, a) };
        Attention::DoublePayment {
            first: first.to_owned(),
            second: second.to_owned(),
        }
    }
}

code_enum! {
    /// The kind of a [`Failure`].
    FailureCode {
        CreateFailed => "create_failed",
        Interrupted => "interrupted",
        CardDeclined => "card_declined",
        InsufficientFunds => "insufficient_funds",
        ExpiredCard => "expired_card",
        PaymentFailed => "payment_failed",
    }
}

/// Why a sale ended FAILED.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Recur could not create the checkout (`error` says why).
    CreateFailed { error: ErrorCode },
    /// The app stopped after writing the sale and before Recur answered.
    Interrupted,
    /// Recur says the payment failed. `code` is the decline as Recur named it (kept as is);
    /// `message` is Recur's own text, if any, for the details line.
    Declined {
        code: Option<String>,
        message: Option<String>,
    },
}

impl Failure {
    pub fn code(&self) -> FailureCode {
        match self {
            Failure::CreateFailed { .. } => FailureCode::CreateFailed,
            Failure::Interrupted => FailureCode::Interrupted,
            Failure::Declined { code, .. } => match code.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("card_declined" | "declined" | "do_not_honor") => FailureCode::CardDeclined,
                Some("insufficient_funds") => FailureCode::InsufficientFunds,
                Some("expired_card" | "card_expired") => FailureCode::ExpiredCard,
                _ => FailureCode::PaymentFailed,
            },
        }
    }

    pub fn params(&self) -> Vec<(&'static str, Figure)> {
        match self {
            Failure::CreateFailed { error } => vec![("error", Figure::Text(error.as_str().to_owned()))],
            Failure::Interrupted => vec![],
            Failure::Declined { code, message } => {
                let mut out = Vec::new();
                if let Some(code) = code {
                    out.push(("recur_code", Figure::Text(code.clone())));
                }
                if let Some(message) = message {
                    out.push(("message", Figure::Text(message.clone())));
                }
                out
            }
        }
    }

    pub fn stored_params(&self) -> Value {
        to_json(&self.params())
    }

    pub fn from_stored(code: &str, params: &Value) -> Option<Failure> {
        let text = |name: &str| params.get(name).and_then(Value::as_str).map(str::to_owned);
        Some(match FailureCode::parse(code)? {
            FailureCode::CreateFailed => {
                let error = text("error")?;
                Failure::CreateFailed {
                    error: ErrorCode::ALL.iter().copied().find(|c| c.as_str() == error)?,
                }
            }
            FailureCode::Interrupted => Failure::Interrupted,
            _ => Failure::Declined {
                code: text("recur_code"),
                message: text("message"),
            },
        })
    }
}

code_enum! {
    /// The kind of a [`StepNote`].
    NoteCode {
        Received => "received",
        Refunded => "refunded",
        Failed => "failed",
        Text => "text",
    }
}

/// What a step of a sale's history adds to its two states: how much was received, refunded, or
/// why it failed. Stored as `{"code", "params"}`; a note an older version wrote as prose reads
/// back as [`StepNote::Text`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepNote {
    Received { amount: Money },
    Refunded { total: Money, paid: Money },
    Failed(FailureCode),
    Text(String),
}

impl StepNote {
    pub fn code(&self) -> NoteCode {
        match self {
            StepNote::Received { .. } => NoteCode::Received,
            StepNote::Refunded { .. } => NoteCode::Refunded,
            StepNote::Failed(_) => NoteCode::Failed,
            StepNote::Text(_) => NoteCode::Text,
        }
    }

    /// The figures; a failure carries its [`FailureCode`] (`failure.<code>` in the UI's strings).
    pub fn params(&self) -> Vec<(&'static str, Figure)> {
        match self {
            StepNote::Received { amount } => vec![("amount", Figure::Money(*amount))],
            StepNote::Refunded { total, paid } => {
                vec![("total", Figure::Money(*total)), ("paid", Figure::Money(*paid))]
            }
            StepNote::Failed(code) => vec![("failure", Figure::Text(code.as_str().to_owned()))],
            StepNote::Text(text) => vec![("text", Figure::Text(text.clone()))],
        }
    }

    /// `{"code": …, "params": {…}}`.
    pub fn stored(&self) -> String {
        json!({ "code": self.code().as_str(), "params": to_json(&self.params()) }).to_string()
    }

    /// Reads what [`StepNote::stored`] wrote; anything else is an older version's prose.
    pub fn from_stored(text: &str) -> StepNote {
        let parsed: Option<(String, Value)> = serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| Some((v.get("code")?.as_str()?.to_owned(), v.get("params")?.clone())));
        let read = |code: &str, params: &Value| -> Option<StepNote> {
            let money = |name: &str| params.get(name)?.as_i64().map(Money::new);
            Some(match NoteCode::parse(code)? {
                NoteCode::Received => StepNote::Received {
                    amount: money("amount")?,
                },
                NoteCode::Refunded => StepNote::Refunded {
                    total: money("total")?,
                    paid: money("paid")?,
                },
                NoteCode::Failed => StepNote::Failed(FailureCode::parse(params.get("failure")?.as_str()?)?),
                NoteCode::Text => StepNote::Text(params.get("text")?.as_str()?.to_owned()),
            })
        };
        parsed
            .and_then(|(code, params)| read(&code, &params))
            .unwrap_or_else(|| StepNote::Text(text.to_owned()))
    }
}

fn to_json(params: &[(&'static str, Figure)]) -> Value {
    // serde_json's map keeps keys sorted (no `preserve_order`), so equal notes store equal text.
    let map: Map<String, Value> = params
        .iter()
        .map(|(name, figure)| {
            let value = match figure {
                Figure::Money(m) => json!(m.get()),
                Figure::Text(t) => json!(t),
            };
            ((*name).to_owned(), value)
        })
        .collect();
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_attention() -> Vec<Attention> {
        vec![
            Attention::MatchConflict {
                checkout: CheckoutId::new("cs_1"),
                named: TxnId::new("T2"),
            },
            Attention::PaidAfterCancel,
            Attention::AmountMismatch {
                expected: Money::new(120),
                received: Money::new(100),
            },
            Attention::AmountMissing,
            Attention::CurrencyMismatch {
                expected: Currency::twd(),
                received: Currency::new("USD"),
            },
            Attention::double_payment("cs_b", "cs_a"),
            Attention::RefundCurrencyMismatch {
                refund: "rf_1".into(),
                currency: Currency::new("USD"),
                sale_currency: Currency::twd(),
            },
            Attention::RefundAmountUnknown { refund: "rf_2".into() },
            Attention::OverRefunded {
                refunded: Money::new(1_500),
                paid: Money::new(1_290),
            },
            Attention::EinvoiceIssueFailed {
                order: "ord_1".into(),
                code: Some("carrier_invalid".into()),
            },
            Attention::RenewalReasonUnknown {
                renewal: "in_1".into(),
                reason: None,
            },
            Attention::Other {
                text: "odd: thing".into(),
            },
        ]
    }

    #[test]
    fn every_note_round_trips_through_its_stored_form() {
        let notes = every_attention();
        let codes: Vec<AttentionCode> = notes.iter().map(Attention::code).collect();
        assert_eq!(codes, AttentionCode::ALL, "one example of every code, in order");
        for note in notes {
            let back = Attention::from_stored(note.code().as_str(), &note.stored_params());
            assert_eq!(back.as_ref(), Some(&note));
        }
        assert_eq!(Attention::from_stored("amount_mismatch", &json!({"expected": 1})), None);
        assert_eq!(Attention::from_stored("no_such_code", &json!({})), None);
    }

    #[test]
    fn figures_read_as_people_read_them() {
        let note = Attention::OverRefunded {
            refunded: Money::new(1_500),
            paid: Money::new(1_290),
        };
        let shown: Vec<(&str, String)> = note.params().iter().map(|(k, v)| (*k, v.display())).collect();
        assert_eq!(
            shown,
            [("refunded", "NT$1,500".to_owned()), ("paid", "NT$1,290".to_owned())]
        );
        assert_eq!(note.stored_params().to_string(), r#"{"paid":1290,"refunded":1500}"#);
        assert_eq!(
            Attention::double_payment("b", "a"),
            Attention::double_payment("a", "b"),
            "the same pair whichever was paid first"
        );
    }

    #[test]
    fn failures_keep_recur_words_and_map_known_declines() {
        let cases = [
            (
                Failure::CreateFailed {
                    error: ErrorCode::RecurTimeout,
                },
                FailureCode::CreateFailed,
            ),
            (Failure::Interrupted, FailureCode::Interrupted),
            (declined(Some("card_declined")), FailureCode::CardDeclined),
            (declined(Some("INSUFFICIENT_FUNDS")), FailureCode::InsufficientFunds),
            (declined(Some("expired_card")), FailureCode::ExpiredCard),
            (declined(Some("fraud_suspected")), FailureCode::PaymentFailed),
            (declined(None), FailureCode::PaymentFailed),
        ];
        for (failure, code) in cases {
            assert_eq!(failure.code(), code, "{failure:?}");
            let back = Failure::from_stored(failure.code().as_str(), &failure.stored_params());
            assert_eq!(back, Some(failure));
        }
    }

    #[test]
    fn step_notes_round_trip_and_prose_reads_as_text() {
        let notes = [
            StepNote::Received {
                amount: Money::new(120),
            },
            StepNote::Refunded {
                total: Money::new(50),
                paid: Money::new(120),
            },
            StepNote::Failed(FailureCode::CardDeclined),
            StepNote::Text("session unknown to Recur".into()),
        ];
        let codes: Vec<NoteCode> = notes.iter().map(StepNote::code).collect();
        assert_eq!(codes, NoteCode::ALL);
        for note in notes {
            assert_eq!(StepNote::from_stored(&note.stored()), note);
        }
        assert_eq!(
            StepNote::from_stored("received NT$120"),
            StepNote::Text("received NT$120".into()),
            "schema 1's prose"
        );
    }

    fn declined(code: Option<&str>) -> Failure {
        Failure::Declined {
            code: code.map(str::to_owned),
            message: Some("Declined by the bank".into()),
        }
    }
}
