//! The manager's PIN on a real window: a cashier's first run asks for one when a guarded action
//! is tried (and then does it), the lock on the top bar, wrong PINs locking out, the audit log,
//! and leaving the app only with the PIN.

use super::app::{App, MANAGER_PIN};

#[test]
fn the_manager_pin_guards_settings_the_close_the_log_and_leaving() {
    let app = App::launch_locked("manager", &[("RECUR_POS_SHOP_NAME", "")]);
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

    // Locked again: the close asks for the PIN; a wrong one is said, the right one closes.
    app.click("#manager-lock");
    app.wait_js(
        "cashier mode",
        "return document.getElementById('manager-lock').dataset.state === 'locked'",
    );
    app.click(".tab[data-view=\"close\"]");
    app.wait_js(
        "today's report",
        "const v = document.getElementById('view-close'); return !v.hidden && v.dataset.closed === 'false'",
    );
    app.click("#c-close");
    app.click("#c-confirm-yes");
    app.enter_pin(&["0000"]);
    app.wait_js(
        "the wrong PIN said",
        "return document.getElementById('pin-error').textContent.includes('不對')",
    );
    app.enter_pin(&[MANAGER_PIN]);
    app.wait_js("the day closed", "return document.getElementById('pin-overlay').hidden && document.getElementById('view-close').dataset.closed === 'true'");

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
