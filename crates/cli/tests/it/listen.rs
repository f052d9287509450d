//! `recur-pos listen` runs the same services as the window: the listener, the sweep and the
//! tunnel (the saved one, or `--tunnel`), printing the public webhook URL and warning on stderr
//! when it changes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::cli::Shop;
use crate::support::{fake_tunnel, free_port};

/// Lines of a child's stream, on a channel.
fn lines(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

fn next_matching(rx: &mpsc::Receiver<String>, what: &str, wanted: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if wanted(&line) => return line,
            Ok(line) => seen.push(line),
            Err(_) => panic!("never saw {what}; saw {seen:?}"),
        }
    }
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn listen_runs_the_tunnel_prints_its_webhook_url_and_warns_when_it_changes() {
    let shop = Shop::new();
    let port = free_port();
    let tunnel = format!("{} --to {{port}} --exit-after-ms 1500", fake_tunnel().display());
    let mut child = shop
        .bare(&["listen", "--port", &port.to_string(), "--tunnel", &tunnel])
        .env("RECUR_API_BASE", shop.sandbox.base_url())
        .env("RECUR_SECRET_KEY", shop.sandbox.secret_key())
        .env("RECUR_WEBHOOK_SECRET", shop.sandbox.webhook_secret())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("listen starts");
    let (stdout, stderr) = (lines(child.stdout.take().unwrap()), lines(child.stderr.take().unwrap()));
    let _running = Running(child);

    let local = next_matching(&stdout, "the local URL", |l| l.starts_with("listening on "));
    assert_eq!(local, format!("listening on http://127.0.0.1:{port}/webhooks/recur"));
    let first = next_matching(&stdout, "a public URL", |l| l.starts_with("public webhook URL: "));
    // The fake quick tunnel dies after 1.5 s and comes back on a new address, as cloudflared's do.
    let second = next_matching(&stdout, "a second public URL", |l| {
        l.starts_with("public webhook URL: ")
    });
    assert_ne!(first, second);
    assert!(second.ends_with("/webhooks/recur"), "{second}");
    let warning = next_matching(&stderr, "the URL-changed warning", |l| {
        l.starts_with("WARNING: the tunnel")
    });
    let (old, new) = (
        first.trim_start_matches("public webhook URL: "),
        second.trim_start_matches("public webhook URL: "),
    );
    assert!(warning.contains(old) && warning.contains(new), "{warning}");

    // The URL is remembered beside the ledger: the next start compares against it.
    let settings = std::fs::read_to_string(shop.db.with_file_name("settings.json")).unwrap();
    assert!(settings.contains(new.trim_end_matches("/webhooks/recur")), "{settings}");
}

#[test]
fn listen_with_no_webhook_secret_says_what_to_do() {
    let shop = Shop::new();
    let out = shop
        .bare(&["listen", "--port", "0"])
        .env("RECUR_API_BASE", shop.sandbox.base_url())
        .env("RECUR_SECRET_KEY", shop.sandbox.secret_key())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no_webhook_secret"), "{stderr}");
}

#[test]
fn listen_refuses_a_tunnel_on_the_embedded_sandbox() {
    let shop = Shop::new();
    let tunnel = format!("{} --to {{port}}", fake_tunnel().display());
    let out = shop
        .bare(&["listen", "--port", "0", "--tunnel", &tunnel])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("tunnel_on_sandbox"), "{stderr}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("https://"),
        "no public URL was ever announced"
    );
}
