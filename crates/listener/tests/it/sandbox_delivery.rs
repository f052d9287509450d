//! The real sandbox delivers every event of 200 sales to the listener 1–4 times, shuffled and
//! delayed. The result must equal a second ledger, copied before any payment, that received
//! each distinct event exactly once in the order the sandbox emitted them.

use std::time::Duration;

use recur_domain::{CheckoutId, Currency, Mode, Money, ProductId, Timestamp};
use recur_ledger::{Ledger, NewCheckout, NewSale, WebhookReceipt};
use recur_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::{json, Value};

use crate::support::{snapshot, Env, SECRET};

const SALES: usize = 200;
const VISA: &str = "4147 6310 0000 0001";
const JCB: &str = "3560-5110-0000-0001";
const DECLINED: &str = "4000000000000002";
const NO_FUNDS: &str = "4000000000009995";

/// What happens to sale `i`: its product, and the cards tried in turn (none: left unpaid).
fn plan(i: usize) -> (&'static str, i64, Mode, Vec<&'static str>) {
    let one_time = [
        ("prod_latte", 120),
        ("prod_americano", 90),
        ("prod_beans_half", 450),
        ("prod_gift_box", 1290),
    ];
    let (product, price) = one_time[i % one_time.len()];
    match i % 10 {
        0..=4 => (product, price, Mode::Payment, vec![VISA]),
        5 => (product, price, Mode::Payment, vec![DECLINED]),
        6 => (product, price, Mode::Payment, vec![NO_FUNDS, JCB]),
        7 => ("prod_coffee_monthly", 299, Mode::Subscription, vec![VISA]),
        8 => ("prod_member_yearly", 2990, Mode::Subscription, vec![DECLINED, VISA]),
        _ => (product, price, Mode::Payment, vec![]),
    }
}

struct Harness {
    env: Env,
    sandbox: Sandbox,
    http: reqwest::blocking::Client,
}

impl Harness {
    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.sandbox.base_url()))
            .bearer_auth(self.sandbox.secret_key())
            .json(body)
            .send()
            .expect("sandbox request");
        let status = response.status().as_u16();
        (status, response.json().unwrap_or(Value::Null))
    }

    /// A sale written before Recur is called, then its checkout, as the counter does it.
    fn open_sale(&self, i: usize) -> CheckoutId {
        let (product, price, mode, _) = plan(i);
        let email = format!("customer{i}@example.tw");
        let new = NewSale {
            product_id: ProductId::new(product),
            product_name: product.to_owned(),
            mode,
            amount: Money::new(price),
            currency: Currency::twd(),
            customer_email: Some(email.clone()),
            customer_name: None,
        };
        let sale = self.env.ledger.create_sale(new, Timestamp::now()).expect("create sale");
        let request = json!({
            "productId": product, "mode": mode.as_str(), "customerEmail": email,
            "successUrl": format!("{}/return/success?session_id={{CHECKOUT_SESSION_ID}}", self.env.listener.base_url()),
            "cancelUrl": format!("{}/return/cancel", self.env.listener.base_url()),
            "metadata": {"transaction_id": sale.id.as_str()},
        });
        let (status, session) = self.post("/v1/checkout/sessions", &request);
        assert!(
            status == 200 || status == 201,
            "create checkout {i}: {status} {session}"
        );
        let checkout = CheckoutId::new(session["id"].as_str().expect("session id"));
        let url = session["url"].as_str().unwrap_or_default().to_owned();
        let attach = NewCheckout {
            checkout_id: checkout.clone(),
            url,
            expires_at: None,
        };
        self.env
            .ledger
            .attach_checkout(&sale.id, attach, Timestamp::now())
            .expect("attach");
        checkout
    }

    fn pay(&self, i: usize, checkout: &CheckoutId) {
        if matches!(i % 4, 0) {
            // The customer opens the hosted page first: checkout.created.
            let page = self
                .http
                .get(format!("{}/checkout/{checkout}", self.sandbox.base_url()))
                .send()
                .expect("page");
            assert_eq!(page.status().as_u16(), 200);
        }
        for card in plan(i).3 {
            let body =
                json!({"card_number": card, "email": format!("customer{i}@example.tw"), "exp": "12/34", "cvc": "123"});
            let (status, answer) = self.post(&format!("/_sandbox/sessions/{checkout}/pay"), &body);
            assert!(status == 200 || status == 402, "pay {i} with {card}: {status} {answer}");
        }
    }
}

