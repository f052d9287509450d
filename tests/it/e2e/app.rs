//! The harness: one real `recur-pos` app on the embedded sandbox per test, driven through
//! tauri-driver, with helpers that poll the DOM against a deadline (never fixed sleeps).

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::driver::{Session, TauriDriver};

/// One app window at a time: two WebKit instances on two cores make both slow and flaky.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// How long any one expected change may take on a loaded 2-core machine.
const DEADLINE: Duration = Duration::from_secs(20);
/// How long a window may take to boot and open its counter.
const BOOT_DEADLINE: Duration = Duration::from_secs(60);

pub const PAY_CARD: &str = "4147631000000001";
/// The manager's PIN every test's app is given (see [`App::become_manager`]).
pub const MANAGER_PIN: &str = "2468";
pub const DECLINE_CARD: &str = "4000000000000002";

pub struct App {
    pub session: Session,
    name: &'static str,
    shots: PathBuf,
    _driver: TauriDriver,
    _dir: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

/// A checkout as the Pay screen shows it.
#[derive(Clone, Debug)]
pub struct Checkout {
    pub sale_id: String,
    pub url: String,
}

impl Checkout {
    /// `http://127.0.0.1:PORT` of the embedded sandbox that serves this checkout.
    pub fn origin(&self) -> String {
        let url = url::Url::parse(&self.url).expect("checkout URL");
        url.origin().ascii_serialization()
    }

    pub fn session_id(&self) -> String {
        self.url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .expect("an id")
            .to_owned()
    }

    /// Pays through the sandbox's control API as a customer would; returns the HTTP status.
    pub fn pay(&self, card: &str) -> u16 {
        let url = format!("{}/_sandbox/sessions/{}/pay", self.origin(), self.session_id());
        let body = json!({"card_number": card, "email": "customer@example.tw", "name": "王小明"});
        reqwest::blocking::Client::new()
            .post(url)
            .json(&body)
            .send()
            .expect("sandbox pay")
            .status()
            .as_u16()
    }

    /// Expires the session now through the sandbox's control API.
    pub fn expire(&self) {
        let url = format!("{}/_sandbox/sessions/{}/expire", self.origin(), self.session_id());
        let status = reqwest::blocking::Client::new()
            .post(url)
            .send()
            .expect("sandbox expire")
            .status();
        assert!(status.is_success(), "expire answered {status}");
    }

    /// Has the sandbox sign and deliver `event` (`{"type": …, "data": …}`) to the app's listener,
    /// as Recur would; returns the event id.
    pub fn post_event(&self, event: &Value) -> String {
        let url = format!("{}/_sandbox/events", self.origin());
        let answer = reqwest::blocking::Client::new()
            .post(url)
            .json(event)
            .send()
            .expect("sandbox events");
        assert!(
            answer.status().is_success(),
            "the sandbox refused {event}: {}",
            answer.status()
        );
        answer.json::<Value>().expect("an event id")["id"]
            .as_str()
            .expect("an event id")
            .to_owned()
    }

    /// Opens the hosted page as the customer's phone would (the sandbox emits `checkout.created`).
    pub fn open_page(&self) {
        let status = reqwest::blocking::get(&self.url).expect("hosted page").status();
        assert!(status.is_success(), "hosted page answered {status}");
    }
}

impl App {
    /// Starts the app (fresh ledger, an empty keyring namespace, no key) and waits for Sell.
    pub fn launch(name: &'static str) -> App {
        App::launch_with(name, &[])
    }

    /// The same, with more environment for the app; the manager's PIN is set and in (as after
    /// the first-run dialog), so a test reaches every screen. See [`App::launch_locked`].
    pub fn launch_with(name: &'static str, extra_env: &[(&str, &str)]) -> App {
        let app = App::launch_locked(name, extra_env);
        app.become_manager();
        app.wait_js(
            "the Sell screen with the catalogue",
            "return !document.getElementById('view-sell').hidden && document.querySelectorAll('#tiles .tile').length > 0",
        );
        app
    }

    /// Starts the app with no manager PIN set yet and waits until its window has booted
    /// (whatever the catalogue does): a cashier's counter on its first run, its dialog asking
    /// for a PIN open.
    pub fn launch_locked(name: &'static str, extra_env: &[(&str, &str)]) -> App {
        let app = App::launch_until_ready(name, extra_env);
        app.wait_js(
            "the manager's state read",
            "return document.body.dataset.managerKnown === 'true'",
        );
        app
    }

