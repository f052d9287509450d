//! What Recur sends after (and around) a payment, as the sandbox emits it (recur-api.md §6):
//! subscriptions before and after their first payment, failed renewals on every path, refunds,
//! e-invoices, payments without metadata and event types nobody documents — each applied by the
//! real listener to a real ledger, and each shown on the sale.

use std::sync::Arc;
use std::time::Duration;

use recur_domain::{AttentionCode, SaleState, Secret};
use recur_ledger::{JournalOutcome, Sale};
use recur_pos_core::{Backend, ChargeRequest, Config, Counter};
use recur_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

const VISA: &str = "4147631000000001";
const DECLINE: &str = "4000000000000002";

/// A counter, its listener and a sandbox delivering to it.
struct Billing {
    sandbox: Sandbox,
    counter: Arc<Counter>,
    rt: tokio::runtime::Runtime,
    _listener: recur_listener::Listener,
    _dir: tempfile::TempDir,
}

impl Billing {
    fn new(config: SandboxConfig) -> Billing {
        let sandbox = Sandbox::start(config).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let counter = Arc::new(
            Counter::open(Config {
                db_path: dir.path().join("ledger.db"),
                db_password: None,
                outbox_path: None,
                backend: Backend::Remote {
                    base_url: sandbox.base_url(),
                    secret_key: Secret::new(sandbox.secret_key()),
                },
                webhook_secret: Some(Secret::new(sandbox.webhook_secret())),
                success_url: None,
                cancel_url: None,
                poll_interval: Duration::from_millis(100),
                lan: None,
                shop: String::new(),
                counter: String::new(),
            })
            .unwrap(),
        );
        let listener = {
            let _guard = rt.enter();
            counter.start_listener(0).unwrap()
        };
        sandbox.add_webhook_url(&listener.webhook_url());
        Billing {
            sandbox,
            counter,
            rt,
            _listener: listener,
            _dir: dir,
        }
    }

    fn charge(&self, product: &str) -> Sale {
        let request = ChargeRequest {
            product_id: product.into(),
            ..ChargeRequest::default()
        };
        self.rt.block_on(self.counter.charge(request)).unwrap()
    }

    fn control(&self, path: &str, body: Value) -> (u16, Value) {
        let response = reqwest::blocking::Client::new()
            .post(format!("{}{path}", self.sandbox.base_url()))
            .json(&body)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        let value = response.json().unwrap_or(Value::Null);
        assert!(self.sandbox.wait_idle(Duration::from_secs(30)), "deliveries settle");
        (status, value)
    }

    fn pay(&self, sale: &Sale, card: &str, extra: Value) -> u16 {
        let mut body = json!({ "card_number": card, "email": "customer@example.com" });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap_or_default());
        let checkout = sale.checkout_id.as_ref().unwrap().as_str();
        self.control(&format!("/_sandbox/sessions/{checkout}/pay"), body).0
    }

    fn now(&self, sale: &Sale) -> recur_ledger::SaleDetail {
        self.counter.sale(&sale.id).unwrap()
    }

    fn unmatched(&self) -> Vec<String> {
        let entries = self.counter.unmatched(100).unwrap();
        entries
            .iter()
            .map(|e| format!("{:?} {:?}", e.event_type, e.detail))
            .collect()
    }

    fn event_types(&self, sale: &Sale) -> Vec<String> {
        self.now(sale)
            .events
            .iter()
            .filter_map(|e| e.event_type.clone())
            .collect()
    }
}

#[test]
fn a_subscription_starts_pending_a_decline_keeps_it_so_and_nothing_is_left_unmatched() {
    let shop = Billing::new(SandboxConfig::for_tests());
    let sale = shop.charge("prod_coffee_monthly");
    assert_eq!(shop.pay(&sale, DECLINE, json!({})), 402);
    let detail = shop.now(&sale);
    assert_eq!(detail.sale.state, SaleState::Failed);
    let subscription = detail.subscription.expect("the pending subscription is the sale's");
    assert_eq!(subscription.status.as_deref(), Some("PENDING"));
    assert!(shop.unmatched().is_empty(), "{:?}", shop.unmatched());

    // Paid with another card: the subscription activates on the same sale.
    assert_eq!(shop.pay(&sale, VISA, json!({})), 200);
    let detail = shop.now(&sale);
    assert_eq!(detail.sale.state, SaleState::Paid);
    assert_eq!(detail.subscription.unwrap().status.as_deref(), Some("ACTIVE"));
    let types = shop.event_types(&sale);
    for kind in [
        "subscription.created",
        "order.payment_failed",
        "order.paid",
        "subscription.activated",
    ] {
        assert!(types.iter().any(|t| t == kind), "{kind} on the sale: {types:?}");
    }
}

