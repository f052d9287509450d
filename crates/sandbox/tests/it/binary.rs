//! The `recur-sandbox` binary: its help text and a real run.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_recur-sandbox");

#[test]
fn help_lists_flags_and_cards() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "--port",
        "--secret-key",
        "--webhook-url",
        "--webhook-secret",
        "--catalog",
        "--session-ttl",
        "--rate-limit",
        "--duplicate-rate",
        "--shuffle",
        "--delay-ms",
        "--drop-rate",
        "--api-500-rate",
        "--api-429-rate",
        "--api-slow-ms",
        "--seed",
        "--lan",
        "--camel-case",
        "--einvoice",
        "--omit-metadata",
        "--completed-after-decline",
        "4147 6310 0000 0001",
        "3560 5110 0000 0001",
        "4000 0000 0000 0002",
        "4000 0000 0000 9995",
        "4000 0000 0000 0069",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

#[test]
fn runs_and_serves_the_api() {
    let mut child = Command::new(BIN)
        .args([
            "--port",
            "0",
            "--secret-key",
            "sk_test_bin",
            "--rate-limit",
            "0",
            "--delay-ms",
            "5-10",
            "--lan",
            "127.0.0.2",
            "--camel-case",
            "--einvoice",
            "off",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        lines.push(line);
    }
    let base = lines[0].trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{lines:?}");
    assert!(
        lines[2].contains("phone test") && lines[2].contains("http://127.0.0.2:"),
        "{lines:?}"
    );
    let http = reqwest::blocking::Client::new();
    let status = http
        .get(format!("{base}/v1/products"))
        .bearer_auth("sk_test_bin")
        .send()
        .map(|r| r.status().as_u16());
    let body =
        serde_json::json!({"productId": "prod_latte", "successUrl": "https://a.tw/ok", "cancelUrl": "https://a.tw/no"});
    let created: Option<serde_json::Value> = http
        .post(format!("{base}/v1/checkout/sessions"))
        .bearer_auth("sk_test_bin")
        .json(&body)
        .send()
        .and_then(|r| r.json())
        .ok();
    let quirks: Option<serde_json::Value> = http
        .get(format!("{base}/_sandbox/quirks"))
        .send()
        .and_then(|r| r.json())
        .ok();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status.unwrap(), 200);
    let created = created.expect("a session");
    assert!(
        created["url"].as_str().unwrap().starts_with("http://127.0.0.2:"),
        "{created}"
    );
    assert!(created["productId"].is_string(), "--camel-case: {created}");
    assert_eq!(quirks.expect("quirks")["einvoice"], "off");
}