    fn launch_until_ready(name: &'static str, extra_env: &[(&str, &str)]) -> App {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the end-to-end tests need a display: run them under xvfb-run (scripts/test.sh does)"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let shots = artifacts_dir();
        std::fs::create_dir_all(&shots).expect("screenshot folder");
        let env = vec![
            ("RECUR_POS_DB", dir.path().join("ledger.db").display().to_string()),
            // Each test its own keyring namespace: a key one test saves never leaks into another.
            (
                "RECUR_POS_KEYRING_SERVICE",
                format!("tw.recur.pos.e2e.{}.{name}", std::process::id()),
            ),
            ("RECUR_POS_SHOP_NAME", "日光咖啡 Sunlight Café".to_owned()),
            ("RECUR_POS_POLL_MS", "500".to_owned()),
        ];
        let env: Vec<(&str, String)> = env
            .into_iter()
            .chain(extra_env.iter().map(|(k, v)| (*k, v.to_string())))
            .collect();
        let driver = TauriDriver::start(&env, &dir.path().join("tauri-driver.log"));
        // RECUR_POS_E2E_APP measures another build (e.g. the release binary) the same way.
        let binary = std::env::var("RECUR_POS_E2E_APP").unwrap_or_else(|_| env!("CARGO_BIN_EXE_recur-pos").to_owned());
        let session = driver.session(&binary);
        let app = App {
            session,
            name,
            shots,
            _driver: driver,
            _dir: dir,
            _turn: turn,
        };
        // The first window of a run starts WebKit, the accessibility bus and the keyring
        // cold (seen taking over 20 s on a freshly booted 2-core machine): a longer wait.
        app.wait_js_for(
            BOOT_DEADLINE,
            "the window to boot and the counter to open",
            "return document.body.dataset.booted === 'true' && !document.getElementById('view-sell').hidden",
        );
        // The webview keeps the language a previous test chose: every test starts in zh-TW.
        app.js("if (document.documentElement.lang !== 'zh-TW') document.getElementById('lang-switch').click(); return true;");
        app.wait_js("zh-TW, the default", "return document.documentElement.lang === 'zh-TW'");
        app
    }

    /// Sets the manager's PIN ([`MANAGER_PIN`]) through the top bar's lock and its dialog, as a
    /// shop owner does on the first run; the manager is then in for five minutes.
    pub fn become_manager(&self) {
        let asked = self.js("return !document.getElementById('pin-overlay').hidden");
        if asked != serde_json::Value::Bool(true) {
            self.click("#manager-lock");
        }
        self.enter_pin(&[MANAGER_PIN, MANAGER_PIN]);
        self.wait_js(
            "the manager in",
            "return document.getElementById('manager-lock').dataset.state === 'unlocked'",
        );
    }

    /// "Later" on the first run's PIN dialog.
    pub fn later(&self) {
        self.wait_js(
            "the first run's PIN dialog",
            "return !document.getElementById('pin-overlay').hidden",
        );
        self.click("#pin-cancel");
        self.wait_js(
            "the dialog gone",
            "return document.getElementById('pin-overlay').hidden",
        );
    }

    /// Types into the open PIN dialog (the PIN, and again when it is being set) and submits.
    pub fn enter_pin(&self, pins: &[&str]) {
        self.wait_js(
            "the PIN dialog",
            "return !document.getElementById('pin-overlay').hidden",
        );
        self.js("document.getElementById('pin-input').value = ''; document.getElementById('pin-again').value = ''; return true;");
        self.type_into("#pin-input", pins[0]);
        if let Some(again) = pins.get(1) {
            self.type_into("#pin-again", again);
        }
        self.click("#pin-ok");
    }

    /// The app's data folder (its ledger, settings.json, backups/, logs/).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// Polls `script` until it returns something truthy; panics after the deadline.
    pub fn wait_js(&self, what: &str, script: &str) -> Value {
        self.wait_js_for(DEADLINE, what, script)
    }

