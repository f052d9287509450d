//! Several counters, one shop, in the real window: a counter on the shop's shared ledger
//! (PostgreSQL) shows the database dot and hears a sale another counter writes — no click, the
//! ledger's LISTEN/NOTIFY through the follower to the window — and a counter on its own file
//! joins the shop from Settings (connection test, the manager's PIN, the dot) and leaves it.
//!
//! Each test has a database of its own on the test PostgreSQL (`RECUR_POS_TEST_PG`, started
//! by scripts/test.sh; a run without it fails) and a standalone sandbox as its Recur: the
//! embedded one belongs to one counter and is refused on a shared ledger.

use std::time::{Duration, Instant};

use recur_domain::{Currency, Mode, Money, Timestamp};
use recur_ledger::{Ledger, NewSale, Origin};

use super::app::{App, MANAGER_PIN};

/// A database of its own on the test PostgreSQL (and, for a join, a role of its own with a
/// password to look for everywhere it must not be), dropped when the test ends.
struct ShopDatabase {
    admin: String,
    name: String,
    role: Option<String>,
}

impl ShopDatabase {
    /// A fresh database the test PostgreSQL's admin role owns; its URL carries that role's password.
    fn fresh() -> ShopDatabase {
        ShopDatabase::create(None)
    }

    /// A fresh database owned by a new role `role` with `password`.
    fn with_role(role: &str, password: &str) -> ShopDatabase {
        ShopDatabase::create(Some((role, password)))
    }

    fn create(role: Option<(&str, &str)>) -> ShopDatabase {
        let admin = std::env::var("RECUR_POS_TEST_PG")
            .ok()
            .filter(|u| !u.is_empty())
            .expect(
                "RECUR_POS_TEST_PG is not set: run the tests with scripts/test.sh, or start the test \
             PostgreSQL with `scripts/pg.sh start` and `eval \"$(scripts/pg.sh env)\"`",
            );
        let name = format!("recur_e2e_{:016x}", unique());
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to the test PostgreSQL");
        let owner = match role {
            Some((role, password)) => {
                client
                    .batch_execute(&format!("CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
                    .expect("create a role");
                format!(" OWNER {role}")
            }
            None => String::new(),
        };
        client
            .batch_execute(&format!("CREATE DATABASE {name}{owner}"))
            .expect("create a test database");
        ShopDatabase {
            admin,
            name,
            role: role.map(|(r, _)| r.to_owned()),
        }
    }

    /// The admin's URL on this database (with the admin's password).
    fn admin_url(&self) -> String {
        let mut url = url::Url::parse(&self.admin).expect("a URL");
        url.set_path(&self.name);
        url.to_string()
    }

    /// `postgres://<role>@host:port/<db>`: no password.
    fn role_url(&self) -> String {
        let mut url = url::Url::parse(&self.admin_url()).expect("a URL");
        url.set_username(self.role.as_deref().expect("a role")).expect("user");
        url.set_password(None).expect("no password");
        url.to_string()
    }
}

impl Drop for ShopDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
            if let Some(role) = &self.role {
                let _ = client.batch_execute(&format!("DROP ROLE IF EXISTS {role}"));
            }
        }
    }
}

fn unique() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .subsec_nanos();
    (u64::from(std::process::id()) << 32) | u64::from(nanos)
}

