//! The station on real parts: the embedded sandbox, a real ledger file, the real listener and a
//! real (fake) tunnel program over loopback — opening, the services, the tunnel's URL rule and
//! the self-test, and a re-open that hands the webhook port over.

use std::sync::Arc;
use std::time::{Duration, Instant};

use recur_domain::{ErrorCode, SaleState};
use recur_pos_app::services::Listen;
use recur_pos_app::tunnel::TunnelState;
use recur_pos_app::{Env, Phase, Plan, Port, Station};
use recur_pos_core::ChargeRequest;
use recur_secrets::{MemoryStore, SecretStore};

pub struct Shop {
    pub station: Arc<Station>,
    pub rt: tokio::runtime::Runtime,
    pub dir: tempfile::TempDir,
}

pub fn shop(store: Arc<dyn SecretStore>) -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let env = Env::from_pairs(&[("RECUR_POS_DB", db.to_str().unwrap()), ("RECUR_POS_POLL_MS", "100")]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    Shop {
        station: Station::new(env, store),
        rt,
        dir,
    }
}

pub fn listening(port: Port, tunnel: Option<String>) -> Plan {
    Plan {
        listen: Some(Listen {
            port,
            sweep_every: Duration::from_secs(600),
        }),
        tunnel: tunnel.is_some(),
        tunnel_command: tunnel,
    }
}

fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `fake-tunnel` is built with the workspace, beside this test's folder.
fn fake_tunnel() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().and_then(|p| p.parent()).unwrap().join("fake-tunnel");
    assert!(path.exists(), "{} is missing: build the workspace", path.display());
    path
}

#[test]
fn the_embedded_sandbox_pays_through_the_listener_and_a_reopen_hands_the_port_over() {
    let shop = shop(Arc::new(MemoryStore::new()));
    let station = &shop.station;
    let counter = shop.rt.block_on(station.open(listening(Port::Fixed(0), None))).unwrap();
    assert!(counter.is_embedded_sandbox(), "no key anywhere: the sandbox");
    assert!(matches!(station.phase(), Phase::Ready(_)));
    let port = station
        .listener()
        .expect("the sandbox's own secret verifies webhooks")
        .port;

    let request = ChargeRequest {
        product_id: "prod_latte".into(),
        ..ChargeRequest::default()
    };
    let sale = shop.rt.block_on(counter.charge(request)).unwrap();
    let sandbox = counter.sandbox().unwrap();
    sandbox
        .pay_session(
            sale.checkout_id.as_ref().unwrap().as_str(),
            "4147631000000001",
            "a@example.com",
        )
        .unwrap();
    until("the webhook to pay the sale", || {
        counter.sale(&sale.id).unwrap().sale.state == SaleState::Paid
    });
    let paid_by = counter.sale(&sale.id).unwrap().history.last().unwrap().cause;
    assert_eq!(paid_by, recur_domain::CauseKind::Event, "a webhook, not a read");

    // Keys changed in Settings: the same fixed port is free again for the new counter.
    let reopened = shop
        .rt
        .block_on(station.open(listening(Port::Fixed(port), None)))
        .unwrap();
    assert!(!Arc::ptr_eq(&counter, &reopened));
    assert_eq!(station.listener().map(|l| l.port), Some(port));
    assert_eq!(
        reopened.sale(&sale.id).unwrap().sale.state,
        SaleState::Paid,
        "the same ledger"
    );
    station.shutdown();
}