    /// [`App::wait_js`] with a deadline of its own; the panic says what the window showed.
    pub fn wait_js_for(&self, limit: Duration, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + limit;
        let mut last: Value;
        loop {
            match self.session.execute(script, vec![]) {
                Ok(value) if truthy(&value) => return value,
                Ok(value) => last = value,
                Err(e) => last = Value::String(e),
            }
            if Instant::now() > deadline {
                self.shot("timeout");
                let shown = self
                    .session
                    .execute("return document.body.innerText.slice(0, 600)", vec![])
                    .unwrap_or_else(Value::String);
                panic!(
                    "{}: waited {limit:?} for {what}; last answer {last}; the window showed {shown}",
                    self.name
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn js(&self, script: &str) -> Value {
        self.session
            .execute(script, vec![])
            .unwrap_or_else(|e| panic!("{}: script failed: {e}", self.name))
    }

    /// Clicks the element at `css`, waiting for it to exist and be enabled.
    pub fn click(&self, css: &str) {
        let quoted = serde_json::to_string(css).expect("css");
        self.wait_js(
            &format!("{css} to be clickable"),
            &format!(
                "const e = document.querySelector({quoted}); return !!e && !e.disabled && e.offsetParent !== null;"
            ),
        );
        // Out of the way of the sticky top bar, as a person scrolls to what they press.
        self.js(&format!(
            "document.querySelector({quoted}).scrollIntoView({{block: 'center'}}); return true;"
        ));
        let element = self.session.find(css).unwrap_or_else(|e| panic!("{css}: {e}"));
        self.session
            .click(&element)
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.session.find(css).unwrap_or_else(|e| panic!("{css}: {e}"));
        self.session
            .send_keys(&element, text)
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    pub fn text(&self, css: &str) -> String {
        let quoted = serde_json::to_string(css).expect("css");
        self.js(&format!(
            "const e = document.querySelector({quoted}); return e ? e.textContent.trim() : null;"
        ))
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Saves a screenshot as `<artifacts>/<test>-<step>.png` and returns its bytes.
    pub fn shot(&self, step: &str) -> Vec<u8> {
        // What the DOM says now must be painted first: two animation frames.
        let painted = "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
        let _ = self.session.execute_async(painted, vec![]);
        let png = self.session.screenshot().unwrap_or_else(|e| panic!("screenshot: {e}"));
        let path = self.shots.join(format!("{}-{step}.png", self.name));
        std::fs::write(&path, &png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self.assert_translated(step);
        png
    }

    /// Every screen that is photographed is also read: no string key (`attention.over_refunded`,
    /// `errors.recur.network`, …) may stand where a sentence belongs, in the text or a tooltip.
    fn assert_translated(&self, step: &str) {
        let shown = self.js(
            "return document.body.innerText + '\\n' + \
             Array.from(document.querySelectorAll('[title], [aria-label], [placeholder]')) \
               .map((e) => [e.title, e.getAttribute('aria-label'), e.placeholder].filter(Boolean).join('\\n')).join('\\n');",
        );
        let shown = shown.as_str().unwrap_or_default();
        let raw: Vec<&String> = translation_keys()
            .iter()
            .filter(|key| shown.contains(key.as_str()))
            .collect();
        assert!(
            raw.is_empty(),
            "{}: untranslated keys on screen at {step}: {raw:?}",
            self.name
        );
    }

    /// Picks `product` on Sell (optionally SETUP and an email), presses Charge, and waits for
    /// the Pay screen with its QR painted.
    pub fn charge(&self, product: &str, setup: bool, email: Option<&str>) -> Checkout {
        self.wait_js("the Sell screen", "return !document.getElementById('view-sell').hidden");
        self.click(&format!(".tile[data-product-id=\"{product}\"]"));
        if setup {
            self.click("input[name=\"mode\"][value=\"SETUP\"]");
        }
        if let Some(email) = email {
            self.type_into("#email", email);
        }
        let before = self.js("return window.recurPosMetrics ? window.recurPosMetrics.chargeToQrMs.length : 0");
        self.click("#charge");
        self.wait_js(
            "the Pay screen with its QR painted",
            &format!(
                "return !document.getElementById('view-pay').hidden && !!document.getElementById('pay-qr').dataset.url \
                 && window.recurPosMetrics.chargeToQrMs.length > {before}"
            ),
        );
        self.checkout()
    }

    /// The checkout the Pay screen shows now.
    pub fn checkout(&self) -> Checkout {
        let found = self.js(
            "return {sale: document.getElementById('view-pay').dataset.saleId, url: document.getElementById('pay-qr').dataset.url}",
        );
        Checkout {
            sale_id: found["sale"].as_str().expect("a sale id on the Pay screen").to_owned(),
            url: found["url"]
                .as_str()
                .expect("a checkout URL on the Pay screen")
                .to_owned(),
        }
    }

    /// Waits until the Pay screen shows `state` (`OPEN`, `OPENED`, `PAID`, `FAILED`, `EXPIRED`).
    pub fn wait_pay_state(&self, state: &str) {
        self.wait_js(
            &format!("the Pay screen to show {state}"),
            &format!("return document.getElementById('view-pay').dataset.state === '{state}'"),
        );
    }

    /// Opens Today and waits for `sale` to show `state`.
    pub fn wait_today(&self, sale: &str, state: &str) {
        self.click(".tab[data-view=\"today\"]");
        self.wait_js(
            &format!("sale {sale} in Today as {state}"),
            &format!("const r = document.querySelector('#today-rows tr[data-sale-id=\"{sale}\"]'); return !!r && r.dataset.state === '{state}';"),
        );
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.session.close();
    }
}

fn truthy(value: &Value) -> bool {
    !matches!(value, Value::Null | Value::Bool(false)) && value != &json!("") && value != &json!(0)
}

/// `$RECUR_POS_ARTIFACTS/screenshots`, default `<repo>/test-artifacts/screenshots`.
pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("RECUR_POS_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-artifacts"))
        .join("screenshots")
}

/// Every key of the UI's string tables, flattened (`attention.amount_mismatch`, …), with the
/// `errors.` codes both as keys and as the bare codes the UI would show if a sentence were missing.
fn translation_keys() -> &'static Vec<String> {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        fn walk(prefix: &str, value: &Value, out: &mut Vec<String>) {
            match value.as_object() {
                Some(map) => map.iter().for_each(|(k, v)| walk(&format!("{prefix}{k}."), v, out)),
                None => out.push(prefix.trim_end_matches('.').to_owned()),
            }
        }
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/i18n/en.json");
        let strings: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("en.json")).expect("JSON");
        let mut keys = Vec::new();
        walk("", &strings, &mut keys);
        // Short keys (`app.title`, …) would match ordinary words; the ones that matter are the
        // tables whose keys come from Rust.
        keys.retain(|k| {
            ["attention.", "failure.", "errors.", "state.", "outcome.", "cause."]
                .iter()
                .any(|p| k.starts_with(p))
        });
        keys
    })
}
