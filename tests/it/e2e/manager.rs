//! The manager's PIN on a real window: a cashier's first run asks for one when a guarded action
//! is tried (and then does it), the lock on the top bar, wrong PINs locking out, the audit log,
//! and leaving the app only with the PIN.

use super::app::{App, MANAGER_PIN};

#[test]
fn the_manager_pin_guards_settings_the_close_the_log_and_leaving() {
    let app = App::launch_locked("manager", &[("RECUR_POS_SHOP_NAME", "")]);
    assert!(
        app.text("#pin-title").contains("設定店長密碼"),
        "the first run asks for a PIN"
    );
    app.wait_js(
        "the PIN field focused, not the screen behind",
        "return document.activeElement === document.getElementById('pin-input')",
    );
    app.shot("first-run");
    app.later();
    assert_eq!(app.text("#manager-word"), "收銀員", "a counter starts in cashier mode");
    app.shot("cashier");

    // A guarded action on the first run: the app asks for a PIN to set, then does it.
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "the shop name field",
        "return !document.getElementById('in-shop').disabled;",
    );
    app.js("document.getElementById('in-shop').value = ''; return true;");
    app.type_into("#in-shop", "晨光早餐店");
    app.click("#shop-save");
    app.wait_js(
        "the set-PIN dialog",
        "return !document.getElementById('pin-overlay').hidden && !document.getElementById('pin-again-field').hidden",
    );
    assert!(
        app.text("#pin-title").contains("設定店長密碼"),
        "{}",
        app.text("#pin-title")
    );
    app.shot("pin-set");
    app.enter_pin(&[MANAGER_PIN, "1357"]);
    app.wait_js(
        "the mismatch said",
        "return document.getElementById('pin-error').textContent.includes('不同')",
    );
    app.enter_pin(&[MANAGER_PIN, MANAGER_PIN]);
    app.wait_js(
        "the name saved once the PIN was set",
        "return document.getElementById('pin-overlay').hidden && document.getElementById('shop-name').textContent === '晨光早餐店'",
    );
    assert_eq!(app.text("#manager-word"), "店長");

    // Locked again: a cashier reads today's History; other days need the manager.
    app.click("#manager-lock");
    app.wait_js(
        "cashier mode",
        "return document.getElementById('manager-lock').dataset.state === 'locked'",
    );
    app.click(".tab[data-view=\"history\"]");
    app.wait_js(
        "today's history, no PIN asked",
        "return !document.getElementById('view-history').hidden && document.getElementById('pin-overlay').hidden",
    );
    app.click("#view-history .periods .seg[data-period=\"week\"]");
    app.wait_js(
        "the PIN asked for other days' sales",
        "return !document.getElementById('pin-overlay').hidden",
    );
    app.click("#pin-cancel");
    app.wait_js(
        "the dialog gone",
        "return document.getElementById('pin-overlay').hidden",
    );

    // The Close screen is the manager's: a wrong PIN is said, the right one shows the day, and
    // the close itself needs no second PIN.
    app.click(".tab[data-view=\"close\"]");
    app.enter_pin(&["0000"]);
    app.wait_js(
        "the wrong PIN said",
        "return document.getElementById('pin-error').textContent.includes('不對')",
    );
    app.enter_pin(&[MANAGER_PIN]);
    app.wait_js(
        "today's report",
        "const v = document.getElementById('view-close'); return !v.hidden && v.dataset.closed === 'false' && document.getElementById('pin-overlay').hidden",
    );
    app.click("#c-close");
    app.click("#c-confirm-yes");
    app.wait_js(
        "the day closed",
        "return document.getElementById('view-close').dataset.closed === 'true'",
    );

    // The audit log, in English too.
    app.click(".tab[data-view=\"settings\"]");
    app.click("#audit-show");
    app.wait_js(
        "the audit log",
        "return document.querySelectorAll('#audit-rows tr').length >= 4",
    );
    let actions = app
        .js("return [...document.querySelectorAll('#audit-rows tr')].map(r => r.dataset.action).reverse().join(' ')");
    assert_eq!(
        actions.as_str().unwrap(),
        "pin_set settings pin_wrong unlock close_day",
        "every guarded action and try, in order"
    );
    app.js("document.querySelector('.card-audit').scrollIntoView(); return true;");
    app.shot("audit-log");
    app.click("#lang-switch");
    app.wait_js(
        "English",
        "return document.getElementById('set-audit-title').textContent.includes('audit')",
    );
    app.shot("audit-log-en");
    app.click("#lang-switch");

    // Leaving: the window's close asks for the PIN; cancelled, the counter stays.
    app.click("#manager-lock");
    app.js("window.__TAURI__.window.getCurrentWindow().close(); return true;");
    app.wait_js("the quit dialog", "return !document.getElementById('pin-overlay').hidden && document.getElementById('pin-why').textContent.includes('離開')");
    app.shot("quit-pin");
    app.click("#pin-cancel");
    app.wait_js(
        "still open",
        "return document.getElementById('pin-overlay').hidden && !!document.getElementById('view-settings')",
    );

    // Three wrong PINs in a row lock it, with the wait on screen.
    app.click("#audit-show");
    for wrong in ["1111", "2222", "3333"] {
        app.enter_pin(&[wrong]);
        app.wait_js(
            "the answer",
            "return document.getElementById('pin-error').textContent.length > 0",
        );
    }
    app.wait_js(
        "the lock-out counting down",
        "return document.getElementById('pin-error').textContent.includes('秒') && document.getElementById('pin-ok').disabled",
    );
    app.shot("pin-locked");
}

