//! The flows a shop relies on, each through the real window.

use super::app::{App, DECLINE_CARD, PAY_CARD};
use super::qr;

#[test]
fn a_one_time_sale_is_paid_and_shows_in_today() {
    let app = App::launch("one-time");
    app.shot("sell");
    let checkout = app.charge("prod_latte", false, Some("amy@example.tw"));
    assert_eq!(app.text("#pay-amount"), "NT$120");
    assert_eq!(app.text("#pay-product"), "拿鐵咖啡");
    app.wait_pay_state("OPEN");

    // The QR on screen is what a phone camera reads: it must decode to the checkout URL.
    let png = app.shot("pay-qr");
    assert_eq!(
        qr::decode_png(&png),
        vec![checkout.url.clone()],
        "the QR on screen decodes to the checkout URL"
    );
    let size = app
        .js("const r = document.getElementById('pay-qr').getBoundingClientRect(); return Math.min(r.width, r.height);");
    assert!(
        size.as_f64().unwrap_or(0.0) >= 227.0,
        "the QR is at least 6 cm at 96 dpi, got {size} px"
    );

    checkout.open_page();
    app.wait_pay_state("OPENED");
    assert_eq!(checkout.pay(PAY_CARD), 200);
    app.wait_pay_state("PAID");
    app.wait_js(
        "the green paid panel",
        "return !document.getElementById('paid-panel').hidden",
    );
    assert!(
        !app.text("#paid-ref").is_empty(),
        "the paid panel shows the order number"
    );
    app.click("#paid-stay");
    app.shot("paid");

    app.wait_today(&checkout.sale_id, "PAID");
    assert_eq!(app.text("#tot-paid-sum"), "NT$120");
    app.shot("today");
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "Settings with the ledger file",
        "return !!document.getElementById('set-ledger').textContent",
    );
    assert!(
        app.text("#set-env").contains("內建測試環境"),
        "Settings says the embedded sandbox runs"
    );
    app.shot("settings");
}

#[test]
fn a_declined_card_shows_failed_and_another_card_still_pays() {
    let app = App::launch("declined");
    let checkout = app.charge("prod_americano", false, None);
    assert_eq!(checkout.pay(DECLINE_CARD), 402, "the sandbox declines the card");
    app.wait_pay_state("FAILED");
    app.wait_js(
        "the failed step in the timeline",
        "return document.getElementById('step-final').classList.contains('final-FAILED')",
    );
    app.wait_js("New QR offered", "return !document.getElementById('pay-renew').hidden");
    app.shot("failed");

    // The customer tries another card on the same page: money received is never hidden.
    assert_eq!(checkout.pay(PAY_CARD), 200);
    app.wait_pay_state("PAID");
    app.wait_today(&checkout.sale_id, "PAID");
}

#[test]
fn an_expired_session_shows_expired_and_a_new_qr_is_paid() {
    let app = App::launch("expired");
    let first = app.charge("prod_cinnamon_roll", false, None);
    first.expire();
    app.wait_pay_state("EXPIRED");
    app.wait_js(
        "New QR offered",
        "return !document.getElementById('pay-renew').disabled && !document.getElementById('pay-renew').hidden",
    );
    app.shot("expired");

    app.click("#pay-renew");
    app.wait_js(
        "a new QR for the same sale",
        &format!("return document.getElementById('pay-qr').dataset.url !== '{}' && document.getElementById('view-pay').dataset.state === 'OPEN'", first.url),
    );
    let second = app.checkout();
    assert_eq!(
        second.sale_id, first.sale_id,
        "a new checkout for the same sale, not a new sale"
    );
    assert_ne!(second.url, first.url);
    assert_eq!(qr::decode_png(&app.shot("new-qr")), vec![second.url.clone()]);
    assert_eq!(first.pay(PAY_CARD), 410, "the expired checkout cannot be paid");
    assert_eq!(second.pay(PAY_CARD), 200);
    app.wait_pay_state("PAID");
    app.wait_today(&first.sale_id, "PAID");
}

