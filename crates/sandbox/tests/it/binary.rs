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
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");
    let status = reqwest::blocking::Client::new()
        .get(format!("{base}/v1/products"))
        .bearer_auth("sk_test_bin")
        .send()
        .map(|r| r.status().as_u16());
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status.unwrap(), 200);
}
