//! The headless CLI end to end: the real `recur-pos-cli` binary against a real sandbox over
//! loopback, with a real ledger file and its own keyring namespace.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use recur_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

use crate::support::{cli, keyring_service, parse_one_document};

pub struct Shop {
    pub sandbox: Sandbox,
    _dir: tempfile::TempDir,
    pub db: PathBuf,
    pub keyring: String,
}

impl Shop {
    pub fn new() -> Shop {
        let sandbox = Sandbox::start(SandboxConfig::for_tests()).expect("sandbox starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("ledger.db");
        Shop {
            sandbox,
            _dir: dir,
            db,
            keyring: keyring_service(),
        }
    }

    /// The binary on this shop's ledger and keyring, with no key in its environment.
    pub fn bare(&self, args: &[&str]) -> Command {
        let mut cmd = cli(&self.db, &self.keyring);
        cmd.args(args);
        cmd
    }

    /// The binary with this shop's sandbox key in its environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.bare(args);
        cmd.env("RECUR_API_BASE", self.sandbox.base_url())
            .env("RECUR_SECRET_KEY", self.sandbox.secret_key());
        cmd
    }

    /// `listen --port PORT` with the sandbox's webhook secret, once its port answers.
    pub fn listen(&self, port: u16) -> std::process::Child {
        let child = self
            .command(&["listen", "--port", &port.to_string()])
            .env("RECUR_WEBHOOK_SECRET", self.sandbox.webhook_secret())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "listener never came up");
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("recur-pos runs")
    }

    /// Runs a `--json` command that must succeed and returns its one JSON document.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        parse_one_document(&out.stdout)
    }

    fn control(&self, path: &str, body: Value) -> (u16, Value) {
        let response = reqwest::blocking::Client::new()
            .post(format!("{}{path}", self.sandbox.base_url()))
            .json(&body)
            .send()
            .expect("control route answers");
        let status = response.status().as_u16();
        (status, response.json().unwrap_or(Value::Null))
    }

    pub fn pay(&self, checkout_id: &str, card: &str) -> u16 {
        let body = serde_json::json!({ "card_number": card, "email": "customer@example.com" });
        self.control(&format!("/_sandbox/sessions/{checkout_id}/pay"), body).0
    }
}

pub fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {value}"))
}

#[test]
fn charge_prints_an_open_sale_with_its_checkout() {
    let shop = Shop::new();
    let sale = shop.json(&[
        "charge",
        "--product",
        "prod_latte",
        "--email",
        "a@example.com",
        "--name",
        "王小明",
        "--json",
    ]);
    assert_eq!(str_field(&sale, "state"), "OPEN");
    assert_eq!(str_field(&sale, "mode"), "PAYMENT");
    assert_eq!(str_field(&sale, "product_id"), "prod_latte");
    assert_eq!(sale["amount"], 120);
    let checkout = str_field(&sale, "checkout_id");
    assert!(
        str_field(&sale, "url").ends_with(checkout),
        "the url is the session's page"
    );
    let session = shop
        .sandbox
        .session_json(checkout)
        .expect("the sandbox knows the session");
    assert_eq!(
        session["metadata"]["transaction_id"], sale["id"],
        "our id travels in metadata"
    );
    assert_eq!(session["customer_email"], "a@example.com");
}

#[test]
fn paying_then_sweeping_marks_the_sale_paid_with_history() {
    let shop = Shop::new();
    let sale = shop.json(&["charge", "--product", "prod_latte", "--json"]);
    let id = str_field(&sale, "id");
    assert_eq!(shop.pay(str_field(&sale, "checkout_id"), "4147631000000001"), 200);

    let swept = shop.json(&["sweep", "--json"]);
    assert_eq!(swept["changed"], 1);
    let detail = shop.json(&["sale", id, "--json"]);
    assert_eq!(str_field(&detail, "state"), "PAID");
    assert!(detail["order_id"].is_string(), "the order number is kept: {detail}");
    let causes: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| str_field(t, "cause"))
        .collect();
    assert_eq!(
        causes.last(),
        Some(&"session_read"),
        "history records what confirmed it: {causes:?}"
    );
}