#[test]
fn switching_to_live_needs_the_pin_is_recorded_and_turns_the_stripe_red() {
    // A Recur of its own whose key is a live one; the app on its default ledgers (no
    // RECUR_POS_DB), in a data folder of this test's, so the live ledger is a file of its own.
    let recur = recur_sandbox::Sandbox::start(recur_sandbox::SandboxConfig {
        secret_key: "sk_live_e2e_switch_5678".into(),
        ..recur_sandbox::SandboxConfig::for_tests()
    })
    .expect("sandbox");
    let data = tempfile::tempdir().unwrap();
    let data_home = data.path().display().to_string();
    let base = recur.base_url();
    let app = App::launch_with(
        "live-switch",
        &[
            ("RECUR_POS_DB", ""),
            ("XDG_DATA_HOME", data_home.as_str()),
            ("RECUR_API_BASE", base.as_str()),
        ],
    );
    assert_eq!(
        app.js("return document.getElementById('env-stripe').dataset.env"),
        "sandbox"
    );
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "the sandbox's ledger",
        "return document.getElementById('set-ledger').textContent.endsWith('ledger-sandbox.db')",
    );

    // Locked: saving the live key asks for the PIN first.
    app.click("#manager-lock");
    app.wait_js(
        "cashier mode",
        "return document.getElementById('manager-lock').dataset.state === 'locked'",
    );
    app.type_into("#in-secret", recur.secret_key());
    app.click("#keys-form button[type=\"submit\"]");
    app.enter_pin(&[MANAGER_PIN]);
    app.wait_js(
        "the live stripe",
        "const s = document.getElementById('env-stripe'); return !s.hidden && s.dataset.env === 'live'",
    );
    assert!(app.text("#env-stripe").contains("正式模式 LIVE"));
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "the live ledger, a file of its own",
        "return document.getElementById('set-ledger').textContent.endsWith('/ledger.db')",
    );
    assert!(data.path().join("recur-pos/ledger-sandbox.db").exists());
    assert!(data.path().join("recur-pos/ledger.db").exists());

    // The live ledger's log says who switched, and the manager's PIN came along.
    app.click("#audit-show");
    app.wait_js(
        "the audit log",
        "return document.querySelectorAll('#audit-rows tr').length >= 2",
    );
    let actions = app
        .js("return [...document.querySelectorAll('#audit-rows tr')].map(r => r.dataset.action).reverse().join(' ')");
    assert_eq!(actions.as_str().unwrap(), "pin_set pin_carried environment_switched");
    assert!(
        app.text("#audit-rows").contains("sandbox → live"),
        "{}",
        app.text("#audit-rows")
    );
    app.js("document.querySelector('.card-audit').scrollIntoView(); return true;");
    app.shot("switched-to-live");

    // The manager closes the window: the app leaves, and the live ledger says who did.
    let _ = app.session.execute(
        "window.__TAURI__.window.getCurrentWindow().close(); return true;",
        vec![],
    );
    let ledger = recur_ledger::Ledger::open(&data.path().join("recur-pos/ledger.db")).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !ledger
        .audit_log(10)
        .unwrap()
        .iter()
        .any(|e| e.action == "quit" && e.detail == "window closed")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the window's close was never written down"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
