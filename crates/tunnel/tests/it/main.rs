//! The supervisor against a real program: the `fake-tunnel` binary, which forwards loopback
//! TCP and prints its URL the way cloudflared does, and can print more lines while it runs.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use recur_tunnel::{Tunnel, TunnelConfig, TunnelEvent, TunnelStatus};

const FAKE: &str = env!("CARGO_BIN_EXE_fake-tunnel");

/// A local server that answers every connection with `pong`.
fn pong_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4];
            let _ = stream.read_exact(&mut buf);
            let _ = stream.write_all(b"pong");
        }
    });
    port
}

fn config(command: String, port: u16) -> TunnelConfig {
    TunnelConfig {
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(400),
        stable_after: Duration::from_secs(5),
        ..TunnelConfig::new(command, port)
    }
}

fn next_url(events: &mpsc::Receiver<TunnelEvent>, deadline: Duration) -> (Option<String>, String) {
    let until = Instant::now() + deadline;
    while let Ok(event) = events.recv_timeout(until.saturating_duration_since(Instant::now())) {
        if let TunnelEvent::UrlChanged { old, new } = event {
            return (old, new);
        }
    }
    panic!("no URL within {deadline:?}");
}

#[test]
fn reads_the_url_and_traffic_goes_through() {
    let target = pong_server();
    let (tx, rx) = mpsc::channel();
    let tunnel = Tunnel::start(config(format!("{FAKE} --to {{port}}"), target), move |e| {
        let _ = tx.send(e);
    })
    .unwrap();
    let (old, url) = next_url(&rx, Duration::from_secs(20));
    assert_eq!(old, None);
    assert_eq!(tunnel.public_url().as_deref(), Some(url.as_str()));
    let addr = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("the tunnel accepts");
    stream.write_all(b"ping").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert_eq!(answer, "pong");
    tunnel.stop();
}

#[test]
fn a_dying_tunnel_is_restarted_and_the_new_url_is_announced() {
    let target = pong_server();
    let (tx, rx) = mpsc::channel();
    let tunnel = Tunnel::start(
        config(format!("{FAKE} --to {{port}} --exit-after-ms 300"), target),
        move |e| {
            let _ = tx.send(e);
        },
    )
    .unwrap();
    let (_, first) = next_url(&rx, Duration::from_secs(20));
    let (old, second) = next_url(&rx, Duration::from_secs(20));
    assert_eq!(old.as_deref(), Some(first.as_str()), "the change names the old URL");
    assert_ne!(first, second, "a restarted quick tunnel has a new URL");
    drop(tunnel);
}

#[test]
fn a_missing_program_is_retried_with_a_reason_and_stops_cleanly() {
    let (tx, rx) = mpsc::channel();
    let tunnel = Tunnel::start(config("/nonexistent/cloudflared --port {port}".into(), 1), move |e| {
        let _ = tx.send(e);
    })
    .unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    let reason = loop {
        match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(TunnelEvent::Status(TunnelStatus::Restarting { reason, .. })) => break reason,
            Ok(_) => continue,
            Err(_) => panic!("no restart reported"),
        }
    };
    assert!(reason.contains("cannot start /nonexistent/cloudflared"), "{reason}");
    let started = Instant::now();
    tunnel.stop();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stop does not wait out the backoff"
    );
}

#[test]
fn lines_logged_mid_run_never_move_the_url_and_a_second_announcement_waits_for_the_owner() {
    let target = pong_server();
    let (tx, rx) = mpsc::channel();
    let created = "INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |";
    let later = [
        // What cloudflared logs for a request whose path was crafted (issue 9, item 4).
        "ERR Request failed error=\"Unable to reach the origin service\" path=/?,https://evil.example".to_owned(),
        "ERR  |  https://evil.trycloudflare.com  | dest=https://x.trycloudflare.com/?|".to_owned(),
        // A second announcement, of the right shape: only a proposal.
        created.to_owned(),
        "INF |  http://127.0.0.1:1  |".to_owned(),
    ];
    let then: String = later.iter().map(|l| format!(" --then '{l}'")).collect();
    let tunnel = Tunnel::start(
        config(format!("{FAKE} --to {{port}} --then-after-ms 200{then}"), target),
        move |e| {
            let _ = tx.send(e);
        },
    )
    .unwrap();
    let (_, first) = next_url(&rx, Duration::from_secs(20));
    let until = Instant::now() + Duration::from_secs(20);
    let proposed = loop {
        match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(TunnelEvent::UrlChangeProposed { current, proposed }) => {
                assert_eq!(current, first);
                break proposed;
            }
            Ok(TunnelEvent::UrlChanged { new, .. }) => panic!("adopted {new} without asking"),
            Ok(_) => continue,
            Err(_) => panic!("no proposal"),
        }
    };
    assert_eq!(proposed, "http://127.0.0.1:1");
    assert_eq!(
        tunnel.public_url().as_deref(),
        Some(first.as_str()),
        "still the first URL"
    );
    assert!(!tunnel.confirm_url("https://evil.example"), "only the pending proposal");
    assert!(tunnel.confirm_url(&proposed));
    let (old, new) = next_url(&rx, Duration::from_secs(5));
    assert_eq!(
        (old.as_deref(), new.as_str()),
        (Some(first.as_str()), proposed.as_str())
    );
    assert_eq!(tunnel.public_url().as_deref(), Some(proposed.as_str()));
    assert!(!tunnel.confirm_url(&proposed), "confirmed once");
    tunnel.stop();
}