/// The standalone sandbox's keys for the app.
fn on(recur: &recur_sandbox::Sandbox) -> [(&'static str, String); 3] {
    [
        ("RECUR_API_BASE", recur.base_url()),
        ("RECUR_SECRET_KEY", recur.secret_key().to_owned()),
        ("RECUR_WEBHOOK_SECRET", recur.webhook_secret().to_owned()),
    ]
}

fn latte() -> NewSale {
    NewSale {
        product_id: "prod_latte".into(),
        product_name: "拿鐵（後台）".into(),
        mode: Mode::Payment,
        amount: Money::new(150),
        currency: Currency::twd(),
        customer_email: None,
        customer_name: None,
    }
}

/// Brings the Settings card into view (below the keys) for its photograph.
fn show_counters_card(app: &App) {
    app.js("document.getElementById('counters-card').scrollIntoView({block: 'start'}); return true;");
}

/// The top bar fits the window (its dots, the lock, the language and the clock all show).
fn assert_top_bar_fits(app: &App, language: &str) {
    let sizes = app.js(
        "const bar = document.querySelector('.topbar'); const clock = document.getElementById('clock').getBoundingClientRect(); \
         return [bar.scrollWidth, bar.clientWidth, Math.round(clock.right), window.innerWidth];",
    );
    let [scroll, client, clock_right, window] = [0, 1, 2, 3].map(|i| sizes[i].as_i64().unwrap_or(-1));
    assert!(
        scroll <= client && clock_right <= window,
        "the top bar overflows in {language}: {scroll} > {client} or the clock ends at {clock_right} of {window}"
    );
}

/// Switches the window to English and waits for it.
fn english(app: &App) {
    app.click("#lang-switch");
    app.wait_js("English", "return document.documentElement.lang === 'en'");
}

#[test]
fn a_counter_on_the_shops_ledger_shows_its_dot_and_hears_another_counters_sale_at_once() {
    let recur = recur_sandbox::Sandbox::start(recur_sandbox::SandboxConfig::for_tests()).expect("sandbox");
    let db = ShopDatabase::fresh();
    let home = tempfile::tempdir().expect("the counter's own folder");
    let url = db.admin_url();
    let home_path = home.path().display().to_string();
    let keys = on(&recur);
    let mut env: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend([
        ("RECUR_POS_DB", url.as_str()),
        ("RECUR_POS_HOME", home_path.as_str()),
        ("RECUR_POS_SHOP", "台北店"),
        ("RECUR_POS_COUNTER", "前台"),
    ]);
    let app = App::launch_with("shop-ledger", &env);

    // The database's dot, green with its word; the hub's listener and tunnel are not this
    // counter's, so their dots are not shown.
    app.wait_js(
        "the shop ledger's dot, connected",
        "const d = document.getElementById('dot-ledger'); return !d.hidden && d.dataset.state === 'ok'",
    );
    assert_eq!(app.text("#dot-ledger"), "店內帳本 已連線");
    assert_eq!(
        app.js("return [document.getElementById('dot-listener').hidden, document.getElementById('dot-tunnel').hidden]"),
        serde_json::json!([true, true])
    );
    assert_top_bar_fits(&app, "zh-TW");
    app.shot("topbar-zh");

    // Another counter of the shop rings up a cash sale: Today shows it by itself.
    app.click(".tab[data-view=\"today\"]");
    app.wait_js("Today, empty", "return !document.getElementById('today-empty').hidden");
    let back_office =
        Ledger::open_at(&url, None, Origin::new("台北店", "後台").expect("origin")).expect("a second handle");
    let written = Instant::now();
    let sale = back_office
        .record_cash_sale(latte(), Money::new(200), Timestamp::now())
        .expect("the back office's cash sale");
    app.wait_js(
        "the back office's sale in Today, with no click",
        &format!(
            "const r = document.querySelector('#today-rows tr[data-sale-id=\"{}\"]'); return !!r && r.dataset.state === 'PAID';",
            sale.id
        ),
    );
    let heard = written.elapsed();
    assert!(
        heard < Duration::from_secs(5),
        "another counter's sale took {heard:?} to reach the window"
    );
    assert!(app.text("#today-rows").contains("拿鐵（後台）"));
    app.shot("today-heard");

    // Settings: the names from the environment, where the ledger is (never its password),
    // and RECUR_POS_DB's ledger cannot be left or changed here.
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "the counters card",
        "const c = document.getElementById('counters-card'); return c.dataset.loading === 'false' && document.getElementById('in-counters-counter').value === '前台'",
    );
    assert_eq!(
        app.js("return [document.getElementById('in-counters-shop').value, document.getElementById('in-counters-shop').disabled, document.getElementById('in-counters-counter').disabled, document.getElementById('counters-name-save').disabled, document.getElementById('counters-names-env').hidden]"),
        serde_json::json!(["台北店", true, true, true, false]),
        "names set by the environment are shown, locked, and say why"
    );
    assert_eq!(app.text("#counters-state"), "已連線");
    let at = app.text("#counters-at");
    assert!(
        at.starts_with("postgres://recur@127.0.0.1:") && at.ends_with(&db.name),
        "{at}"
    );
    assert!(
        !app.text("#view-settings").contains("recur:recur"),
        "the password is on screen"
    );
    assert!(!app
        .js("return document.getElementById('counters-env').hidden")
        .as_bool()
        .unwrap());
    assert_eq!(
        app.js("return ['in-counters-url', 'counters-test', 'counters-join'].every((id) => document.getElementById(id).disabled)"),
        true,
        "RECUR_POS_DB names the ledger: nothing to join here"
    );
    show_counters_card(&app);
    app.shot("settings-zh");

    english(&app);
    assert_eq!(app.text("#counters-state"), "Connected");
    show_counters_card(&app);
    app.shot("settings-en");
    app.click(".tab[data-view=\"sell\"]");
    assert_eq!(app.text("#dot-ledger"), "Shop ledger Connected");
    assert_top_bar_fits(&app, "English");
    app.shot("topbar-en");
}

