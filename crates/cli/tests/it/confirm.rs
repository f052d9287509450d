//! Confirmation that never misses, end to end: the listener as its own process killed with
//! SIGKILL mid-burst and restarted, and a counter with no webhooks at all.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use recur_domain::{SaleState, Secret};
use recur_ledger::{Ledger, SaleFilter};
use recur_pos_core::{Backend, ChargeRequest, Config, Counter};
use recur_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

use crate::support::{cli, free_port, keyring_service};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn counter_for(sandbox: &Sandbox, db: &Path) -> Arc<Counter> {
    let config = Config {
        db_path: db.to_owned(),
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
    };
    Arc::new(Counter::open(config).expect("counter opens"))
}

/// A counter on its own ledger file, talking to its own sandbox, with a runtime to drive it.
struct Shop {
    counter: Arc<Counter>,
    rt: tokio::runtime::Runtime,
    sandbox: Sandbox,
    _dir: tempfile::TempDir,
}

impl Shop {
    fn new() -> Shop {
        let sandbox = Sandbox::start(SandboxConfig::for_tests()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let counter = counter_for(&sandbox, &dir.path().join("ledger.db"));
        Shop {
            counter,
            rt: runtime(),
            sandbox,
            _dir: dir,
        }
    }

    fn charge(&self, product: &str, mode: Option<recur_domain::Mode>) -> recur_ledger::Sale {
        let request = ChargeRequest {
            product_id: product.into(),
            mode,
            ..ChargeRequest::default()
        };
        self.rt.block_on(self.counter.charge(request)).expect("charge")
    }
}

fn spawn_listener(sandbox: &Sandbox, db: &Path, port: u16) -> Child {
    let child = cli(db, &keyring_service())
        .args(["listen", "--port", &port.to_string()])
        .env("RECUR_API_BASE", sandbox.base_url())
        .env("RECUR_SECRET_KEY", sandbox.secret_key())
        .env("RECUR_WEBHOOK_SECRET", sandbox.webhook_secret())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("recur-pos listen starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the listener never accepted connections");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn pay(base: &str, checkout: &str, card: &str) -> u16 {
    reqwest::blocking::Client::new()
        .post(format!("{base}/_sandbox/sessions/{checkout}/pay"))
        .json(&json!({ "card_number": card, "email": "same.customer@example.com" }))
        .send()
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[test]
fn a_listener_killed_mid_burst_loses_nothing_and_counts_nothing_twice() {
    let sandbox = Sandbox::start(SandboxConfig {
        retry_schedule: [100, 200, 400, 800, 1600, 3200, 6400]
            .map(Duration::from_millis)
            .to_vec(),
        ..SandboxConfig::for_tests()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let port = free_port();
    sandbox.add_webhook_url(&format!("http://127.0.0.1:{port}/webhooks/recur"));
    let mut listener = spawn_listener(&sandbox, &db, port);

    let rt = runtime();
    let counter = counter_for(&sandbox, &db);
    let products = ["prod_latte", "prod_points_100", "prod_coffee_monthly", "prod_gift_box"];
    let sales: Vec<_> = (0..40)
        .map(|i| {
            let request = ChargeRequest {
                product_id: products[i % products.len()].into(),
                ..ChargeRequest::default()
            };
            rt.block_on(counter.charge(request)).expect("charge")
        })
        .collect();

    let base = sandbox.base_url();
    for (i, sale) in sales.iter().enumerate() {
        if i == 20 {
            listener.kill().expect("SIGKILL the listener mid-burst");
            listener.wait().unwrap();
        }
        if i == 26 {
            // Restart only once Recur (the sandbox) has seen the listener gone.
            let deadline = Instant::now() + Duration::from_secs(20);
            while !sandbox.deliveries().iter().any(|d| d.status.is_none()) {
                assert!(
                    Instant::now() < deadline,
                    "no delivery ever failed while the listener was down"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            listener = spawn_listener(&sandbox, &db, port);
        }
        assert_eq!(
            pay(&base, sale.checkout_id.as_ref().unwrap().as_str(), "4147631000000001"),
            200
        );
    }
    assert!(sandbox.wait_idle(Duration::from_secs(60)), "every delivery settled");
    listener.kill().ok();
    listener.wait().ok();

    let ledger = Ledger::open(&db).unwrap();
    for sale in &sales {
        let detail = ledger.sale(&sale.id).unwrap().unwrap();
        assert_eq!(
            detail.sale.state,
            SaleState::Paid,
            "sale {} was confirmed by webhooks alone",
            sale.id
        );
        assert_eq!(
            detail.sale.paid_amount,
            Some(detail.sale.amount),
            "paid once, the right amount"
        );
        let paid_steps = detail.history.iter().filter(|t| t.to == SaleState::Paid).count();
        assert_eq!(paid_steps, 1, "exactly one PAID transition for {}", sale.id);
        assert!(
            detail.sale.attention.is_empty(),
            "nothing flagged: {:?}",
            detail.sale.attention
        );
    }
    let delivered_ok: std::collections::BTreeSet<String> = sandbox
        .deliveries()
        .into_iter()
        .filter(|d| d.status.is_some_and(|s| (200..300).contains(&s)))
        .map(|d| d.event_id)
        .collect();
    for event_id in &delivered_ok {
        let entry = ledger
            .journal_entry(&recur_domain::EventId::new(event_id.as_str()))
            .unwrap();
        assert!(
            entry.is_some(),
            "event {event_id} was acknowledged, so it must be committed"
        );
    }
    let emitted = sandbox.events().len();
    assert_eq!(
        delivered_ok.len(),
        emitted,
        "every emitted event was finally acknowledged"
    );
}

#[test]
fn with_no_webhooks_at_all_session_reads_bring_every_sale_to_its_final_state() {
    let shop = Shop::new();
    let (sandbox, counter, rt) = (&shop.sandbox, &shop.counter, &shop.rt);
    let charge = |product: &str, mode: Option<recur_domain::Mode>| shop.charge(product, mode);
    let base = sandbox.base_url();
    let cases = [
        ("prod_latte", None, "pay", SaleState::Paid),
        ("prod_coffee_monthly", None, "pay", SaleState::Paid),
        (
            "prod_beans_half",
            Some(recur_domain::Mode::Setup),
            "pay",
            SaleState::Paid,
        ),
        ("prod_points_1000", None, "expire", SaleState::Expired),
        ("prod_points_100", None, "decline-then-pay", SaleState::Paid),
        ("prod_americano", None, "nothing", SaleState::Open),
    ];
    let sales: Vec<_> = cases
        .iter()
        .map(|(product, mode, _, _)| charge(product, *mode))
        .collect();
    for ((_, _, action, _), sale) in cases.iter().zip(&sales) {
        let checkout = sale.checkout_id.as_ref().unwrap().as_str();
        match *action {
            "pay" => assert_eq!(pay(&base, checkout, "4147631000000001"), 200),
            "decline-then-pay" => {
                assert_eq!(pay(&base, checkout, "4000000000000002"), 402);
                assert_eq!(pay(&base, checkout, "3560511000000001"), 200);
            }
            "expire" => {
                let status = reqwest::blocking::Client::new()
                    .post(format!("{base}/_sandbox/sessions/{checkout}/expire"))
                    .send()
                    .unwrap()
                    .status();
                assert!(status.is_success());
            }
            _ => {}
        }
    }
    let report = rt.block_on(counter.sweep()).unwrap();
    assert_eq!(report.read, cases.len());
    assert_eq!(report.changed, cases.len() - 1);
    for ((product, _, action, expected), sale) in cases.iter().zip(&sales) {
        let now = counter.sale(&sale.id).unwrap().sale;
        assert_eq!(now.state, *expected, "{product} after {action}");
    }
    let open = counter
        .sales(&SaleFilter {
            state: Some(SaleState::Open),
            ..SaleFilter::default()
        })
        .unwrap();
    assert_eq!(open.len(), 1, "only the untouched sale is still open");
}

fn wait_for(
    events: &mut tokio::sync::broadcast::Receiver<recur_pos_core::CoreEvent>,
    what: &str,
    matches: impl Fn(&recur_pos_core::CoreEvent) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match events.try_recv() {
            Ok(event) if matches(&event) => return,
            Ok(_) => {}
            Err(_) => {
                assert!(Instant::now() < deadline, "never saw {what}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

#[test]
fn the_return_page_reads_the_session_and_product_events_refresh_the_catalogue() {
    // The sandbox is NOT pointed at the listener: only the customer's return visit can confirm.
    let shop = Shop::new();
    let (sandbox, counter, rt) = (&shop.sandbox, &shop.counter, &shop.rt);
    let _guard = rt.enter();
    let mut events = counter.subscribe();
    let listener = counter.start_listener(0).unwrap();
    let sale = shop.charge("prod_latte", None);
    let checkout = sale.checkout_id.clone().unwrap();
    let success_url = sandbox.session_json(checkout.as_str()).unwrap()["success_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        success_url.starts_with(&listener.base_url()),
        "return pages are served by our listener: {success_url}"
    );

    assert_eq!(pay(&sandbox.base_url(), checkout.as_str(), "4147631000000001"), 200);
    let landed = reqwest::blocking::get(success_url.replace("{CHECKOUT_SESSION_ID}", checkout.as_str())).unwrap();
    assert_eq!(landed.status(), 200);
    assert!(landed.text().unwrap().contains("付款完成"));
    wait_for(
        &mut events,
        "the sale turning paid",
        |e| matches!(e, recur_pos_core::CoreEvent::SaleChanged(s) if s.id == sale.id && s.state == SaleState::Paid),
    );

    // Recur says a product changed: the counter refreshes its catalogue.
    sandbox.add_webhook_url(&listener.webhook_url());
    let posted = reqwest::blocking::Client::new()
        .post(format!("{}/_sandbox/events", sandbox.base_url()))
        .json(&json!({ "type": "product.updated", "data": { "id": "prod_latte", "price": 130 } }))
        .send()
        .unwrap();
    assert!(posted.status().is_success());
    wait_for(&mut events, "a catalogue refresh", |e| {
        matches!(e, recur_pos_core::CoreEvent::CatalogueChanged)
    });
    listener.shutdown();
}

#[test]
fn a_declined_sale_paid_later_with_another_card_is_found_by_the_sweep() {
    // The decline arrived by webhook (FAILED); the customer then paid with another card while
    // the tunnel was down. The session is still open at Recur, so the sweep must read it.
    let shop = Shop::new();
    let (sandbox, counter, rt) = (&shop.sandbox, &shop.counter, &shop.rt);
    let sale = shop.charge("prod_gift_box", None);
    let checkout = sale.checkout_id.clone().unwrap();
    assert_eq!(pay(&sandbox.base_url(), checkout.as_str(), "4000000000009995"), 402);
    let declined = recur_domain::fact::Fact::PaymentFailed {
        key: recur_domain::fact::MatchKey::checkout(checkout.clone()),
        code: Some("insufficient_funds".into()),
        message: None,
        subscription_id: None,
    };
    counter
        .apply(
            &declined,
            recur_domain::CauseKind::Event,
            Some("evt_declined"),
            recur_domain::Timestamp::now(),
        )
        .unwrap();
    assert_eq!(counter.sale(&sale.id).unwrap().sale.state, SaleState::Failed);

    assert_eq!(pay(&sandbox.base_url(), checkout.as_str(), "4147631000000001"), 200);
    let report = rt.block_on(counter.sweep()).unwrap();
    assert_eq!((report.read, report.changed), (1, 1), "{report:?}");
    let now = counter.sale(&sale.id).unwrap().sale;
    assert_eq!(now.state, SaleState::Paid, "money received is never hidden");
    assert_eq!(now.paid_amount, Some(now.amount));
}

#[test]
fn a_subscription_renewal_is_its_own_ledger_entry_and_never_touches_the_first_sale() {
    let shop = Shop::new();
    let (sandbox, counter, rt) = (&shop.sandbox, &shop.counter, &shop.rt);
    let _guard = rt.enter();
    let listener = counter.start_listener(0).unwrap();
    sandbox.add_webhook_url(&listener.webhook_url());
    let sale = shop.charge("prod_coffee_monthly", None);
    assert_eq!(
        pay(
            &sandbox.base_url(),
            sale.checkout_id.as_ref().unwrap().as_str(),
            "4147631000000001"
        ),
        200
    );
    assert!(sandbox.wait_idle(Duration::from_secs(30)));
    let first = counter.sale(&sale.id).unwrap().sale;
    let subscription = first
        .subscription_id
        .clone()
        .expect("the checkout created a subscription");

    let renew = |fail: bool| {
        let url = format!(
            "{}/_sandbox/subscriptions/{}/renew",
            sandbox.base_url(),
            subscription.as_str()
        );
        let status = reqwest::blocking::Client::new()
            .post(url)
            .json(&json!({ "fail": fail }))
            .send()
            .unwrap()
            .status();
        assert!(status.is_success());
        assert!(sandbox.wait_idle(Duration::from_secs(30)));
    };
    renew(false);
    let records = counter.subscriptions().unwrap();
    let record = records
        .iter()
        .find(|r| r.subscription_id == subscription)
        .expect("the subscription is kept");
    assert_eq!(record.status.as_deref(), Some("ACTIVE"));
    assert_eq!(record.renewals.len(), 1, "the renewal is its own entry");
    assert_eq!(record.renewals[0].amount, Some(recur_domain::Money::new(299)));
    assert_eq!(
        record.sale_id.as_ref(),
        Some(&sale.id),
        "linked to the sale that started it"
    );
    let summary = counter
        .day_summary(recur_domain::Day::containing(recur_domain::Timestamp::now()))
        .unwrap();
    assert_eq!((summary.renewals, summary.renewals_total.get()), (1, 299));
    assert_eq!(
        summary.collected.get() + summary.renewals_total.get(),
        summary.net.get(),
        "{summary:?}"
    );

    let after = counter.sale(&sale.id).unwrap().sale;
    assert_eq!(
        (after.state, after.paid_amount, after.attention.clone()),
        (first.state, first.paid_amount, vec![]),
        "the first sale is untouched"
    );

    renew(true);
    let records = counter.subscriptions().unwrap();
    let record = records.iter().find(|r| r.subscription_id == subscription).unwrap();
    assert_eq!(record.status.as_deref(), Some("PAST_DUE"));
    let statuses: Vec<&str> = record.renewals.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(
        statuses,
        ["PAID", "FAILED"],
        "the failed charge is shown, and takes no money"
    );
    let summary = counter
        .day_summary(recur_domain::Day::containing(recur_domain::Timestamp::now()))
        .unwrap();
    assert_eq!(
        (summary.renewals, summary.renewals_total.get(), summary.renewals_failed),
        (1, 299, 1)
    );
    let detail = counter.sale(&sale.id).unwrap();
    let seen: Vec<&str> = detail.events.iter().filter_map(|e| e.event_type.as_deref()).collect();
    for kind in ["invoice.paid", "invoice.payment_failed", "subscription.past_due"] {
        assert!(seen.contains(&kind), "{kind} is listed on the sale: {seen:?}");
    }
    listener.shutdown();
}