#[test]
fn a_subscription_and_a_card_only_sale_complete() {
    let app = App::launch("subscription-setup");
    let subscription = app.charge("prod_coffee_monthly", false, Some("sub@example.tw"));
    assert_eq!(app.text("#pay-amount"), "NT$299");
    assert_eq!(app.text("#pay-mode"), "訂閱");
    assert_eq!(subscription.pay(PAY_CARD), 200);
    app.wait_pay_state("PAID");
    app.shot("subscription-paid");
    app.click("#paid-next");

    // Keyboard only, as with a barcode scanner: the code and Enter pick the product, SETUP is
    // chosen, and Enter in the email field charges.
    app.wait_js("the Sell screen", "return !document.getElementById('view-sell').hidden");
    app.type_into("#search", "prod_latte\u{E007}");
    app.wait_js("the scanned product selected", "return document.querySelector('.tile[data-product-id=\"prod_latte\"]').getAttribute('aria-pressed') === 'true'");
    app.click("input[name=\"mode\"][value=\"SETUP\"]");
    app.wait_js(
        "the Charge button showing NT$0",
        "return document.getElementById('charge-amount').textContent === 'NT$0'",
    );
    app.type_into("#email", "card@example.tw\u{E007}");
    app.wait_js(
        "the Pay screen",
        "return !document.getElementById('view-pay').hidden && !!document.getElementById('pay-qr').dataset.url",
    );
    let setup = app.checkout();
    assert_eq!(app.text("#pay-amount"), "NT$0", "SETUP charges nothing");
    assert_eq!(app.text("#pay-mode"), "僅存卡");
    assert_eq!(setup.pay(PAY_CARD), 200);
    app.wait_pay_state("SAVED");
    assert_eq!(app.text("#paid-title"), "卡片已儲存");
    assert_eq!(app.text("#pay-state"), "已存卡", "a card-only sale is not called paid");
    app.shot("setup-saved");

    app.wait_today(&subscription.sale_id, "PAID");
    app.wait_today(&setup.sale_id, "PAID");
    app.shot("today");
}

#[test]
fn the_language_switch_changes_the_visible_text() {
    let app = App::launch("language");
    let cases = [
        ("zh-TW", "銷售", "結帳", "今日交易"),
        ("en", "Sell", "Charge", "Today"),
        ("zh-TW", "銷售", "結帳", "今日交易"),
    ];
    for (i, (lang, sell, charge, today)) in cases.into_iter().enumerate() {
        if i > 0 {
            app.click("#lang-switch");
        }
        app.wait_js(
            &format!("the page in {lang}"),
            &format!("return document.documentElement.lang === '{lang}'"),
        );
        assert_eq!(app.text(".tab[data-view=\"sell\"] span"), sell);
        assert_eq!(app.text("#charge .charge-label"), charge);
        assert_eq!(app.text(".tab[data-view=\"today\"] span"), today);
        if lang == "en" {
            app.click(".tab[data-view=\"settings\"]");
            app.wait_js(
                "Settings in English",
                "return document.getElementById('set-env').textContent.startsWith('Built-in sandbox')",
            );
            app.shot("settings-en");
            app.click(".tab[data-view=\"sell\"]");
        }
    }
    app.shot("sell-zh");
}

