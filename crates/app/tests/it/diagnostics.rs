//! Log files and "Copy diagnostics": a secret logged by mistake never reaches a log file, and
//! the diagnostics of an open counter say what support needs with every secret hidden.

use std::sync::Arc;

use recur_pos_app::{diagnostics, logging, Port};
use recur_secrets::MemoryStore;

use crate::station::{listening, shop};

const SECRETS: [&str; 5] = [
    "sk_live_51HxYzAbCdEf0123",
    "whsec_Zm9vYmFyYmF6cXV4",
    "eyJhIjoiYWJjMTIzIiwidCI6InR1bm5lbCJ9",
    "alice.wang@example.com",
    "2abcDEF456ghiJKL",
];

fn log_with_secrets() {
    tracing::info!(key = SECRETS[0], "a secret key logged by mistake");
    tracing::warn!("webhook secret {} in a message", SECRETS[1]);
    tracing::info!(command = %format!("cloudflared tunnel run --token {}", SECRETS[2]), "tunnel");
    tracing::info!(email = SECRETS[3], "customer");
    tracing::info!("ngrok --authtoken {}", SECRETS[4]);
}

fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} is in:\n{text}");
    }
}

#[test]
fn a_secret_logged_by_mistake_never_reaches_the_log_file() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let dir = tempfile::tempdir().unwrap();
    let writer = logging::file_writer(dir.path()).unwrap();
    let subscriber =
        tracing_subscriber::registry().with(tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(false));
    tracing::subscriber::with_default(subscriber, log_with_secrets);
    let files = logging::log_files(dir.path());
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert_no_secret(&text);
    assert!(text.contains("a secret key logged by mistake"), "{text}");
    assert!(text.contains("sk_live_[redacted]"), "{text}");
    assert!(text.contains("a***@example.com"), "{text}");
    assert_eq!(logging::tail(dir.path(), 2).len(), 2);
}

#[test]
fn diagnostics_say_what_support_needs_and_hide_every_secret() {
    let shop = shop(Arc::new(MemoryStore::new()));
    let station = Arc::clone(&shop.station);
    shop.rt
        .block_on(station.open(listening(Port::Fixed(0), None)))
        .expect("the counter opens on the embedded sandbox");
    // A log file of the day holding secrets (as an older version could have written it).
    let logs = shop.dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let lines = [
        format!("INFO something key={} happened", SECRETS[0]),
        format!("WARN webhook secret {} in a message", SECRETS[1]),
        format!("INFO tunnel command=cloudflared tunnel run --token {}", SECRETS[2]),
        format!("INFO customer email={}", SECRETS[3]),
        format!("INFO ngrok --authtoken {}", SECRETS[4]),
    ];
    std::fs::write(logs.join("recur-pos.2026-12-02.log"), lines.join("\n")).unwrap();
    let backup = shop
        .rt
        .block_on(recur_pos_app::backups::back_up_now(
            &station.counter().unwrap(),
            station.env(),
            None,
        ))
        .unwrap();

    let text = diagnostics::gather(&station);
    assert_no_secret(&text);
    for expected in [
        &format!("version: {}", env!("CARGO_PKG_VERSION")),
        "os: ",
        "environment: sandbox (embedded)",
        &format!("ledger: {}", shop.dir.path().join("ledger.db").display()),
        &format!("schema: {}", recur_ledger::SCHEMA_VERSION),
        "sales: 0",
        &format!("at {}", backup.path.display()),
        "listener: port ",
        "tunnel: none",
        "last 5 log lines",
        "something key=sk_live_[redacted] happened",
        "customer email=a***@example.com",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
    station.shutdown();
}

#[test]
fn the_tail_of_a_large_log_is_its_last_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let old: String = (0..50).map(|n| format!("yesterday {n}\n")).collect();
    std::fs::write(dir.path().join("recur-pos.2026-12-01.log"), old).unwrap();
    let today: String = (0..100_000).map(|n| format!("line {n} of a busy day\n")).collect();
    std::fs::write(dir.path().join("recur-pos.2026-12-02.log"), today).unwrap();
    let tail = logging::tail(dir.path(), 3);
    assert_eq!(
        tail,
        [
            "line 99997 of a busy day",
            "line 99998 of a busy day",
            "line 99999 of a busy day"
        ]
    );
    // Fewer lines today than asked: the rest comes from the day before, in order.
    std::fs::write(dir.path().join("recur-pos.2026-12-02.log"), "only line\n").unwrap();
    assert_eq!(
        logging::tail(dir.path(), 3),
        ["yesterday 48", "yesterday 49", "only line"]
    );
}