#[test]
fn a_counter_on_its_own_file_joins_the_shop_from_settings_and_leaves_it() {
    let recur = recur_sandbox::Sandbox::start(recur_sandbox::SandboxConfig::for_tests()).expect("sandbox");
    let role = format!("pos_{:x}", unique());
    let password = format!("Pw-{:x}-secret", unique());
    let db = ShopDatabase::with_role(&role, &password);
    // The shop's ledger already holds two sales (of this environment).
    {
        let hub = Ledger::open_at(&db.role_url(), Some(&password), Origin::new("台北店", "後台").unwrap())
            .expect("the shop's ledger");
        hub.claim_environment("sandbox").expect("a sandbox ledger");
        for _ in 0..2 {
            hub.record_cash_sale(latte(), Money::new(150), Timestamp::now())
                .expect("a sale");
        }
    }
    let data = tempfile::tempdir().expect("the counter's data folder");
    let data_home = data.path().display().to_string();
    let keys = on(&recur);
    let mut env: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend([
        // Its own file, in a data folder of this test's.
        ("RECUR_POS_DB", ""),
        ("XDG_DATA_HOME", data_home.as_str()),
        ("RECUR_POS_COUNTER", "前台"),
    ]);
    let app = App::launch_with("shop-join", &env);
    assert_eq!(
        app.js("return document.getElementById('dot-ledger').hidden"),
        true,
        "a counter's own file has no database dot"
    );

    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "the join form",
        "return document.getElementById('counters-card').dataset.loading === 'false' && !document.getElementById('counters-join').disabled",
    );
    assert_eq!(app.text("#counters-state"), "單機");
    assert_eq!(app.text("#counters-at"), "這台收銀機自己的帳本檔案");

    // A typing mistake is said in this card's words, before anything is tried.
    app.type_into("#in-counters-url", "192.168.1.10/shop");
    app.click("#counters-test");
    app.wait_js(
        "the address refused",
        "return document.getElementById('counters-result').dataset.code === 'invalid_input'",
    );
    assert!(
        app.text("#counters-result").contains("postgres://"),
        "{}",
        app.text("#counters-result")
    );

    // A wrong password: the database cannot be reached, said with what to check.
    let address = db.role_url();
    app.js("document.getElementById('in-counters-url').value = ''; return true;");
    app.type_into("#in-counters-url", &address);
    app.type_into("#in-counters-password", "wrong-password-1");
    app.click("#counters-test");
    app.wait_js(
        "the wrong password refused",
        "return document.getElementById('counters-result').dataset.code === 'ledger_unreachable'",
    );
    assert!(
        app.text("#counters-result").contains("密碼"),
        "{}",
        app.text("#counters-result")
    );
    let details = app.js("return document.getElementById('counters-result').title");
    assert!(
        !details.as_str().unwrap_or_default().contains("wrong-password-1"),
        "{details}"
    );

    // The test finds the shop's two sales; no password in the address, none shown.
    app.js("document.getElementById('in-counters-password').value = ''; return true;");
    app.type_into("#in-counters-password", &password);
    app.click("#counters-test");
    app.wait_js(
        "the connection test's answer",
        "return document.getElementById('counters-result').dataset.sales === '2' && !document.getElementById('counters-test').disabled",
    );
    let found = app.text("#counters-result");
    assert!(found.contains("2 筆交易") && found.contains("測試環境"), "{found}");
    show_counters_card(&app);
    app.shot("settings-test-zh");

    // Joining is the manager's: locked, the PIN is asked for, then the counter re-opens on the
    // shop's ledger.
    app.click("#manager-lock");
    app.wait_js(
        "cashier mode",
        "return document.getElementById('manager-lock').dataset.state === 'locked'",
    );
    app.click("#counters-join");
    app.enter_pin(&[MANAGER_PIN]);
    app.wait_js(
        "the shop ledger's dot, connected",
        "const d = document.getElementById('dot-ledger'); return !d.hidden && d.dataset.state === 'ok'",
    );
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "the card, joined",
        "return document.getElementById('counters-state').dataset.state === 'ok' && !document.getElementById('counters-joined').hidden",
    );
    assert_eq!(app.text("#counters-at"), address.trim_end_matches('/'));
    // The shop's ledger had no PIN: it took the manager's who joined, who is still in.
    app.wait_js(
        "the manager still in, on the shop's ledger",
        "return document.getElementById('manager-lock').dataset.state === 'unlocked'",
    );
    assert!(
        app.text("#counters-result").contains("已加入"),
        "{}",
        app.text("#counters-result")
    );

    // The counter's name is the environment's (locked); the shop is named here, and the next
    // sale records both.
    assert_eq!(
        app.js("return [document.getElementById('in-counters-counter').disabled, document.getElementById('in-counters-shop').disabled, document.getElementById('counters-name-save').disabled]"),
        serde_json::json!([true, false, false])
    );
    app.type_into("#in-counters-shop", "淡水店");
    app.click("#counters-name-save");
    app.wait_js(
        "the names saved",
        "return document.getElementById('counters-result').textContent.includes('淡水店') && !document.getElementById('counters-name-save').disabled",
    );
    assert_eq!(
        app.text("#counters-result"),
        "已儲存：分店「淡水店」，收銀機「前台」。之後的交易都會記下這兩個名稱。"
    );
    let sold = app
        .session
        .execute_async(
            "const done = arguments[arguments.length - 1];              window.__TAURI__.core.invoke('charge_cash', {input: {product_id: 'prod_latte'}, tendered: null})                .then((r) => done(JSON.stringify(r.sale)), (e) => done('failed: ' + JSON.stringify(e)));",
            vec![],
        )
        .expect("a cash sale");
    let sold: serde_json::Value =
        serde_json::from_str(sold.as_str().unwrap_or_default()).expect("the cash sale's JSON");
    assert_eq!(
        (sold["shop"].as_str(), sold["counter"].as_str()),
        (Some("淡水店"), Some("前台")),
        "{sold}"
    );
    show_counters_card(&app);
    app.shot("settings-joined-zh");
    english(&app);
    show_counters_card(&app);
    app.shot("settings-joined-en");

    // The password is in the keyring only: not in the page, any DTO, settings.json or a log.
    let page = app.js(
        "const values = Array.from(document.querySelectorAll('input')).map((i) => i.value).join('\\n'); \
         return document.body.innerText + '\\n' + values;",
    );
    assert!(
        !page.as_str().unwrap().contains(&password),
        "the password is in the page"
    );
    let dtos = app
        .session
        .execute_async(
            "const done = arguments[arguments.length - 1]; const i = window.__TAURI__.core.invoke; \
             Promise.all([i('shop_status'), i('shared_ledger_status'), i('settings'), i('app_status')]) \
               .then((all) => done(JSON.stringify(all)), (e) => done('failed: ' + JSON.stringify(e)));",
            vec![],
        )
        .expect("the DTOs");
    let dtos = dtos.as_str().unwrap_or_default().to_owned();
    assert!(dtos.contains(&role) && !dtos.contains(&password), "{dtos}");
    let folder = data.path().join("recur-pos");
    let settings = std::fs::read_to_string(folder.join("settings.json")).expect("settings.json");
    assert!(settings.contains(&role) && !settings.contains(&password), "{settings}");
    let mut files = vec![];
    for entry in std::fs::read_dir(folder.join("logs"))
        .expect("the logs folder")
        .flatten()
    {
        files.push(std::fs::read_to_string(entry.path()).unwrap_or_default());
    }
    assert!(!files.is_empty(), "no log written");
    assert!(
        files.iter().all(|log| !log.contains(&password)),
        "the password is in a log"
    );

    // Leaving (pressed twice) goes back to the counter's own file: no dot.
    app.click("#counters-leave");
    app.click("#counters-leave");
    app.wait_js(
        "the dot gone",
        "return document.getElementById('dot-ledger').hidden && !document.getElementById('dot-listener').hidden",
    );
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js(
        "the join form again",
        "return document.getElementById('counters-card').dataset.loading === 'false' && !document.getElementById('counters-form').hidden",
    );
    assert_eq!(app.text("#counters-at"), "This counter's own ledger file");
}

