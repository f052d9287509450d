//! `fake-tunnel --to PORT [--exit-after-ms MS] [--then-after-ms MS] [--then LINE]…`: a stand-in
//! for `cloudflared` in tests.
//!
//! It listens on a fresh loopback port, forwards every TCP connection to `127.0.0.1:PORT`, and
//! announces its URL exactly as cloudflared announces a quick tunnel (the box after "Your quick
//! Tunnel has been created!"), which is the only shape the supervisor accepts; being
//! `fake-tunnel`, its loopback `http://` URL is accepted too. With `--exit-after-ms` it exits
//! after that long, as a quick tunnel that dies; its next run gets a new port, hence a new URL.
//! Each `--then LINE` is printed `--then-after-ms` (default 300) after start-up, as the lines a
//! running cloudflared logs (a hijack attempt, a second announcement). On Unix it exits when its
//! parent process is gone. With `--report FILE` it writes, at start, its arguments (one a
//! line) and then `TUNNEL_TOKEN=…` as it found that variable, so a test sees what a real
//! program would have been handed.

use std::io::{copy, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let later: Vec<String> = args
        .windows(2)
        .filter(|pair| pair[0] == "--then")
        .map(|pair| pair[1].clone())
        .collect();
    if let Some(i) = args.iter().position(|a| a == "--report") {
        let path = args.get(i + 1).expect("--report FILE");
        let token = std::env::var("TUNNEL_TOKEN").unwrap_or_default();
        let report = format!("{}\nTUNNEL_TOKEN={token}\n", args.join("\n"));
        std::fs::write(path, report).expect("write the report");
    }
    let Some(target) = value("--to") else {
        eprintln!("usage: fake-tunnel --to PORT [--exit-after-ms MS] [--then-after-ms MS] [--then LINE]...");
        std::process::exit(2);
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    let mut err = std::io::stderr();
    let _ = writeln!(err, "INF Requesting new quick Tunnel on trycloudflare.com...");
    let _ = writeln!(
        err,
        "INF +--------------------------------------------------------------------------------------------+"
    );
    let _ = writeln!(
        err,
        "INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |"
    );
    let _ = writeln!(
        err,
        "INF |  http://127.0.0.1:{port}                                                                    |"
    );
    let _ = writeln!(
        err,
        "INF +--------------------------------------------------------------------------------------------+"
    );
    exit_with_parent();
    let then_after = Duration::from_millis(value("--then-after-ms").unwrap_or(300));
    std::thread::spawn(move || {
        std::thread::sleep(then_after);
        let mut err = std::io::stderr();
        for line in later {
            let _ = writeln!(err, "{line}");
        }
    });
    if let Some(ms) = value("--exit-after-ms") {
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(ms));
            std::process::exit(1);
        });
    }
    for inbound in listener.incoming().flatten() {
        let target = target as u16;
        std::thread::spawn(move || forward(inbound, target));
    }
}

/// When whoever started us is gone (killed, not just closed), go too, so test runs leave no
/// stray tunnels behind.
#[cfg(unix)]
fn exit_with_parent() {
    let parent = std::os::unix::process::parent_id();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(500));
        if std::os::unix::process::parent_id() != parent {
            std::process::exit(0);
        }
    });
}

#[cfg(not(unix))]
fn exit_with_parent() {}

fn forward(inbound: TcpStream, target: u16) {
    let Ok(outbound) = TcpStream::connect(("127.0.0.1", target)) else {
        let _ = inbound.shutdown(Shutdown::Both);
        return;
    };
    let (mut in_read, mut out_write) = (
        inbound.try_clone().expect("clone"),
        outbound.try_clone().expect("clone"),
    );
    let upstream = std::thread::spawn(move || {
        let _ = copy(&mut in_read, &mut out_write);
        let _ = out_write.shutdown(Shutdown::Write);
    });
    let (mut out_read, mut in_write) = (outbound, inbound);
    let _ = copy(&mut out_read, &mut in_write);
    let _ = in_write.shutdown(Shutdown::Write);
    let _ = upstream.join();
}
