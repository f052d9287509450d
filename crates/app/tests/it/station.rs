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
    shop_with(store, &[])
}

/// A shop on a Recur of its own: a standalone sandbox on loopback, with its test key.
fn shop_on(recur: &recur_sandbox::Sandbox) -> Shop {
    let base = recur.base_url();
    shop_with(
        Arc::new(MemoryStore::new()),
        &[
            ("RECUR_API_BASE", base.as_str()),
            ("RECUR_SECRET_KEY", recur.secret_key()),
            ("RECUR_WEBHOOK_SECRET", recur.webhook_secret()),
        ],
    )
}

fn shop_with(store: Arc<dyn SecretStore>, extra: &[(&str, &str)]) -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let mut pairs = vec![("RECUR_POS_DB", db.to_str().unwrap()), ("RECUR_POS_POLL_MS", "100")];
    pairs.extend_from_slice(extra);
    let env = Env::from_pairs(&pairs);
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
        hub: false,
    }
}

fn latte() -> ChargeRequest {
    ChargeRequest {
        product_id: "prod_latte".into(),
        ..ChargeRequest::default()
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
fn the_tunnel_never_runs_on_the_embedded_sandbox() {
    let shop = shop(Arc::new(MemoryStore::new()));
    let station = &shop.station;
    let command = format!("{} --to {{port}}", fake_tunnel().display());
    let counter = shop
        .rt
        .block_on(station.open(listening(Port::Fixed(0), Some(command.clone()))))
        .unwrap();
    assert!(counter.is_embedded_sandbox());
    assert!(
        station.listener().is_some(),
        "the sandbox still delivers to the listener"
    );
    std::thread::sleep(Duration::from_millis(300));
    let view = station.tunnel_view();
    assert!(view.on_sandbox);
    assert_eq!(view.url, None, "no public URL: {view:?}");
    assert!(
        !matches!(view.state, TunnelState::Up | TunnelState::Starting),
        "{:?}",
        view.state
    );
    let refused = station.start_tunnel(Some(command)).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::TunnelOnSandbox);
    assert_eq!(station.settings().get().tunnel_command, None, "a refusal saves nothing");
    assert_eq!(station.tunnel_view().url, None);
    station.shutdown();
}

#[test]
fn the_tunnel_is_self_tested_and_a_new_url_is_a_change_to_confirm() {
    let recur = recur_sandbox::Sandbox::start(recur_sandbox::SandboxConfig::for_tests()).unwrap();
    let shop = shop_on(&recur);
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

#[test]
fn a_tunnel_token_typed_into_the_command_goes_to_the_keyring_and_reaches_the_program_by_environment() {
    let recur = recur_sandbox::Sandbox::start(recur_sandbox::SandboxConfig::for_tests()).unwrap();
    let shop = shop_on(&recur);
    let station = &shop.station;
    shop.rt.block_on(station.open(listening(Port::Fixed(0), None))).unwrap();
    let report = shop.dir.path().join("what the tunnel was handed");
    let typed = format!(
        "{} --to {{port}} --report '{}' --token eyJ0b2tlbiI6InNlY3JldCJ9",
        fake_tunnel().display(),
        report.display()
    );
    station.start_tunnel(Some(typed)).unwrap();
    until("the tunnel to come up", || {
        station.tunnel_view().state == TunnelState::Up
    });

    let handed = std::fs::read_to_string(&report).unwrap();
    let (argv, env) = handed.split_once("TUNNEL_TOKEN=").unwrap();
    assert_eq!(
        env.trim(),
        "eyJ0b2tlbiI6InNlY3JldCJ9",
        "the program got its token by environment"
    );
    assert!(!argv.contains("eyJ0b2tl"), "never on its command line: {argv}");
    let settings = std::fs::read_to_string(shop.dir.path().join("settings.json")).unwrap();
    assert!(!settings.contains("eyJ0b2tl"), "never in settings.json: {settings}");
    assert!(
        settings.contains("--report"),
        "the rest of the command is saved: {settings}"
    );
    let shown = station.tunnel_view().command.unwrap();
    assert!(!shown.contains("eyJ0b2tl") && !shown.contains("--token"), "{shown}");
    let kept = station.store().get(recur_secrets::TUNNEL_TOKEN).unwrap().unwrap();
    assert_eq!(kept.expose(), "eyJ0b2tlbiI6InNlY3JldCJ9", "kept in the keyring");

    // Started again with the saved command: the keyring's token is handed over once more.
    std::fs::remove_file(&report).unwrap();
    station.start_tunnel(Some(shown)).unwrap();
    until("the tunnel to report again", || {
        report.exists() && std::fs::read_to_string(&report).unwrap().contains('\n')
    });
    until("the report written", || {
        std::fs::read_to_string(&report).unwrap().ends_with('\n')
    });
    let handed = std::fs::read_to_string(&report).unwrap();
    assert!(handed.ends_with("TUNNEL_TOKEN=eyJ0b2tlbiI6InNlY3JldCJ9\n"), "{handed}");
    station.shutdown();
}

#[test]
fn a_token_left_in_an_older_settings_file_is_moved_to_the_keyring_at_start() {
    let recur = recur_sandbox::Sandbox::start(recur_sandbox::SandboxConfig::for_tests()).unwrap();
    let shop = shop_on(&recur);
    let report = shop.dir.path().join("handed");
    let command = format!(
        "{} --to {{port}} --report '{}' --token=legacy-token-1234",
        fake_tunnel().display(),
        report.display()
    );
    shop.station
        .settings()
        .update(|s| s.tunnel_command = Some(command.clone()))
        .unwrap();
    // The saved command, as the window and `listen` start it.
    let plan = Plan {
        tunnel: true,
        ..listening(Port::Fixed(0), None)
    };
    shop.rt.block_on(shop.station.open(plan)).unwrap();
    until("the tunnel to come up", || {
        shop.station.tunnel_view().state == TunnelState::Up
    });
    let settings = std::fs::read_to_string(shop.dir.path().join("settings.json")).unwrap();
    assert!(!settings.contains("legacy-token-1234"), "{settings}");
    let kept = shop.station.store().get(recur_secrets::TUNNEL_TOKEN).unwrap().unwrap();
    assert_eq!(kept.expose(), "legacy-token-1234");
    until("the report", || {
        std::fs::read_to_string(&report).is_ok_and(|r| r.ends_with('\n'))
    });
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .ends_with("TUNNEL_TOKEN=legacy-token-1234\n"));
    shop.station.shutdown();
}

#[test]
fn guarded_actions_need_the_manager_and_wrong_pins_lock_out_for_good() {
    use recur_pos_core::Guarded;
    let shop = shop(Arc::new(MemoryStore::new()));
    let station = &shop.station;
    shop.rt.block_on(station.open(Plan::counter_only())).unwrap();
    let code = |r: Result<Arc<recur_pos_core::Counter>, recur_pos_app::AppError>| r.err().map(|e| e.code());

    assert_eq!(
        code(station.guard(Guarded::Export, "")),
        Some(ErrorCode::PinNotSet),
        "first, set a PIN"
    );
    let short = shop
        .rt
        .block_on(station.set_manager_pin("12".into(), None))
        .unwrap_err();
    assert_eq!(short.code(), ErrorCode::PinInvalid);
    shop.rt.block_on(station.set_manager_pin("2468".into(), None)).unwrap();
    let status = station.manager_status().unwrap();
    assert!(status.unlocked(), "setting the PIN lets the manager in");
    let left = status.unlocked_until.unwrap().unix_ms() - recur_domain::Timestamp::now().unix_ms();
    assert!((290_000..=300_000).contains(&left), "for five minutes: {left} ms");
    station.guard(Guarded::CloseDay, "2026-12-02").unwrap();

    station.lock_manager();
    assert_eq!(
        code(station.guard(Guarded::Export, "")),
        Some(ErrorCode::ManagerRequired)
    );
    let changed = shop
        .rt
        .block_on(station.set_manager_pin("1357".into(), Some("0000".into())));
    assert_eq!(
        changed.unwrap_err().code(),
        ErrorCode::PinWrong,
        "changing it needs the current one"
    );
    let wrong = shop.rt.block_on(station.unlock_manager("1111".into())).unwrap_err();
    assert_eq!(wrong.code(), ErrorCode::PinWrong);
    let third = shop.rt.block_on(station.unlock_manager("2222".into())).unwrap_err();
    assert_eq!(third.code(), ErrorCode::PinLocked, "the third wrong try in a row locks");
    let right_but_locked = shop.rt.block_on(station.unlock_manager("2468".into())).unwrap_err();
    assert_eq!(
        right_but_locked.code(),
        ErrorCode::PinLocked,
        "not even the right PIN is taken now"
    );
    let status = station.manager_status().unwrap();
    assert!(!status.unlocked() && status.unlocked_until.is_none());

    // The lock-out is in the ledger: quitting and opening again does not lift it.
    shop.rt.block_on(station.reopen()).unwrap();
    let status = station.manager_status().unwrap();
    assert!(status.pin_set && !status.unlocked());
    let until = status.locked_until.expect("still locked out");
    let wait = until.unix_ms() - recur_domain::Timestamp::now().unix_ms();
    assert!((20_000..=30_000).contains(&wait), "about 30 s: {wait} ms");

    let log = station.counter().unwrap().audit_log(50).unwrap();
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["pin_set", "close_day", "pin_wrong", "pin_wrong", "pin_wrong"],
        "{log:?}"
    );
    assert_eq!(
        log.iter().find(|e| e.action == "close_day").unwrap().detail,
        "2026-12-02"
    );
    station.shutdown();
}

