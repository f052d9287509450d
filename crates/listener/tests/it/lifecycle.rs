//! The return pages and their hook, the listener's addresses, refusing a taken port, a ledger
//! failure answered 500 (so Recur retries), and a shutdown that closes idle connections and
//! frees the port.

use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use recur_domain::Secret;
use recur_listener::{Hooks, Listener, ListenerConfig, ReturnKind, WEBHOOK_PATH};
use serde_json::json;

use crate::support::{event, wait_until, Client, Env, SECRET};

type Returns = Arc<Mutex<Vec<(ReturnKind, Option<String>)>>>;

#[test]
fn return_pages_thank_the_customer_and_tell_the_app() {
    let returns: Returns = Arc::default();
    let log = Arc::clone(&returns);
    let hooks = Hooks {
        on_outcome: None,
        on_return: Some(Arc::new(move |kind, session: Option<&str>| {
            log.lock().unwrap().push((kind, session.map(str::to_owned)))
        })),
    };
    let env = Env::start_with(|_| {}, hooks);
    let mut client = env.client();
    let cases = [
        (
            "/return/success?session_id=c1abc2def3ghi4jkl5mno6pqr",
            200,
            "付款完成",
            Some((ReturnKind::Success, Some("c1abc2def3ghi4jkl5mno6pqr"))),
        ),
        (
            "/return/success?session_id=%3Cscript%3E",
            200,
            "Payment complete",
            Some((ReturnKind::Success, None)),
        ),
        ("/return/cancel", 200, "已取消", Some((ReturnKind::Cancel, None))),
        (
            "/return/cancel?session_id=cs_9",
            200,
            "Cancelled",
            Some((ReturnKind::Cancel, Some("cs_9"))),
        ),
        ("/return/elsewhere", 404, "not_found", None),
    ];
    for (path, status, text, hook) in cases {
        let before = returns.lock().unwrap().len();
        let response = client
            .send(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .unwrap();
        assert_eq!(response.status, status, "{path}");
        assert!(response.text().contains(text), "{path}: {}", response.text());
        assert!(!response.text().contains("<script>"), "{path}: reflected markup");
        let expected: Vec<_> = hook.into_iter().map(|(k, s)| (k, s.map(str::to_owned))).collect();
        // The hook runs on the listener's hook thread, just after the page was answered.
        wait_until(Duration::from_secs(5), || {
            returns.lock().unwrap().len() >= before + expected.len()
        });
        let called = returns.lock().unwrap()[before..].to_vec();
        assert_eq!(called, expected, "{path}");
        if status == 200 {
            let csp = response.header("Content-Security-Policy").unwrap_or_default();
            assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
            assert!(response
                .header("Content-Type")
                .unwrap_or_default()
                .starts_with("text/html"));
        }
    }
    let post = client
        .send(b"POST /return/success HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    assert_eq!((post.status, post.header("Allow")), (405, Some("GET")));
}

#[test]
fn addresses_port_conflicts_and_config_errors() {
    let env = Env::start();
    let port = env.port();
    assert_ne!(port, 0);
    assert_eq!(env.listener.base_url(), format!("http://127.0.0.1:{port}"));
    assert_eq!(
        env.listener.webhook_url(),
        format!("http://127.0.0.1:{port}{WEBHOOK_PATH}")
    );
    let taken = Listener::start(
        ListenerConfig::new(port, Secret::new(SECRET)),
        Arc::clone(&env.ledger),
        Hooks::default(),
    );
    assert_eq!(taken.unwrap_err().code(), "listener_bind");
    let mut zero = ListenerConfig::new(0, Secret::new(SECRET));
    zero.batch_max = 0;
    let refused = Listener::start(zero, Arc::clone(&env.ledger), Hooks::default());
    assert_eq!(refused.unwrap_err().code(), "listener_config");
    assert!(
        !format!("{:?}", ListenerConfig::new(0, Secret::new(SECRET))).contains(SECRET),
        "the secret leaked into Debug"
    );
}

#[test]
fn shutdown_closes_idle_connections_and_frees_the_port() {
    let env = Env::start();
    env.open_sale("prod_latte", 120, "cs_down", None);
    let port = env.port();
    let mut idle = env.client();
    let ok = idle.post_signed(&event("evt_down_1", "checkout.created", json!({"id": "cs_down"})));
    assert_eq!(ok.status, 200);
    let Env { listener, ledger, dir } = env;
    let started = std::time::Instant::now();
    listener.shutdown();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "shutdown took {:?}",
        started.elapsed()
    );
    // The idle keep-alive connection was closed, and nobody listens any more.
    assert!(idle.read_response().is_err());
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    assert_eq!(ledger.journal(10).unwrap().len(), 1);
    // The same port can be taken again at once.
    let again = Listener::start(
        ListenerConfig::new(port, Secret::new(SECRET)),
        Arc::clone(&ledger),
        Hooks::default(),
    )
    .unwrap();
    let response =
        Client::connect(port).post_signed(&event("evt_down_2", "checkout.created", json!({"id": "cs_down"})));
    assert_eq!(response.status, 200);
    again.shutdown();
    drop(dir);
}

#[test]
fn a_ledger_failure_is_answered_500_and_the_retry_applies() {
    let env = Env::start();
    let sale = env.open_sale("prod_latte", 120, "cs_fail", None);
    // Another connection to the same file makes the journal refuse this one event.
    let admin = rusqlite::Connection::open(env.ledger.path()).unwrap();
    admin
        .execute_batch("CREATE TRIGGER boom BEFORE INSERT ON webhook_journal WHEN NEW.event_id = 'evt_fail' BEGIN SELECT RAISE(ABORT, 'disk says no'); END;")
        .unwrap();
    let body = event(
        "evt_fail",
        "checkout.completed",
        json!({"id": "cs_fail", "status": "COMPLETED", "amount": 120, "currency": "TWD"}),
    );
    let mut client = env.client();
    let failed = client.post_signed(&body);
    assert_eq!(failed.status, 500, "{}", failed.text());
    assert_eq!(failed.json()["error"]["code"], "ledger_database");
    assert_eq!(
        env.ledger.sale(&sale.id).unwrap().unwrap().sale.state.as_str(),
        "OPEN",
        "nothing stored"
    );
    assert_eq!(env.listener.stats().failed, 1);
    // Recur delivers again later; by then the problem is gone.
    admin.execute_batch("DROP TRIGGER boom").unwrap();
    let retried = client.post_signed(&body);
    assert_eq!(
        (retried.status, retried.json()["outcome"].as_str()),
        (200, Some("changed"))
    );
    assert_eq!(env.ledger.sale(&sale.id).unwrap().unwrap().sale.state.as_str(), "PAID");
}