#[test]
fn a_checkout_completed_after_a_decline_is_no_payment() {
    let shop = Billing::new(SandboxConfig::for_tests());
    let sale = shop.charge("prod_coffee_monthly");
    assert_eq!(
        shop.pay(&sale, DECLINE, json!({ "completed_after_decline": true })),
        402
    );
    let detail = shop.now(&sale);
    assert_eq!(
        detail.sale.state,
        SaleState::Failed,
        "checkout.completed alone proves nothing"
    );
    let completed = detail
        .events
        .iter()
        .find(|e| e.event_type.as_deref() == Some("checkout.completed"))
        .expect("the unpaid checkout.completed was delivered");
    assert_eq!(completed.outcome, JournalOutcome::NoOp);
}

#[test]
fn events_without_metadata_find_their_sale_by_checkout() {
    let shop = Billing::new(SandboxConfig::for_tests());
    let sale = shop.charge("prod_latte");
    assert_eq!(shop.pay(&sale, VISA, json!({ "omit_metadata": true })), 200);
    assert_eq!(shop.now(&sale).sale.state, SaleState::Paid);
    assert!(shop.unmatched().is_empty(), "{:?}", shop.unmatched());
}

/// Renews `subscription` with `body`; returns the answer's status.
fn renew(shop: &Billing, subscription: &str, body: Value) -> u16 {
    shop.control(&format!("/_sandbox/subscriptions/{subscription}/renew"), body)
        .0
}

#[test]
fn failed_renewals_on_every_path_show_on_the_sale() {
    let shop = Billing::new(SandboxConfig::for_tests());
    // A product with a grace period: a declined renewal is past due, no card asks for one.
    let monthly = shop.charge("prod_coffee_monthly");
    assert_eq!(shop.pay(&monthly, VISA, json!({})), 200);
    let sub = shop.now(&monthly).sale.subscription_id.unwrap().to_string();
    assert_eq!(renew(&shop, &sub, json!({ "fail": true })), 200);
    let detail = shop.now(&monthly);
    let record = detail.subscription.clone().unwrap();
    assert_eq!(record.status.as_deref(), Some("PAST_DUE"));
    assert_eq!(record.renewals.last().map(|r| r.status.as_str()), Some("FAILED"));
    assert_eq!(renew(&shop, &sub, json!({ "no_card": true })), 200);
    assert!(shop
        .event_types(&monthly)
        .contains(&"subscription.payment_method_required".to_owned()));
    assert_eq!(
        shop.control(&format!("/_sandbox/subscriptions/{sub}/expire"), json!({}))
            .0,
        200
    );
    assert_eq!(
        shop.now(&monthly).subscription.unwrap().status.as_deref(),
        Some("EXPIRED")
    );

    // No grace period: no usable card revokes at once, with no invoice event.
    let yearly = shop.charge("prod_member_yearly");
    assert_eq!(shop.pay(&yearly, VISA, json!({})), 200);
    let sub = shop.now(&yearly).sale.subscription_id.unwrap().to_string();
    assert_eq!(renew(&shop, &sub, json!({ "no_card": true })), 200);
    let detail = shop.now(&yearly);
    assert_eq!(detail.subscription.unwrap().status.as_deref(), Some("REVOKED"));
    assert_eq!(
        detail.sale.state,
        SaleState::Paid,
        "the first sale's money is untouched"
    );

    let day = shop
        .counter
        .day_summary(recur_domain::Day::containing(recur_domain::Timestamp::now()))
        .unwrap();
    assert_eq!((day.renewals, day.renewals_failed), (0, 1), "{day:?}");
    assert!(shop.unmatched().is_empty(), "{:?}", shop.unmatched());
}

#[test]
fn an_unknown_billing_reason_is_a_renewal_to_look_at() {
    let shop = Billing::new(SandboxConfig::for_tests());
    let sale = shop.charge("prod_coffee_monthly");
    assert_eq!(shop.pay(&sale, VISA, json!({})), 200);
    let sub = shop.now(&sale).sale.subscription_id.unwrap().to_string();
    assert_eq!(renew(&shop, &sub, json!({ "reason": "manual_adjustment" })), 200);
    let detail = shop.now(&sale);
    assert_eq!(
        detail.subscription.unwrap().renewals.len(),
        1,
        "recorded, never dropped"
    );
    let codes: Vec<AttentionCode> = detail.sale.attention.iter().map(|a| a.code()).collect();
    assert_eq!(codes, [AttentionCode::RenewalReasonUnknown]);
}