/// A PostgreSQL cluster of this test's own (scripts/pg.sh in a folder and on a port of its
/// own), so it can be stopped under a running counter: the shared test cluster never is.
struct OwnCluster {
    dir: std::path::PathBuf,
    port: u16,
}

impl OwnCluster {
    fn start() -> OwnCluster {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = OwnCluster {
            dir: std::path::PathBuf::from(format!("/tmp/recur-pos-pg-e2e-{:x}", unique())),
            port,
        };
        cluster.pg("start");
        cluster
    }

    /// `postgres://recur:recur@127.0.0.1:PORT/recur` (pg.sh makes the role and the database).
    fn url(&self) -> String {
        format!("postgres://recur:recur@127.0.0.1:{}/recur", self.port)
    }

    fn pg(&self, command: &str) {
        let status = std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg.sh"))
            .arg(command)
            .env("RECUR_POS_PG_DIR", &self.dir)
            .env("RECUR_POS_PG_PORT", self.port.to_string())
            .status()
            .expect("scripts/pg.sh runs");
        assert!(status.success(), "scripts/pg.sh {command} failed: {status}");
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        self.pg("stop");
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(self.dir.with_extension("lock"));
    }
}

#[test]
fn while_the_shops_ledger_is_away_recur_is_paused_cash_waits_and_is_sent_when_it_is_back() {
    let recur = recur_sandbox::Sandbox::start(recur_sandbox::SandboxConfig::for_tests()).expect("sandbox");
    let cluster = OwnCluster::start();
    let home = tempfile::tempdir().expect("the counter's own folder");
    let (url, home_path) = (cluster.url(), home.path().display().to_string());
    let keys = on(&recur);
    let mut env: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend([
        ("RECUR_POS_DB", url.as_str()),
        ("RECUR_POS_HOME", home_path.as_str()),
        ("RECUR_POS_COUNTER", "前台"),
    ]);
    let app = App::launch_with("shop-offline", &env);
    app.wait_js(
        "the shop ledger's dot, connected",
        "const d = document.getElementById('dot-ledger'); return !d.hidden && d.dataset.state === 'ok'",
    );

    // The database stops: the dot turns red and Sell says what still works.
    cluster.pg("stop");
    app.wait_js(
        "the shop ledger's dot, offline",
        "return document.getElementById('dot-ledger').dataset.state === 'error'",
    );
    assert_eq!(app.text("#dot-ledger"), "店內帳本 離線");
    app.wait_js(
        "Sell's offline banner",
        "return !document.getElementById('ledger-offline').hidden",
    );

    // A subscription needs Recur: Charge waits, Enter says why, and no Pay screen opens.
    app.click(".tile[data-product-id=\"prod_coffee_monthly\"]");
    assert!(!app
        .js("return document.getElementById('needs-recur').hidden")
        .as_bool()
        .unwrap());
    assert_eq!(app.js("return document.getElementById('charge').disabled"), true);
    app.js("document.getElementById('email').focus(); return true;");
    app.type_into("#email", "\u{E007}");
    app.wait_js(
        "the refusal said",
        "return document.getElementById('charge-error').dataset.code === 'ledger_unreachable'",
    );
    assert!(app.text("#charge-error").contains("無法連線到店內共用帳本"));
    assert_eq!(app.js("return document.getElementById('view-pay').hidden"), true);
    // The core refuses a Recur sale on its own too (the window's guard aside): nothing reaches Recur.
    let refused = app
        .session
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI__.core.invoke('charge', {input: {product_id: 'prod_latte', mode: null, customer_email: null, customer_name: null}}) \
               .then(() => done('charged'), (e) => done(e.code));",
            vec![],
        )
        .expect("charge answered");
    assert_eq!(refused, "ledger_unreachable");

    // A one-off product: cash is picked for the cashier, Recur cannot be.
    app.click(".tile[data-product-id=\"prod_latte\"]");
    assert_eq!(
        app.js(
            "return [document.getElementById('tender-cash').checked, document.getElementById('tender-recur').disabled]"
        ),
        serde_json::json!([true, true])
    );
    assert_eq!(app.text("#tender-recur-label"), "Recur 付款（暫停）");
    app.type_into("#tendered", "200");
    app.shot("sell-offline-zh");
    app.click("#charge");
    app.wait_js(
        "the cash sale done",
        "return !document.getElementById('cash-done').hidden && document.getElementById('cash-done').dataset.state === 'PAID'",
    );
    app.wait_js(
        "one cash sale waiting on the dot",
        "return document.getElementById('dot-ledger').dataset.waiting === '1'",
    );
    assert_eq!(app.text("#dot-ledger"), "店內帳本 離線");
    assert_eq!(app.text("#dot-ledger-waiting"), "1 筆現金待上傳");
    let waiting_sale = app.js("return document.getElementById('cash-done').dataset.saleId");
    let waiting_sale = waiting_sale.as_str().expect("a sale id").to_owned();
    app.click("#cash-done-next");
    app.shot("topbar-offline-zh");
    english(&app);
    assert_eq!(app.text("#dot-ledger"), "Shop ledger Offline");
    assert_eq!(app.text("#dot-ledger-waiting"), "1 cash sale waiting");
    app.click(".tile[data-product-id=\"prod_latte\"]");
    assert_top_bar_fits(&app, "English, offline");
    app.shot("sell-offline-en");

    // The database is back: the dot turns green, the waiting sale is sent, Recur is offered again.
    cluster.pg("start");
    app.wait_js(
        "the shop ledger's dot, connected again, nothing waiting",
        "const d = document.getElementById('dot-ledger'); return d.dataset.state === 'ok' && d.dataset.waiting === '0'",
    );
    assert_eq!(app.text("#dot-ledger"), "Shop ledger Connected");
    assert_eq!(
        app.js("return document.getElementById('dot-ledger-waiting').hidden"),
        true
    );
    assert_eq!(
        app.js("return [document.getElementById('ledger-offline').hidden, document.getElementById('tender-recur').disabled]"),
        serde_json::json!([true, false])
    );
    let shop = Ledger::open_at(&url, None, Origin::default()).expect("the shop's ledger");
    let sent = shop
        .sale(&recur_domain::TxnId::new(&waiting_sale))
        .expect("read")
        .expect("the waiting cash sale is in the shop's ledger");
    assert_eq!(sent.sale.counter, "前台");
}