#[test]
fn the_tunnel_is_self_tested_and_a_new_url_is_a_change_to_confirm() {
    let shop = shop(Arc::new(MemoryStore::new()));
    let station = &shop.station;
    let command = format!("{} --to {{port}} --exit-after-ms 1500", fake_tunnel().display());
    shop.rt
        .block_on(station.open(listening(Port::Fixed(0), Some(command))))
        .unwrap();
    until("the tunnel to come up", || {
        station.tunnel_view().state == TunnelState::Up
    });
    let first = station.tunnel_view().url.unwrap();
    assert!(station.tunnel_view().change.is_none(), "a first URL is no change");
    let report = shop.rt.block_on(station.self_test()).unwrap();
    assert_eq!(report.status, 200, "{report:?}");
    assert!(report.journaled, "the signed test event came back through the tunnel");

    until("the quick tunnel to come back with another URL", || {
        station.tunnel_view().url.is_some_and(|u| u != first) && station.tunnel_view().state == TunnelState::Up
    });
    let view = station.tunnel_view();
    let change = view.change.expect("a new URL must be given to Recur's dashboard");
    assert_eq!(change.previous_webhook_url, format!("{first}/webhooks/recur"));
    assert_eq!(Some(change.webhook_url.clone()), view.webhook_url);
    let saved = station.settings().get().last_public_url;
    assert_eq!(saved, view.url, "remembered for the next start");
    station.dismiss_url_change();
    assert!(station.tunnel_view().change.is_none());
    station.shutdown();
    assert!(shop.dir.path().join("settings.json").exists());
}

#[test]
fn a_keyring_that_cannot_be_read_is_said_and_the_counter_still_opens() {
    let shop = shop(Arc::new(MemoryStore::unavailable()));
    let counter = shop.rt.block_on(shop.station.open(Plan::counter_only())).unwrap();
    assert!(counter.is_embedded_sandbox());
    assert_eq!(shop.station.keys().keyring_error, Some(ErrorCode::KeyringUnavailable));
    assert!(shop.station.listener().is_none(), "a one-shot plan runs no listener");
}

#[test]
fn stored_keys_that_cannot_be_read_keep_the_counter_closed_instead_of_falling_back_to_the_sandbox() {
    let working: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
    let first = shop(Arc::clone(&working));
    let db = first.dir.path().join("ledger.db");
    let env = |extra: &[(&str, &str)]| {
        let mut pairs = vec![("RECUR_POS_DB", db.to_str().unwrap())];
        pairs.extend_from_slice(extra);
        Env::from_pairs(&pairs)
    };
    first
        .rt
        .block_on(first.station.save_key(
            recur_pos_app::keys::KeyName::SecretKey,
            recur_domain::Secret::new("sk_test_saved_in_the_keyring"),
        ))
        .unwrap();
    assert!(
        first.station.settings().get().keys_stored,
        "settings.json remembers a key is stored"
    );
    let settings = std::fs::read_to_string(first.dir.path().join("settings.json")).unwrap();
    assert!(!settings.contains("sk_test"), "but never the key: {settings}");

    // The keyring fails: no counter, the reason, and no sandbox on the shop's ledger.
    let locked = Station::new(env(&[]), Arc::new(MemoryStore::unavailable()));
    let error = first
        .rt
        .block_on(locked.open(Plan::counter_only()))
        .err()
        .expect("refused");
    assert_eq!(error.code(), ErrorCode::StoredKeysUnreadable, "{error}");
    assert!(locked.counter().is_err(), "nothing to sell on");
    assert!(matches!(
        locked.phase(),
        Phase::Failed(ErrorCode::StoredKeysUnreadable, _)
    ));

    // A key in the environment is not a fallback to the sandbox: that counter opens.
    let from_env = Station::new(
        env(&[
            ("RECUR_SECRET_KEY", "sk_test_env"),
            ("RECUR_API_BASE", "http://127.0.0.1:9"),
        ]),
        Arc::new(MemoryStore::unavailable()),
    );
    let counter = first.rt.block_on(from_env.open(Plan::counter_only())).unwrap();
    assert!(!counter.is_embedded_sandbox());

    // Once the keys are cleared, a failing keyring is only a note again.
    first.rt.block_on(first.station.clear_keys()).unwrap();
    let cleared = Station::new(env(&[]), Arc::new(MemoryStore::unavailable()));
    let counter = first.rt.block_on(cleared.open(Plan::counter_only())).unwrap();
    assert!(counter.is_embedded_sandbox());
}