#[test]
fn charge_wait_prints_the_sale_once_when_paid() {
    let shop = Shop::new();
    let child = shop
        .command(&["charge", "--product", "prod_coffee_monthly", "--wait", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("charge --wait starts");
    let checkout = wait_for_new_session(&shop.sandbox);
    assert_eq!(shop.pay(&checkout, "3560511000000001"), 200, "JCB test card pays");
    let out = child.wait_with_output().expect("charge --wait ends");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sale = parse_one_document(&out.stdout);
    assert_eq!(str_field(&sale, "state"), "PAID");
    assert_eq!(str_field(&sale, "mode"), "SUBSCRIPTION");
    assert_eq!(str_field(&sale, "checkout_id"), checkout);
}

#[test]
fn charge_wait_reports_an_expired_checkout_with_exit_code_3() {
    let shop = Shop::new();
    let child = shop
        .command(&["charge", "--product", "prod_latte", "--wait", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let checkout = wait_for_new_session(&shop.sandbox);
    let (status, _) = shop.control(&format!("/_sandbox/sessions/{checkout}/expire"), Value::Null);
    assert_eq!(status, 200);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(str_field(&parse_one_document(&out.stdout), "state"), "EXPIRED");
}

#[test]
fn sales_lists_newest_first_and_filters_by_state() {
    let shop = Shop::new();
    let first = shop.json(&["charge", "--product", "prod_latte", "--json"]);
    let second = shop.json(&["charge", "--product", "prod_beans_half", "--mode", "SETUP", "--json"]);
    assert_eq!(second["amount"], 0, "SETUP charges nothing");
    assert_eq!(shop.pay(str_field(&first, "checkout_id"), "4147631000000001"), 200);
    shop.json(&["sweep", "--json"]);

    let all = shop.json(&["sales", "--json"]);
    let ids: Vec<&str> = all
        .as_array()
        .expect("a bare array")
        .iter()
        .map(|s| str_field(s, "id"))
        .collect();
    assert_eq!(ids, [str_field(&second, "id"), str_field(&first, "id")]);
    let paid = shop.json(&["sales", "--state", "paid", "--json"]);
    assert_eq!(paid.as_array().unwrap().len(), 1);
    assert_eq!(paid[0]["id"], first["id"]);
}

#[test]
fn bad_input_is_a_clear_error_and_records_nothing() {
    let shop = Shop::new();
    let cases: [(&[&str], i32, &str); 3] = [
        (&["charge", "--product", "prod_nope", "--json"], 1, "product_not_found"),
        (
            &["charge", "--product", "prod_latte", "--email", "not-an-email", "--json"],
            1,
            "invalid_input",
        ),
        (
            &["charge", "--product", "prod_latte", "--mode", "SUBSCRIPTION", "--json"],
            1,
            "mode_not_allowed",
        ),
    ];
    for (args, code, error) in cases {
        let out = shop.run(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        let doc = parse_one_document(&out.stdout);
        assert_eq!(doc["error"]["code"], error, "{args:?}: {doc}");
    }
    let out = shop.run(&["charge", "--mode", "PAYMENT"]);
    assert_eq!(out.status.code(), Some(2), "a missing --product is a usage error");
    assert_eq!(
        shop.json(&["sales", "--json"]),
        Value::Array(vec![]),
        "nothing was recorded"
    );
}

#[test]
fn a_failed_create_leaves_a_visible_failed_sale() {
    let shop = Shop::new();
    // Recur refuses a non-HTTPS return page: the sale was already written, so it must stay.
    let out = shop
        .command(&["charge", "--product", "prod_latte", "--json"])
        .env("RECUR_POS_SUCCESS_URL", "http://shop.example/ok")
        .env("RECUR_POS_CANCEL_URL", "http://shop.example/no")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = parse_one_document(&out.stdout);
    assert_eq!(doc["error"]["code"], "recur.invalid_request", "{doc}");
    assert_eq!(doc["sale"]["state"], "FAILED");
    let listed = shop.json(&["sales", "--state", "FAILED", "--json"]);
    assert_eq!(listed[0]["id"], doc["sale"]["id"]);
    assert_eq!(listed[0]["failure"]["code"], "create_failed", "{listed}");
    assert_eq!(
        listed[0]["failure"]["params"]["error"], "recur.invalid_request",
        "{listed}"
    );
}

#[test]
fn a_wrong_key_says_unauthorized() {
    let shop = Shop::new();
    let out = shop
        .command(&["charge", "--product", "prod_latte", "--json"])
        .env("RECUR_SECRET_KEY", "sk_test_wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(parse_one_document(&out.stdout)["error"]["code"], "recur.unauthorized");
    let out = shop
        .command(&["sales", "--json"])
        .env("RECUR_SECRET_KEY", "pk_test_publishable")
        .output()
        .unwrap();
    assert_eq!(
        parse_one_document(&out.stdout)["error"]["code"],
        "recur.publishable_key"
    );
}

#[test]
fn charge_qr_draws_the_code_on_stderr_only() {
    let shop = Shop::new();
    let out = shop.run(&["charge", "--product", "prod_latte", "--qr", "--json"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains('█') || stderr.contains('▀') || stderr.contains('▄'),
        "a QR drawn in blocks: {stderr}"
    );
    parse_one_document(&out.stdout);
}

/// The id of the first checkout session that appears in the sandbox.
fn wait_for_new_session(sandbox: &Sandbox) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(id) = sandbox.session_ids().last() {
            return id.clone();
        }
        assert!(Instant::now() < deadline, "no checkout session was created");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn day_close_and_csv_export_count_what_was_paid() {
    let shop = Shop::new();
    let paid = shop.json(&[
        "charge",
        "--product",
        "prod_gift_box",
        "--email",
        "a@example.com",
        "--json",
    ]);
    shop.json(&["charge", "--product", "prod_latte", "--json"]);
    assert_eq!(shop.pay(str_field(&paid, "checkout_id"), "4147631000000001"), 200);
    shop.json(&["sweep", "--json"]);

    let day = shop.json(&["day", "--json"]);
    assert_eq!(day["collected"], 1290, "{day}");
    assert_eq!(day["net"], 1290);
    let states: Vec<(&str, u64)> = day["by_state"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (str_field(t, "state"), t["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(states, [("OPEN", 1), ("PAID", 1)]);

    let out = shop.run(&["export"]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "header and two sales, oldest first: {csv}");
    assert!(
        lines[0].starts_with("\u{feff}id,created_at,state,tender,mode,product_id,amount,checkout_id"),
        "a byte-order mark, then the promised columns: {}",
        lines[0]
    );
    assert!(csv.contains("\r\n"), "CRLF line ends");
    assert!(
        lines[1].contains(str_field(&paid, "id")) && lines[1].contains(",PAID,") && lines[1].contains(",1290,"),
        "{}",
        lines[1]
    );
    let out = shop.run(&["export", "--from", "2020-01-01", "--to", "2020-01-02"]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().lines().count(),
        1,
        "only the header for days with no sales"
    );
}

#[test]
fn listen_journals_webhooks_and_events_shows_them() {
    let shop = Shop::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut listener = shop.listen(port);
    shop.sandbox
        .add_webhook_url(&format!("http://127.0.0.1:{port}/webhooks/recur"));
    let sale = shop.json(&["charge", "--product", "prod_latte", "--json"]);
    assert_eq!(shop.pay(str_field(&sale, "checkout_id"), "4147631000000001"), 200);
    assert!(shop.sandbox.wait_idle(Duration::from_secs(30)));
    listener.kill().ok();
    listener.wait().ok();

    let detail = shop.json(&["sale", str_field(&sale, "id"), "--json"]);
    assert_eq!(str_field(&detail, "state"), "PAID", "confirmed by the webhook alone");
    let events = shop.json(&["events", "--json"]);
    let types: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_field(e, "type"))
        .collect();
    assert!(
        types.contains(&"order.paid") && types.contains(&"checkout.completed"),
        "{types:?}"
    );
    for event in events.as_array().unwrap() {
        assert_eq!(event["verified"], true);
        assert_eq!(event["sale_id"], sale["id"], "every delivery matched our sale: {event}");
    }
    let first = str_field(&events[0], "event_id").to_owned();
    shop.json(&["reapply", &first, "--json"]);
    let again = shop.json(&["sale", str_field(&sale, "id"), "--json"]);
    assert_eq!(again["history"], detail["history"], "applying again changes nothing");
    assert_eq!(shop.json(&["events", "--unmatched", "--json"]), Value::Array(vec![]));
}

#[test]
fn a_sandbox_ledger_never_opens_for_a_live_key() {
    let shop = Shop::new();
    let sale = shop.json(&["charge", "--product", "prod_latte", "--tender", "cash", "--json"]);
    let id = str_field(&sale, "id").to_owned();
    let live = shop
        .bare(&["sales", "--json"])
        .env("RECUR_API_BASE", shop.sandbox.base_url())
        .env("RECUR_SECRET_KEY", "sk_live_not_for_this_ledger")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&live.stderr);
    assert_eq!(live.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("ledger_other_environment"), "{stderr}");
    assert!(!String::from_utf8_lossy(&live.stdout).contains(&id), "nothing listed");
    let sales = shop.json(&["sales", "--json"]);
    let ids: Vec<&str> = sales.as_array().unwrap().iter().map(|s| str_field(s, "id")).collect();
    assert_eq!(ids, [id.as_str()], "the sandbox ledger is as it was");
}