#[test]
fn refunds_from_recur_move_the_sale_and_end_a_subscription_when_asked() {
    let shop = Billing::new(SandboxConfig::for_tests());
    let sale = shop.charge("prod_gift_box");
    assert_eq!(shop.pay(&sale, VISA, json!({})), 200);
    let order = shop.now(&sale).sale.order_id.unwrap().to_string();
    let refund = |body: Value| shop.control("/_sandbox/refunds", body);
    assert_eq!(refund(json!({ "order_id": order, "amount": 290, "fail": true })).0, 200);
    assert_eq!(
        shop.now(&sale).sale.state,
        SaleState::Paid,
        "a failed refund moves nothing"
    );
    assert_eq!(refund(json!({ "order_id": order, "amount": 290 })).0, 200);
    let partial = shop.now(&sale).sale;
    assert_eq!(
        (partial.state, partial.refunded_amount.get()),
        (SaleState::PartiallyRefunded, 290)
    );
    assert_eq!(refund(json!({ "order_id": order })).0, 200, "the rest");
    let full = shop.now(&sale).sale;
    assert_eq!((full.state, full.refunded_amount.get()), (SaleState::Refunded, 1290));
    assert_eq!(
        refund(json!({ "order_id": order, "amount": 1 })).0,
        400,
        "nothing left to refund"
    );

    let sub_sale = shop.charge("prod_coffee_monthly");
    assert_eq!(shop.pay(&sub_sale, VISA, json!({})), 200);
    let order = shop.now(&sub_sale).sale.order_id.unwrap().to_string();
    assert_eq!(refund(json!({ "order_id": order, "cancel_subscription": true })).0, 200);
    let detail = shop.now(&sub_sale);
    assert_eq!(detail.sale.state, SaleState::Refunded);
    assert_eq!(detail.subscription.unwrap().status.as_deref(), Some("CANCELLED"));
}

#[test]
fn e_invoices_follow_payments_and_refunds_and_a_failed_one_is_flagged() {
    let shop = Billing::new(SandboxConfig::for_tests());
    let sale = shop.charge("prod_gift_box");
    assert_eq!(shop.pay(&sale, VISA, json!({})), 200);
    let detail = shop.now(&sale);
    let issued = detail.einvoices.first().expect("an e-invoice after payment");
    assert_eq!(issued.kind, "einvoice.issued");
    assert!(
        issued.invoice_number.as_deref().is_some_and(|n| n.len() > 8),
        "{issued:?}"
    );
    let order = detail.sale.order_id.unwrap().to_string();
    shop.control("/_sandbox/refunds", json!({ "order_id": order, "amount": 290 }));
    shop.control("/_sandbox/refunds", json!({ "order_id": order }));
    let kinds: Vec<String> = shop.now(&sale).einvoices.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            "einvoice.issued",
            "einvoice.allowance_created",
            "einvoice.allowance_created"
        ],
        "two partial refunds: two allowances"
    );

    let whole = shop.charge("prod_latte");
    assert_eq!(shop.pay(&whole, VISA, json!({})), 200);
    let order = shop.now(&whole).sale.order_id.unwrap().to_string();
    shop.control("/_sandbox/refunds", json!({ "order_id": order }));
    let kinds: Vec<String> = shop.now(&whole).einvoices.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(kinds, ["einvoice.issued", "einvoice.voided"], "a full refund voids it");

    assert_eq!(shop.control("/_sandbox/quirks", json!({ "einvoice": "fail" })).0, 200);
    let failed = shop.charge("prod_latte");
    assert_eq!(shop.pay(&failed, VISA, json!({})), 200);
    let detail = shop.now(&failed);
    assert_eq!(detail.einvoices[0].kind, "einvoice.issue_failed");
    let codes: Vec<AttentionCode> = detail.sale.attention.iter().map(|a| a.code()).collect();
    assert_eq!(codes, [AttentionCode::EinvoiceIssueFailed], "the shop owes a receipt");
    assert!(shop.unmatched().is_empty(), "{:?}", shop.unmatched());
}

#[test]
fn an_event_type_nobody_documents_is_kept_and_acknowledged() {
    let shop = Billing::new(SandboxConfig::for_tests());
    for kind in ["subscription.paused", "subscription.schedule_created"] {
        let (status, answer) = shop.control("/_sandbox/events", json!({ "type": kind, "data": { "id": "sub_x" } }));
        assert_eq!(status, 200, "{answer}");
        let id = recur_domain::EventId::new(answer["id"].as_str().unwrap());
        let entry = shop.counter.journal_entry(&id).unwrap().expect("journaled");
        assert_eq!(entry.outcome, JournalOutcome::Ignored, "{kind}");
    }
    let delivered = shop.sandbox.deliveries();
    assert!(
        delivered.iter().all(|d| d.status == Some(200)),
        "acknowledged: {delivered:?}"
    );
}
