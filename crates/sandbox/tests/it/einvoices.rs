//! E-invoices after payments per `--einvoice on|off|fail` (recur-api.md §6): keyed by
//! `order_id`/`invoice_id`, never by a `data.id`; the other field names are guessed.

use recur_sandbox::{EinvoiceMode, Quirks, SandboxConfig};
use serde_json::{json, Value};

use crate::support::{start_with_receiver, types, Receiver};

#[test]
fn einvoices_follow_the_mode() {
    // (mode, events after a payment, events after its full refund)
    let cases = [
        (EinvoiceMode::On, vec!["einvoice.issued"], vec!["einvoice.voided"]),
        (EinvoiceMode::Off, vec![], vec![]),
        (EinvoiceMode::Fail, vec!["einvoice.issue_failed"], vec![]),
    ];
    for (mode, after_payment, after_refund) in cases {
        let receiver = Receiver::ok();
        let config = SandboxConfig {
            quirks: Quirks {
                einvoice: mode,
                ..Quirks::default()
            },
            ..SandboxConfig::for_tests()
        };
        let env = start_with_receiver(&receiver, config);
        let id = env.create("prod_latte", json!({}))["id"].as_str().unwrap().to_owned();
        let order = env.pay(&id, "inv@example.tw").json["order_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let einvoices = |got: Vec<Value>| -> Vec<Value> {
            got.into_iter()
                .filter(|b| b["type"].as_str().unwrap().starts_with("einvoice."))
                .collect()
        };
        let paid = einvoices(env.delivered(&receiver, 0));
        assert_eq!(types(&paid), after_payment, "{mode:?}");
        let skip = env.mark(&receiver);
        assert_eq!(
            env.post_json("/_sandbox/refunds", &json!({"order_id": order})).status,
            200
        );
        let refunded = einvoices(env.delivered(&receiver, skip));
        assert_eq!(types(&refunded), after_refund, "{mode:?}");
        for b in paid.iter().chain(&refunded) {
            let d = b["data"].as_object().unwrap();
            assert!(!d.contains_key("id"), "no data.id: {}", b["data"]);
            assert_eq!(d["order_id"], order.as_str(), "{mode:?}");
            assert!(
                d.contains_key("invoice_id") && d["invoice_id"].is_null(),
                "a purchase has no billing invoice"
            );
        }
        if mode == EinvoiceMode::On {
            let d = &paid[0]["data"];
            let number = d["invoice_number"].as_str().unwrap();
            let (track, digits) = number.split_once('-').unwrap();
            assert!(
                track.len() == 2 && track.bytes().all(|b| b.is_ascii_uppercase()),
                "{number}"
            );
            assert!(
                digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()),
                "{number}"
            );
            assert_eq!(
                (d["status"].as_str(), d["amount"].as_i64(), d["currency"].as_str()),
                (Some("issued"), Some(120), Some("TWD"))
            );
            assert!(d["issued_at"].is_string() && d["carrier_type"].is_string());
            assert_eq!(d["buyer_email"], "inv@example.tw");
        }
        if mode == EinvoiceMode::Fail {
            let d = &paid[0]["data"];
            assert_eq!(d["status"], "failed");
            assert!(d["failure_code"].is_string() && d["failure_message"].is_string());
        }
    }
}
