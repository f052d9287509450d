//! The issue's attack on the real `recur-pos listen`: a flood of unsigned posts claiming
//! `X-Recur-Event-Type: product.updated` makes no call to Recur (counted at the sandbox), while
//! one genuine signed `product.updated` does refresh the catalogue (so the count would show it).

use std::time::{Duration, Instant};

use recur_domain::signature;

use crate::cli::Shop;

const FLOOD: usize = 2_000;

fn settle(shop: &Shop) -> u64 {
    // Whatever `listen` reads at start (the catalogue, a first sweep) is done when the count
    // stops moving for a second.
    let mut last = shop.sandbox.api_request_count();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let now = shop.sandbox.api_request_count();
        if now == last || Instant::now() > deadline {
            return now;
        }
        last = now;
    }
}

#[test]
fn an_unsigned_product_updated_flood_makes_no_call_to_recur() {
    let shop = Shop::new();
    let port = crate::support::free_port();
    let mut listen = shop.listen(port);
    let url = format!("http://127.0.0.1:{port}/webhooks/recur");
    let client = reqwest::blocking::Client::new();
    let before = settle(&shop);

    let started = Instant::now();
    let mut refused = 0;
    for n in 0..FLOOD {
        let status = client
            .post(&url)
            .header("X-Recur-Event-Type", "product.updated")
            .header("X-Recur-Event-Id", format!("evt_flood_{n}"))
            .body(format!(
                r#"{{"id":"evt_flood_{n}","type":"product.updated","data":{{"id":"prod_latte"}}}}"#
            ))
            .send()
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        refused += usize::from(status == 401);
    }
    let flood_took = started.elapsed();
    let after_flood = settle(&shop);
    eprintln!(
        "flood: {FLOOD} unsigned product.updated posts in {flood_took:?}, {refused} answered 401; \
         Recur calls: {} before, {} after",
        before, after_flood
    );
    assert_eq!(refused, FLOOD, "every unsigned post is refused");
    assert_eq!(after_flood, before, "an unsigned post made the counter call Recur");

    // The same event, signed: the catalogue is read again (the counter sees real changes).
    let body = br#"{"id":"evt_real_product","type":"product.updated","data":{"id":"prod_latte"}}"#;
    let sig = signature::sign_base64(shop.sandbox.webhook_secret(), body);
    let status = client
        .post(&url)
        .header("X-Recur-Signature", sig)
        .body(body.to_vec())
        .send()
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    while shop.sandbox.api_request_count() == after_flood {
        assert!(
            Instant::now() < deadline,
            "a signed product.updated never refreshed the catalogue"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    listen.kill().ok();
    listen.wait().ok();
}