#[test]
fn the_customer_display_shows_only_the_sale_and_thanks() {
    let app = App::launch("customer-display");
    let checkout = app.charge("prod_gift_box", false, Some("vip@example.tw"));
    let main = app.session.window_handle().expect("main window");
    app.click("#pay-customer");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let customer = loop {
        let handles = app.session.window_handles().expect("window handles");
        if let Some(h) = handles.into_iter().find(|h| *h != main) {
            break h;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the customer display window did not open"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    app.session
        .switch_to_window(&customer)
        .expect("switch to the customer display");
    app.wait_js(
        "the customer display with the QR",
        "return document.body.dataset.state === 'pay' && !!document.getElementById('c-qr').dataset.url",
    );
    assert_eq!(app.text("#c-amount"), "NT$1,290");
    let body = app.text("body");
    assert!(
        body.contains("請用手機掃描 QR Code 付款") && body.contains("Scan to pay"),
        "{body}"
    );
    assert!(
        !body.contains("vip@example.tw"),
        "no customer data on the customer display"
    );
    assert_eq!(
        app.js("return document.querySelectorAll('button, input, a').length"),
        0,
        "no control at all"
    );
    assert_eq!(qr::decode_png(&app.shot("customer-qr")), vec![checkout.url.clone()]);

    // Its capability allows reading its own view only: admin commands are refused by the ACL.
    let probe = "const done = arguments[arguments.length - 1]; \
                 const args = { onView: new window.__TAURI__.core.Channel() }; \
                 window.__TAURI__.core.invoke(arguments[0], args).then(() => done('allowed'), (e) => done('refused'));";
    let ask = |command: &str| app.session.execute_async(probe, vec![command.into()]).expect("probe");
    assert_eq!(ask("customer_view"), "allowed");
    for admin in ["today", "charge", "cancel_sale", "settings", "save_keys"] {
        assert_eq!(ask(admin), "refused", "the customer display may not call {admin}");
    }
    // Nor listen to the counter's events (Tauri would hand it events meant for the main window):
    // its updates come on its own channel, which the thank-you below proves still works.
    let listen = "const done = arguments[arguments.length - 1]; \
                  window.__TAURI__.event.listen(arguments[0], () => {}).then(() => done('allowed'), () => done('refused'));";
    for event in ["sale-changed", "journal-changed", "app-status"] {
        let answer = app
            .session
            .execute_async(listen, vec![event.into()])
            .expect("listen probe");
        assert_eq!(answer, "refused", "the customer display may not listen to {event}");
    }

    assert_eq!(checkout.pay(PAY_CARD), 200);
    app.wait_js("the thank-you", "return document.body.dataset.state === 'done'");
    assert!(app.text("#c-done-zh").contains("付款完成，謝謝光臨"));
    app.shot("customer-paid");
    app.session.switch_to_window(&main).expect("back to the counter");
    app.wait_pay_state("PAID");
}

#[test]
fn keys_saved_in_settings_reopen_the_counter_and_errors_say_what_to_do() {
    // A Recur of its own (a sandbox on loopback): a key saved in Settings is checked against it
    // with a real call, stored in the OS keyring, and the counter re-opens on it.
    let recur = recur_sandbox::Sandbox::start(recur_sandbox::SandboxConfig::for_tests()).expect("sandbox");
    let app = App::launch_with("settings-keys", &[("RECUR_API_BASE", recur.base_url().as_str())]);
    assert!(
        std::env::var_os("GNOME_KEYRING_CONTROL").is_some(),
        "the WebKit lane runs with a keyring daemon (scripts/test.sh starts one)"
    );
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js("Settings", "return !!document.getElementById('set-ledger').textContent");
    let save = |key: &str| {
        app.js("document.getElementById('in-secret').value = ''; document.getElementById('keys-result').textContent = ''; return true;");
        app.type_into("#in-secret", key);
        app.click("#keys-form button[type=\"submit\"]");
    };

    save("pk_test_notasecretkey");
    app.wait_js(
        "the invalid-key sentence",
        "return document.getElementById('keys-result').textContent.includes('sk_test_')",
    );
    save("sk_test_not_this_recurs_key");
    app.wait_js(
        "Recur refusing the key",
        "return document.getElementById('keys-result').textContent.includes('Recur 拒絕')",
    );
    assert_eq!(app.text("#set-key"), "—", "a key Recur refuses is never stored");

    save(recur.secret_key());
    app.wait_js("the counter re-opened on the saved key", "return !document.getElementById('view-settings').hidden && document.getElementById('set-key').textContent.startsWith('sk_test_••••')");
    assert!(
        app.text("#set-key-source").contains("鑰匙圈"),
        "the key came from the keyring"
    );
    assert!(
        !app.text("body").contains(recur.secret_key()),
        "the key is never shown in full"
    );
    assert_eq!(
        app.js("return document.getElementById('env-stripe').dataset.env"),
        "sandbox"
    );
    app.shot("settings-key-saved");

    // Recur goes away: Sell says so, with a retry.
    recur.shutdown();
    app.click(".tab[data-view=\"sell\"]");
    app.click("#refresh-catalogue");
    app.wait_js(
        "the network error with a retry button",
        "const b = document.getElementById('catalogue-error'); return !b.hidden && b.dataset.code === 'recur.network'",
    );
    assert!(
        app.text("#catalogue-error").contains("無法連線到 Recur"),
        "{}",
        app.text("#catalogue-error")
    );
    app.shot("sell-network-error");

    app.click(".tab[data-view=\"settings\"]");
    app.click("#keys-clear");
    app.click("#keys-clear");
    app.wait_js("back on the embedded sandbox", "return !document.getElementById('view-settings').hidden && document.getElementById('set-key').textContent === '—' && document.getElementById('set-env').textContent.includes('內建')");
    app.click(".tab[data-view=\"sell\"]");
    app.wait_js("the catalogue again", "return document.querySelectorAll('#tiles .tile').length > 0 && document.getElementById('catalogue-error').hidden");
}

#[test]
fn a_live_key_turns_the_stripe_red() {
    // A live key in the environment (Recur itself cannot be reached from here: the catalogue
    // fails, the stripe still says which money this counter takes).
    let app = App::launch_locked(
        "live-stripe",
        &[
            ("RECUR_SECRET_KEY", "sk_live_e2eabcdef5678"),
            ("RECUR_API_BASE", "http://127.0.0.1:9"),
        ],
    );
    app.wait_js(
        "the live stripe",
        "const s = document.getElementById('env-stripe'); return !s.hidden && s.dataset.env === 'live'",
    );
    assert!(app.text("#env-stripe").contains("正式模式 LIVE"));
    app.later();
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "the key's mask",
        "return document.getElementById('set-key').textContent === 'sk_live_••••••••5678'",
    );
    assert!(
        app.text("#set-key-source").contains("環境變數"),
        "{}",
        app.text("#set-key-source")
    );
    app.shot("settings-live");
}
