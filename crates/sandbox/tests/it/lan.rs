//! Phone-test mode: the hosted checkout pages (and the small return pages) also listen on a
//! LAN address and session URLs carry it; `/v1` and the control routes are never served
//! there. Exercised on loopback addresses only: 127.0.0.2 plays the LAN.

use std::net::{IpAddr, Ipv4Addr, TcpStream};

use recur_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

use crate::support::{start, start_with, Env};

const LAN: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

fn phone_test() -> Env {
    start_with(SandboxConfig {
        lan: Some(LAN),
        ..SandboxConfig::for_tests()
    })
}

#[test]
fn the_lan_address_serves_the_hosted_pages_and_nothing_else() {
    let env = phone_test();
    let lan = env.sandbox.lan_base_url().expect("phone-test mode is on");
    assert!(lan.starts_with("http://127.0.0.2:"), "{lan}");
    assert_eq!(env.sandbox.page_base_url(), lan);
    // Plain http back to the sandbox's own LAN address is allowed, so a phone can land there.
    let s = env.create(
        "prod_latte",
        json!({"successUrl": format!("{lan}/_sandbox/return/success?session_id={{CHECKOUT_SESSION_ID}}"),
               "cancelUrl": format!("{lan}/_sandbox/return/cancel")}),
    );
    let id = s["id"].as_str().unwrap().to_owned();
    assert_eq!(
        s["url"],
        format!("{lan}/checkout/{id}"),
        "the QR code carries the LAN address"
    );
    let on_lan = |method: &str, path: &str| {
        let req = env.http.request(method.parse().unwrap(), format!("{lan}{path}"));
        let resp = req
            .bearer_auth(env.sandbox.secret_key())
            .json(&json!({}))
            .send()
            .unwrap();
        (resp.status().as_u16(), resp.text().unwrap())
    };
    // (method, path, status on the LAN address)
    let cases = [
        ("GET", format!("/checkout/{id}"), 200),
        ("GET", format!("/checkout/{id}?lang=en"), 200),
        ("GET", "/_sandbox/return/success?session_id=x".to_owned(), 200),
        ("GET", "/_sandbox/return/cancel".to_owned(), 200),
        ("GET", "/v1/products".to_owned(), 404),
        ("POST", "/v1/checkout/sessions".to_owned(), 404),
        ("GET", format!("/v1/checkout/sessions/{id}"), 404),
        ("GET", "/_sandbox/health".to_owned(), 404),
        ("GET", "/_sandbox/sessions".to_owned(), 404),
        ("POST", format!("/_sandbox/sessions/{id}/pay"), 404),
        ("POST", "/_sandbox/events".to_owned(), 404),
        ("GET", "/_sandbox/quirks".to_owned(), 404),
        ("GET", "/".to_owned(), 404),
    ];
    for (method, path, status) in &cases {
        assert_eq!(on_lan(method, path).0, *status, "{method} {path} on the LAN address");
    }
    let page = on_lan("GET", &format!("/checkout/{id}")).1;
    assert!(!page.contains("127.0.0.1"), "the page links nothing on loopback");
    let paid = env
        .http
        .post(format!("{lan}/checkout/{id}/pay"))
        .form(&[
            ("email", "phone@example.tw"),
            ("card_number", "4147631000000001"),
            ("exp", "12/39"),
        ])
        .send()
        .unwrap();
    assert_eq!(paid.status().as_u16(), 303);
    let landing = paid.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(landing, format!("{lan}/_sandbox/return/success?session_id={id}"));
    assert!(env
        .http
        .get(&landing)
        .send()
        .unwrap()
        .text()
        .unwrap()
        .contains("付款完成"));
    // Loopback still serves everything.
    assert_eq!(
        env.api("GET", &format!("/v1/checkout/sessions/{id}"), None).json["status"],
        "COMPLETE"
    );
    assert_eq!(env.get("/_sandbox/health").status, 200);
    // Another address is still https only.
    let other = json!({"productId": "prod_latte", "successUrl": "http://127.0.0.3/ok", "cancelUrl": "https://a.tw/no"});
    assert_eq!(
        env.api("POST", "/v1/checkout/sessions", Some(&other.to_string()))
            .status,
        400
    );
}

#[test]
fn off_by_default_and_never_on_every_address() {
    let env = start();
    assert_eq!(env.sandbox.lan_base_url(), None);
    assert_eq!(env.sandbox.page_base_url(), env.sandbox.base_url());
    assert!(
        TcpStream::connect((LAN, env.sandbox.port())).is_err(),
        "nothing listens beyond 127.0.0.1"
    );
    let s = env.create("prod_latte", json!({}));
    assert!(s["url"].as_str().unwrap().starts_with(&env.sandbox.base_url()));
    for everywhere in ["0.0.0.0", "::"] {
        let config = SandboxConfig {
            lan: Some(everywhere.parse().unwrap()),
            ..SandboxConfig::for_tests()
        };
        let refused = Sandbox::start(config).err().expect("the API must stay on loopback");
        assert_eq!(refused.code(), "invalid_config", "{everywhere}");
    }
}