/// A snapshot of the ledger file as it is now, through SQLite itself (consistent under WAL).
fn copy_ledger(from: &Ledger, to: &std::path::Path) -> Ledger {
    let conn = rusqlite::Connection::open(from.path()).expect("second connection");
    conn.execute("VACUUM INTO ?1", [to.to_str().expect("utf-8 path")])
        .expect("vacuum into");
    Ledger::open(to).expect("open the copy")
}

#[test]
fn deliveries_in_any_order_and_number_equal_each_event_once_in_order() {
    let env = Env::start();
    let mut config = SandboxConfig::for_tests();
    config.webhook_urls = vec![env.listener.webhook_url()];
    config.webhook_secret = SECRET.to_owned();
    config.faults = Faults {
        duplicate_rate: 0.4,
        shuffle: true,
        delay_ms: (0, 30),
        ..Faults::default()
    };
    config.seed = Some(20261129);
    let sandbox = Sandbox::start(config).expect("sandbox");
    let harness = Harness {
        env,
        sandbox,
        http: reqwest::blocking::Client::new(),
    };

    let checkouts: Vec<CheckoutId> = (0..SALES).map(|i| harness.open_sale(i)).collect();
    let reference = copy_ledger(&harness.env.ledger, &harness.env.dir.path().join("reference.db"));
    for (i, checkout) in checkouts.iter().enumerate() {
        harness.pay(i, checkout);
    }
    assert!(
        harness.sandbox.wait_idle(Duration::from_secs(30)),
        "first deliveries did not finish"
    );
    // More copies of the same bytes: with the duplicate fault, 1 to 4 deliveries per event.
    let events = harness.sandbox.events();
    for (n, event) in events.iter().enumerate() {
        for _ in 0..n % 3 {
            let (status, _) = harness.post(
                &format!("/_sandbox/events/{}/redeliver", event["id"].as_str().unwrap()),
                &json!({}),
            );
            assert_eq!(status, 200);
        }
    }
    assert!(
        harness.sandbox.wait_idle(Duration::from_secs(30)),
        "redeliveries did not finish"
    );

    for event in &events {
        let receipt = WebhookReceipt {
            event_id_header: None,
            event_type_header: None,
            body: serde_json::to_vec(event).unwrap(),
            headers: Vec::new(),
            received_at: Timestamp::now(),
        };
        reference
            .receive_webhook(&receipt, Timestamp::now())
            .expect("reference apply");
    }
    let (got, expected) = (snapshot(&harness.env.ledger), snapshot(&reference));
    assert_eq!(got.len(), SALES);
    assert_eq!(
        got, expected,
        "the listener's ledger differs from each event applied once in order"
    );

    let deliveries = harness.sandbox.deliveries();
    assert!(
        deliveries.iter().all(|d| d.status == Some(200)),
        "a delivery was not acknowledged"
    );
    let stats = harness.env.listener.stats();
    assert_eq!(stats.applied as usize, events.len(), "{stats:?}");
    assert_eq!(stats.received as usize, deliveries.len(), "{stats:?}");
    assert_eq!(
        (stats.duplicates as usize, stats.rejected),
        (deliveries.len() - events.len(), 0),
        "{stats:?}"
    );
    let most = events
        .iter()
        .map(|e| {
            deliveries
                .iter()
                .filter(|d| d.event_id == e["id"].as_str().unwrap())
                .count()
        })
        .max();
    assert!(most >= Some(3), "no event was delivered more than twice: {most:?}");
    // The mix really happened: paid, failed, open and subscription sales.
    for state in ["PAID", "FAILED", "OPEN"] {
        assert!(got.iter().any(|s| s.state == state), "no {state} sale");
    }
    assert!(got.iter().any(|s| s.subscription_id.is_some()), "no subscription sale");
    harness.sandbox.shutdown();
}
