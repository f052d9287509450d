//! Shared test fixtures: a ledger in a temporary folder, sales, webhook bodies as JSON bytes.

use recur_domain::{Currency, Mode, Money, ProductId, SaleState, Timestamp, TxnId};
use recur_ledger::{Ledger, NewCheckout, NewSale, Sale, WebhookOutcome, WebhookReceipt};
use serde_json::{json, Value};

/// 2026-11-29T09:40:08Z.
pub const T0: i64 = 1_796_031_608_000;

pub fn at(offset_ms: i64) -> Timestamp {
    Timestamp::from_unix_ms(T0 + offset_ms)
}

pub struct TestLedger {
    pub ledger: Ledger,
    // Held so the folder outlives the ledger.
    pub dir: tempfile::TempDir,
}

impl std::ops::Deref for TestLedger {
    type Target = Ledger;
    fn deref(&self) -> &Ledger {
        &self.ledger
    }
}

pub fn ledger() -> TestLedger {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = Ledger::open(&dir.path().join("nested/folder/ledger.db")).expect("open ledger");
    TestLedger { ledger, dir }
}

pub fn new_sale(name: &str, amount: i64) -> NewSale {
    NewSale {
        product_id: ProductId::new(format!("prod_{amount}")),
        product_name: name.to_owned(),
        mode: Mode::Payment,
        amount: Money::new(amount),
        currency: Currency::twd(),
        customer_email: Some("same@example.com".to_owned()),
        customer_name: None,
    }
}

pub fn checkout(id: &str) -> NewCheckout {
    NewCheckout {
        checkout_id: id.into(),
        url: format!("https://checkout.recur.tw/{id}"),
        expires_at: Some(at(30 * 60 * 1000)),
    }
}

/// A sale that is OPEN on checkout `checkout_id`.
pub fn open_sale(ledger: &Ledger, name: &str, amount: i64, checkout_id: &str) -> Sale {
    let sale = ledger.create_sale(new_sale(name, amount), at(0)).expect("create");
    let sale = ledger
        .attach_checkout(&sale.id, checkout(checkout_id), at(1))
        .expect("attach");
    assert_eq!(sale.state, SaleState::Open);
    sale
}

/// A webhook envelope as Recur sends it.
pub fn body(id: &str, kind: &str, timestamp_offset: i64, data: Value) -> Vec<u8> {
    let envelope = json!({"id": id, "type": kind, "timestamp": at(timestamp_offset).to_rfc3339(), "data": data});
    serde_json::to_vec(&envelope).expect("json")
}

pub fn receipt(body: Vec<u8>) -> WebhookReceipt {
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let header = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
    WebhookReceipt {
        event_id_header: header("id"),
        event_type_header: header("type"),
        headers: vec![
            ("X-Recur-Signature".to_owned(), "c2lnbmF0dXJl".to_owned()),
            ("Authorization".to_owned(), "Bearer should-not-be-kept".to_owned()),
        ],
        body,
        received_at: at(5_000),
    }
}

pub fn deliver(ledger: &Ledger, body: Vec<u8>) -> WebhookOutcome {
    ledger
        .receive_webhook(&receipt(body), at(6_000))
        .expect("receive webhook")
}

pub fn completed(event: &str, checkout: &str, txn: Option<&TxnId>, amount: i64) -> Vec<u8> {
    let metadata = txn.map_or(json!({}), |t| json!({"transaction_id": t.as_str()}));
    body(
        event,
        "checkout.completed",
        100,
        json!({
            "id": checkout, "status": "COMPLETED", "amount": amount, "currency": "TWD",
            "customer": {"email": "same@example.com", "name": "王小明"}, "customer_email": "same@example.com",
            "metadata": metadata, "completed_at": at(95).to_rfc3339()
        }),
    )
}

pub fn order_paid(event: &str, order: &str, checkout: &str, txn: Option<&TxnId>, amount: i64) -> Vec<u8> {
    let metadata = txn.map_or(json!({}), |t| json!({"transaction_id": t.as_str()}));
    body(
        event,
        "order.paid",
        101,
        json!({
            "id": order, "checkout_id": checkout, "status": "PAID", "amount": amount, "currency": "TWD",
            "paid_at": at(90).to_rfc3339(), "billing_reason": "purchase", "metadata": metadata,
            "customer": {"email": "same@example.com", "name": "王小明"}
        }),
    )
}

pub fn refund(event: &str, kind: &str, refund_id: &str, order: &str, status: &str, amount: i64) -> Vec<u8> {
    body(
        event,
        kind,
        200,
        json!({
            "id": refund_id, "order_id": order, "status": status, "amount": amount, "currency": "TWD"
        }),
    )
}

pub fn state_of(ledger: &Ledger, id: &TxnId) -> SaleState {
    ledger.sale(id).expect("read").expect("sale exists").sale.state
}

pub fn sale_of(ledger: &Ledger, id: &TxnId) -> Sale {
    ledger.sale(id).expect("read").expect("sale exists").sale
}

/// The codes of a sale's attention notes.
pub fn notes(sale: &Sale) -> Vec<&'static str> {
    sale.attention.iter().map(|n| n.code().as_str()).collect()
}