#[test]
fn the_shop_and_counter_named_in_settings_are_on_every_sale_after_and_the_environment_wins() {
    let shop = shop(Arc::new(MemoryStore::new()));
    let station = &shop.station;
    let before = shop.rt.block_on(station.open(Plan::counter_only())).unwrap();
    let first = shop.rt.block_on(before.charge_cash(latte(), None)).unwrap();
    assert_eq!((first.shop.as_str(), first.counter.as_str()), ("", ""));

    let named = shop.rt.block_on(station.name_counter(" 淡水店 ", "櫃台 2")).unwrap();
    assert_eq!(named, ("淡水店".to_owned(), "櫃台 2".to_owned()));
    let after = station.counter().unwrap();
    assert!(!Arc::ptr_eq(&before, &after), "the counter opened again with the names");
    let second = shop.rt.block_on(after.charge_cash(latte(), None)).unwrap();
    assert_eq!((second.shop.as_str(), second.counter.as_str()), ("淡水店", "櫃台 2"));
    let kept = std::fs::read_to_string(station.settings().path()).unwrap();
    assert!(kept.contains("淡水店") && kept.contains("櫃台 2"), "{kept}");

    // A bad name changes nothing: not the file, not the names on the next sale.
    let refused = shop.rt.block_on(station.name_counter("淡水店", "櫃台\n3")).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidInput, "{refused}");
    assert_eq!(std::fs::read_to_string(station.settings().path()).unwrap(), kept);
    assert_eq!(station.settings().sale_counter().value, "櫃台 2");

    // Set by the environment: that name stays, the other may still change.
    let env = Env::from_pairs(&[
        ("RECUR_POS_DB", shop.dir.path().join("ledger.db").to_str().unwrap()),
        ("RECUR_POS_COUNTER", "收銀機 A"),
    ]);
    let managed = Station::new(env, Arc::new(MemoryStore::new()));
    let counter = shop.rt.block_on(managed.open(Plan::counter_only())).unwrap();
    let sale = shop.rt.block_on(counter.charge_cash(latte(), None)).unwrap();
    assert_eq!((sale.shop.as_str(), sale.counter.as_str()), ("淡水店", "收銀機 A"));
    let refused = shop.rt.block_on(managed.name_counter("淡水店", "櫃台 9")).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::SetByEnvironment, "{refused}");
    let renamed = shop.rt.block_on(managed.name_counter("八里店", "收銀機 A")).unwrap();
    assert_eq!(renamed, ("八里店".to_owned(), "收銀機 A".to_owned()));
    assert_eq!(
        managed.settings().get().counter.as_deref(),
        Some("櫃台 2"),
        "the saved counter name stays for when the variable is gone"
    );
}
