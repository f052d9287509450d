//! `recur-pos keys …` end to end, on the real OS keyring (a throwaway GNOME keyring under the
//! README's test command): a stored key is what every later subcommand uses, with no key in the
//! environment — the window's rule, from the same code.

use std::io::Write;
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::cli::Shop;
use crate::support::parse_one_document;

/// Runs `args` with `input` on standard input.
fn with_stdin(shop: &Shop, args: &[&str], input: &str) -> Output {
    let mut child = shop
        .bare(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("recur-pos-cli runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn status(shop: &Shop) -> Value {
    let out = shop.bare(&["keys", "status", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    parse_one_document(&out.stdout)
}

#[test]
fn a_stored_key_is_used_by_every_later_command_with_none_in_the_environment() {
    let shop = Shop::new();
    let empty = status(&shop);
    assert_eq!(empty["secret_key"]["source"], "none", "{empty}");
    assert_eq!(
        empty["keyring"], "ok",
        "a keyring daemon must run for these tests: {empty}"
    );

    let key = format!("{}\n", shop.sandbox.secret_key());
    let base = shop.sandbox.base_url();
    let out = with_stdin(&shop, &["keys", "set", "secret-key", "--api-base", &base], &key);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = with_stdin(&shop, &["keys", "set", "webhook-secret"], "whsec_from_stdin_5678\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let stored = status(&shop);
    assert_eq!(stored["secret_key"]["source"], "keyring", "{stored}");
    let masked = stored["secret_key"]["masked"].as_str().unwrap();
    assert!(
        masked.starts_with("sk_test_") && !masked.contains(shop.sandbox.secret_key()),
        "{masked}"
    );
    assert_eq!(stored["webhook_secret"]["source"], "keyring");
    assert_eq!(stored["webhook_secret"]["masked"], "whsec_••••••••5678");

    let requests_before = shop.sandbox.api_request_count();
    let sale = shop.json(&["charge", "--product", "prod_latte", "--json"]);
    assert_eq!(sale["state"], "OPEN", "{sale}");
    let checkout = sale["checkout_id"].as_str().unwrap();
    assert!(
        shop.sandbox.session_json(checkout).is_some(),
        "the checkout was created at the API base saved with the key, with the stored key"
    );
    assert!(shop.sandbox.api_request_count() > requests_before);

    let out = shop.bare(&["keys", "clear"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(status(&shop)["secret_key"]["source"], "none");
}

#[test]
fn a_key_recur_refuses_or_a_malformed_one_is_never_stored() {
    let shop = Shop::new();
    let base = shop.sandbox.base_url();
    let cases = [
        (
            vec!["keys", "set", "secret-key", "--api-base", base.as_str()],
            "sk_test_not_this_sandboxes\n",
            "recur.unauthorized",
        ),
        (
            vec!["keys", "set", "secret-key"],
            "pk_test_publishable\n",
            "invalid_key",
        ),
        (
            vec!["keys", "set", "webhook-secret"],
            "sk_test_wrong_kind\n",
            "invalid_key",
        ),
        (vec!["keys", "set", "webhook-secret"], "\n", "invalid_key"),
    ];
    for (args, input, code) in cases {
        let out = with_stdin(&shop, &args, input);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(code), "{args:?} says {code}: {stderr}");
        assert!(
            !stderr.contains(input.trim()) || input.trim().is_empty(),
            "the key never comes back: {stderr}"
        );
    }
    let after = status(&shop);
    assert_eq!(
        (
            after["secret_key"]["source"].as_str(),
            after["webhook_secret"]["source"].as_str()
        ),
        (Some("none"), Some("none")),
        "{after}"
    );
}

#[test]
fn the_environment_wins_over_the_keyring() {
    let shop = Shop::new();
    let out = with_stdin(&shop, &["keys", "set", "webhook-secret"], "whsec_stored_1111\n");
    assert!(out.status.success());
    let out = shop
        .bare(&["keys", "status", "--json"])
        .env("RECUR_WEBHOOK_SECRET", "whsec_from_env_2222")
        .output()
        .unwrap();
    let doc = parse_one_document(&out.stdout);
    assert_eq!(doc["webhook_secret"]["source"], "env", "{doc}");
    assert_eq!(doc["webhook_secret"]["masked"], "whsec_••••••••2222");
}
