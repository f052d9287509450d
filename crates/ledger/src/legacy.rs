//! Reading what ledgers of schema 1 wrote as prose: a sale's `attention` text (`code: detail`
//! notes joined by `; `) and its `failure` text (`create_failed:<code>: <message>`, or a decline
//! as `<code>: <message>`). Used once, by the migration that stores them as data.
//!
//! Schema 1 joined and sorted notes on `; ` although two of its own notes contain `; `, so a
//! stored list can hold orphaned tails (`check it in Recur`) and repeats: tails are dropped,
//! repeats kept once, and a note that reads as nothing known survives word for word as
//! [`Attention::Other`]. Not here: anything written by a newer schema.

use recur_domain::{Attention, CheckoutId, Currency, ErrorCode, Failure, Money, TxnId};

/// The tail schema 1 put after `; ` inside `amount_missing` and `refund_amount_unknown`.
const ORPHAN_TAIL: &str = "check it in Recur";

/// The notes of one sale's `attention` text, each once, in the order first found.
pub(crate) fn attention_notes(text: &str) -> Vec<Attention> {
    let mut notes: Vec<Attention> = Vec::new();
    for fragment in text.split("; ").map(str::trim).filter(|f| !f.is_empty()) {
        if fragment == ORPHAN_TAIL {
            continue;
        }
        let note = note(fragment).unwrap_or_else(|| Attention::Other {
            text: fragment.to_owned(),
        });
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    notes
}

fn note(fragment: &str) -> Option<Attention> {
    let (code, detail) = fragment.split_once(':')?;
    let detail = detail.trim();
    let words: Vec<&str> = detail.split_whitespace().collect();
    let word = |i: usize| words.get(i).map(|w| w.trim_end_matches(',')).unwrap_or_default();
    Some(match code.trim() {
        // "checkout {c} belongs to this sale, metadata names sale {t}"
        "match_conflict" => Attention::MatchConflict {
            checkout: CheckoutId::new(word(1)),
            named: TxnId::new(*words.last()?),
        },
        "paid_after_cancel" => Attention::PaidAfterCancel,
        // "expected NT$120, received NT$100"
        "amount_mismatch" => Attention::AmountMismatch {
            expected: money(word(1))?,
            received: money(word(3))?,
        },
        "amount_missing" => Attention::AmountMissing,
        // "expected TWD, received USD"
        "currency_mismatch" => Attention::CurrencyMismatch {
            expected: Currency::new(word(1)),
            received: Currency::new(word(3)),
        },
        // "checkouts {a} and {b} were both paid"
        "double_payment" => Attention::double_payment(word(1), word(3)),
        // "refund {r} in {USD}, sale in {TWD}"
        "refund_currency_mismatch" => Attention::RefundCurrencyMismatch {
            refund: word(1).to_owned(),
            currency: Currency::new(word(3)),
            sale_currency: Currency::new(word(6)),
        },
        // "refund {r} succeeded without its own amount"
        "refund_amount_unknown" => Attention::RefundAmountUnknown {
            refund: word(1).to_owned(),
        },
        // "refunded NT$1,050 of NT$450"
        "over_refunded" => Attention::OverRefunded {
            refunded: money(word(1))?,
            paid: money(word(3))?,
        },
        _ => return None,
    })
}

/// `NT$1,290` (or `-NT$5`) back to money.
fn money(text: &str) -> Option<Money> {
    let negative = text.starts_with('-');
    let digits: String = text.trim_start_matches('-').strip_prefix("NT$")?.replace(',', "");
    let value: i64 = digits.parse().ok()?;
    Some(Money::new(if negative { -value } else { value }))
}

/// A sale's `failure` text as data.
pub(crate) fn failure(text: &str) -> Failure {
    if let Some(rest) = text.strip_prefix("create_failed:") {
        let (code, _message) = rest.split_once(':').unwrap_or((rest, ""));
        return match code.trim() {
            "interrupted" => Failure::Interrupted,
            code => Failure::CreateFailed {
                error: recur_error_code(code),
            },
        };
    }
    match text.split_once(':') {
        Some((code, message)) if !code.contains(' ') => Failure::Declined {
            code: Some(code.trim().to_owned()),
            message: Some(message.trim().to_owned()).filter(|m| !m.is_empty()),
        },
        _ if text == "payment_failed" => Failure::Declined {
            code: None,
            message: None,
        },
        _ if !text.contains(' ') => Failure::Declined {
            code: Some(text.to_owned()),
            message: None,
        },
        _ => Failure::Declined {
            code: None,
            message: Some(text.to_owned()),
        },
    }
}

/// The `recur.*` code schema 1 stored by its short name.
fn recur_error_code(short: &str) -> ErrorCode {
    let wanted = format!("recur.{short}");
    ErrorCode::ALL
        .iter()
        .copied()
        .find(|c| c.as_str() == wanted)
        .unwrap_or(ErrorCode::RecurServer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_written_by_schema_one_read_back_as_data() {
        let stored = "check it in Recur; check it in Recur; over_refunded: refunded NT$1,050 of NT$450; \
            refund_amount_unknown: refund rf_noamount succeeded without its own amount; \
            refund_amount_unknown: refund rf_noamount succeeded without its own amount; \
            refund_currency_mismatch: refund rf_usd in USD, sale in TWD; something odd: twice";
        assert_eq!(
            attention_notes(stored),
            [
                Attention::OverRefunded {
                    refunded: Money::new(1_050),
                    paid: Money::new(450)
                },
                Attention::RefundAmountUnknown {
                    refund: "rf_noamount".into()
                },
                Attention::RefundCurrencyMismatch {
                    refund: "rf_usd".into(),
                    currency: Currency::new("USD"),
                    sale_currency: Currency::twd()
                },
                Attention::Other {
                    text: "something odd: twice".into()
                },
            ]
        );
        let more = "amount_mismatch: expected NT$120, received NT$100; paid_after_cancel: payment arrived after the \
            cashier cancelled; match_conflict: checkout cs_a belongs to this sale, metadata names sale 01TXN; \
            double_payment: orders ord_2 and ord_1 were both paid; currency_mismatch: expected TWD, received USD";
        assert_eq!(
            attention_notes(more),
            [
                Attention::AmountMismatch {
                    expected: Money::new(120),
                    received: Money::new(100)
                },
                Attention::PaidAfterCancel,
                Attention::MatchConflict {
                    checkout: CheckoutId::new("cs_a"),
                    named: TxnId::new("01TXN")
                },
                Attention::double_payment("ord_1", "ord_2"),
                Attention::CurrencyMismatch {
                    expected: Currency::twd(),
                    received: Currency::new("USD")
                },
            ]
        );
    }

    #[test]
    fn failures_written_by_schema_one_read_back_as_data() {
        let declined = |code: Option<&str>, message: Option<&str>| Failure::Declined {
            code: code.map(str::to_owned),
            message: message.map(str::to_owned),
        };
        let cases = [
            (
                "create_failed:timeout: Recur did not answer in time",
                Failure::CreateFailed {
                    error: ErrorCode::RecurTimeout,
                },
            ),
            (
                "create_failed:interrupted: the app stopped before Recur answered; a payment …",
                Failure::Interrupted,
            ),
            (
                "card_declined: Your card was declined",
                declined(Some("card_declined"), Some("Your card was declined")),
            ),
            ("insufficient_funds", declined(Some("insufficient_funds"), None)),
            ("payment_failed", declined(None, None)),
            ("the bank said no", declined(None, Some("the bank said no"))),
        ];
        for (text, expected) in cases {
            assert_eq!(failure(text), expected, "{text}");
        }
    }
}
