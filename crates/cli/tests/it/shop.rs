//! One shop, several processes, one PostgreSQL (issue 12), end to end with real processes: the
//! standalone `recur-sandbox` as Recur (its webhooks duplicated, shuffled and delayed), the
//! hub (`recur-pos-cli hub`) taking them, and two counters, A and B, each a long-running
//! `recur-pos-cli follow --json` plus `recur-pos-cli charge` runs several at a time. The hub is
//! SIGKILLed and started again mid-run, and PostgreSQL is restarted once — on a cluster of this
//! test's own (`own_pg`), since every other test shares the test server.
//!
//! Not here: a counter alone with its database stopped, and the cash outbox (the app's
//! `shared_ledger` test); the ledger's rules on PostgreSQL (`recur-ledger`'s tests).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use recur_domain::{EventId, SaleState, TxnId};
use recur_ledger::{JournalOutcome, Ledger, Origin};
use serde_json::{json, Value};

use crate::own_pg::OwnCluster;
use crate::support::{cli, free_port, keyring_service, parse_one_document, CLI};

/// Sales rung up at each counter. 40 each (80 charge processes, 80 payments, 240 webhook
/// events, each one or two deliveries) is enough for the hub's kill and the database's restart
/// to land among charges and deliveries in flight, and keeps the test around half a minute on
/// a loaded two-core machine in a debug build (a charge process is ~0.3 s there).
const PER_COUNTER: usize = 40;
/// `charge` processes running at once per counter: cashiers ringing up at the same time.
const AT_ONCE: usize = 4;
const COUNTERS: [&str; 2] = ["A", "B"];
const CARD: &str = "4147631000000001";

/// `recur-sandbox` is built with the workspace (the sandbox crate's program).
fn sandbox_program() -> PathBuf {
    let path = Path::new(CLI).with_file_name("recur-sandbox");
    assert!(
        path.exists(),
        "{} is missing: build the workspace (cargo test --workspace, or cargo build -p recur-sandbox)",
        path.display()
    );
    path
}

/// A long-running child, killed (SIGKILL) and reaped when dropped: a failing test leaves no
/// process behind.
struct Running {
    name: &'static str,
    child: Child,
}

impl Running {
    fn kill(mut self) {
        self.child
            .kill()
            .unwrap_or_else(|e| panic!("SIGKILL {}: {e}", self.name));
        self.child.wait().unwrap();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sets the flag when dropped by a panic: the charging threads stop once the test has failed.
struct StopOnPanic<'a>(&'a AtomicBool);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

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

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs a one-shot command to its end, killing it after `limit` (a hung process fails the test
/// instead of hanging it).
fn run_bounded(mut cmd: Command, what: &str, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} did not start: {e}"));
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let stdout = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut buf).map(|_| buf)
    });
    let stderr = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut buf).map(|_| buf)
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: stdout.join().unwrap().unwrap_or_default(),
        stderr: stderr.join().unwrap().unwrap_or_default(),
    }
}

/// What every process of the shop is started with.
struct Shop {
    db: String,
    keyring: String,
    sandbox: String,
    hub_port: u16,
    dir: tempfile::TempDir,
}

impl Shop {
    /// A `recur-pos-cli` command as `who` (a counter's name, or `hub`), each with a folder of
    /// its own (settings, logs, the cash outbox) shared by that counter's processes.
    fn command(&self, who: &str, args: &[&str]) -> Command {
        let home = self.dir.path().join(who);
        std::fs::create_dir_all(&home).unwrap();
        let mut cmd = cli(Path::new(&self.db), &self.keyring);
        cmd.args(args)
            .env("RECUR_API_BASE", &self.sandbox)
            .env("RECUR_SECRET_KEY", "sk_test_sandbox")
            .env("RECUR_WEBHOOK_SECRET", "whsec_sandbox")
            .env("RECUR_POS_HOME", home)
            .env("RECUR_POS_SHOP", "tamsui")
            .env("RECUR_POS_COUNTER", who);
        cmd
    }

    /// The hub, once it takes webhooks on its port.
    fn start_hub(&self) -> Running {
        let port = self.hub_port.to_string();
        let mut child = self
            .command("hub", &["hub", "--port", &port, "--sweep-every", "600", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the hub starts");
        let stdout = lines(child.stdout.take().unwrap());
        let hub = Running { name: "hub", child };
        // Its first document (pretty-printed over several lines) says where it listens.
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut text = String::new();
        let ready: Value = loop {
            let line = stdout
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("the hub did not say it listens within 30 s: {text:?}"));
            text.push_str(&line);
            if let Ok(ready) = serde_json::from_str(&text) {
                break ready;
            }
        };
        assert_eq!(ready["port"], self.hub_port, "{ready}");
        hub
    }

    /// `follow --json` as counter `who`, its lines collected as they come.
    fn follow(&self, who: &str) -> (Running, Arc<Mutex<Vec<Value>>>) {
        let mut child = self
            .command(who, &["follow", "--json"])
            .env("RECUR_POS_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(self.dir.path().join(format!("{who}.stderr"))).unwrap())
            .spawn()
            .expect("follow starts");
        let stdout = lines(child.stdout.take().unwrap());
        let running = Running { name: "follow", child };
        let first = stdout
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("counter {who}'s follower never said it is ready"));
        let first: Value = serde_json::from_str(&first).unwrap();
        assert_eq!(first["ready"], true, "{first}");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        std::thread::spawn(move || {
            for line in stdout {
                let value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                sink.lock().unwrap().push(value);
            }
        });
        (running, seen)
    }

    /// One `charge` run at counter `who`: the sale, or the error document it printed.
    fn charge(&self, who: &str) -> Result<Value, Value> {
        let cmd = self.command(who, &["charge", "--product", "prod_latte", "--json"]);
        let out = run_bounded(cmd, "recur-pos-cli charge", Duration::from_secs(60));
        let doc = parse_one_document(&out.stdout);
        if out.status.success() {
            Ok(doc)
        } else {
            assert_eq!(
                out.status.code(),
                Some(1),
                "{doc} {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Err(json!({"doc": doc, "stderr": String::from_utf8_lossy(&out.stderr)}))
        }
    }

    fn get(&self, route: &str) -> Value {
        reqwest::blocking::Client::new()
            .get(format!("{}{route}", self.sandbox))
            .timeout(Duration::from_secs(20))
            .send()
            .and_then(reqwest::blocking::Response::json)
            .unwrap_or_else(|e| panic!("GET {route} at the sandbox: {e}"))
    }

    fn pay(&self, checkout: &str, email: &str) {
        let answer = reqwest::blocking::Client::new()
            .post(format!("{}/_sandbox/sessions/{checkout}/pay", self.sandbox))
            .timeout(Duration::from_secs(20))
            .json(&json!({"card_number": CARD, "email": email}))
            .send()
            .unwrap_or_else(|e| panic!("paying {checkout} at the sandbox: {e}"));
        assert_eq!(answer.status().as_u16(), 200, "paying {checkout}");
    }

    /// A read through the command line, as an owner would make it.
    fn read(&self, args: &[&str]) -> Value {
        let out = run_bounded(
            self.command("reader", args),
            "a reading command",
            Duration::from_secs(60),
        );
        assert!(
            out.status.success(),
            "recur-pos-cli {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        parse_one_document(&out.stdout)
    }
}

/// What the charging threads found.
#[derive(Default)]
struct Rung {
    /// Sale id → (counter, checkout id), for every charge that succeeded.
    sales: BTreeMap<String, (&'static str, String)>,
    /// Counter of every charge refused while PostgreSQL restarted, to ring up again after.
    refused: Vec<&'static str>,
}

fn ring_up(shop: &Shop, who: &'static str, rung: &Mutex<Rung>) -> bool {
    match shop.charge(who) {
        Ok(sale) => {
            assert_eq!(sale["state"], "OPEN", "{sale}");
            assert_eq!(sale["counter"], who, "{sale}");
            let id = sale["id"].as_str().unwrap().to_owned();
            let checkout = sale["checkout_id"]
                .as_str()
                .expect("an open sale has its checkout")
                .to_owned();
            shop.pay(&checkout, &format!("{}@example.com", id.to_lowercase()));
            rung.lock().unwrap().sales.insert(id, (who, checkout));
            true
        }
        Err(refusal) => {
            let code = refusal["doc"]["error"]["code"].as_str().unwrap_or_default().to_owned();
            assert_eq!(
                code, "ledger_unreachable",
                "a charge may only be refused while the database is away: {refusal}"
            );
            assert!(
                refusal["stderr"]
                    .as_str()
                    .unwrap()
                    .contains("error [ledger_unreachable]"),
                "{refusal}"
            );
            rung.lock().unwrap().refused.push(who);
            false
        }
    }
}

#[test]
fn two_counters_and_a_hub_on_one_postgresql_through_a_killed_hub_and_a_restarted_database() {
    let started = Instant::now();
    let cluster = OwnCluster::start("shop");
    let sandbox_port = free_port();
    let shop = Shop {
        db: cluster.url(),
        keyring: keyring_service(),
        sandbox: format!("http://127.0.0.1:{sandbox_port}"),
        hub_port: free_port(),
        dir: tempfile::tempdir().unwrap(),
    };
    // Recur's faults on every webhook; no rate limit (80 charges read the catalogue and create
    // a checkout each, beyond the default 100 requests a minute: not what this test is about).
    let sandbox = Running {
        name: "sandbox",
        child: Command::new(sandbox_program())
            .args(["--port", &sandbox_port.to_string(), "--rate-limit", "0"])
            .args([
                "--webhook-url",
                &format!("http://127.0.0.1:{}/webhooks/recur", shop.hub_port),
            ])
            .args([
                "--duplicate-rate",
                "0.3",
                "--shuffle",
                "--delay-ms",
                "0-300",
                "--seed",
                "12",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("recur-sandbox starts"),
    };
    wait_for("the sandbox to take connections", Duration::from_secs(20), || {
        TcpStream::connect(("127.0.0.1", sandbox_port)).is_ok()
    });
    let mut hub = Some(shop.start_hub());
    let followers: Vec<_> = COUNTERS.iter().map(|who| shop.follow(who)).collect();

    let rung = Mutex::new(Rung::default());
    let attempts = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let total = PER_COUNTER * COUNTERS.len();
    std::thread::scope(|scope| {
        let _stop = StopOnPanic(&stop);
        for who in COUNTERS {
            for _ in 0..AT_ONCE {
                let (shop, rung, attempts, stop) = (&shop, &rung, &attempts, &stop);
                scope.spawn(move || {
                    let _stop = StopOnPanic(stop);
                    for _ in 0..PER_COUNTER / AT_ONCE {
                        if stop.load(Ordering::SeqCst) {
                            return;
                        }
                        if !ring_up(shop, who, rung) {
                            // The cashier tries the next sale a moment later, not in a tight loop
                            // that would spend the whole run on the restart.
                            std::thread::sleep(Duration::from_millis(300));
                        }
                        attempts.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        }
        let progress = |share: usize| {
            wait_for(&format!("{share}% of the charges"), Duration::from_secs(120), || {
                assert!(!stop.load(Ordering::SeqCst), "a charging thread failed (above)");
                attempts.load(Ordering::SeqCst) * 100 >= total * share
            });
        };

        // The hub dies mid-burst (SIGKILL: no goodbye) and comes back on the same port once
        // Recur has seen it gone.
        progress(25);
        hub.take().unwrap().kill();
        let failed_before = shop
            .get("/_sandbox/deliveries")
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["status"].is_null())
            .count();
        wait_for(
            "a delivery to fail while the hub is down",
            Duration::from_secs(30),
            || {
                let deliveries = shop.get("/_sandbox/deliveries");
                deliveries
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|d| d["status"].is_null())
                    .count()
                    > failed_before
            },
        );
        hub = Some(shop.start_hub());

        // The database restarts under everyone: counters, followers and the hub.
        progress(60);
        cluster.restart();
    });
    {
        let rung = rung.lock().unwrap();
        assert_eq!(
            rung.sales.len() + rung.refused.len(),
            total,
            "every charge succeeded or was refused"
        );
    }
    // What was refused is rung up again, now that the database answers.
    let refused = std::mem::take(&mut rung.lock().unwrap().refused);
    for &who in &refused {
        ring_up(&shop, who, &rung);
    }
    let rung = rung.into_inner().unwrap();
    assert!(
        rung.refused.is_empty(),
        "refused again with the database back: {:?}",
        rung.refused
    );
    assert_eq!(rung.sales.len(), total, "every sale rung up, in the end");
    eprintln!(
        "shop test: {total} sales; {} refused during the database restart and rung up again; {:.1} s so far",
        refused.len(),
        started.elapsed().as_secs_f64()
    );

    // Recur delivers everything: every event it emitted was finally taken by the hub (a
    // delivery refused while the hub or the database was down is retried after 5 s, then 30 s).
    wait_for(
        "every webhook event to be acknowledged",
        Duration::from_secs(90),
        || {
            let delivered: BTreeSet<String> = shop
                .get("/_sandbox/deliveries")
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["status"].as_u64().is_some_and(|s| (200..300).contains(&s)))
                .map(|d| d["event_id"].as_str().unwrap().to_owned())
                .collect();
            let events = shop.get("/_sandbox/events");
            let events = events.as_array().unwrap();
            events.len() == 3 * total && events.iter().all(|e| delivered.contains(e["id"].as_str().unwrap()))
        },
    );

    // The ledger is the ideal one.
    let listed = shop.read(&["sales", "--json", "--limit", "10000"]);
    let listed: BTreeMap<String, Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap().to_owned(), s.clone()))
        .collect();
    let ledger = Ledger::open_at(&shop.db, None, Origin::default()).expect("the shop's ledger opens");
    for (id, (who, checkout)) in &rung.sales {
        let sale = listed.get(id).unwrap_or_else(|| panic!("sale {id} is lost"));
        assert_eq!(sale["state"], "PAID", "{sale}");
        assert_eq!(
            sale["paid_amount"], sale["amount"],
            "paid once, the right amount: {sale}"
        );
        assert_eq!(sale["refunded_amount"], 0, "{sale}");
        assert_eq!(
            (sale["shop"].as_str(), sale["counter"].as_str()),
            (Some("tamsui"), Some(*who)),
            "{sale}"
        );
        assert_eq!(sale["checkout_id"].as_str(), Some(checkout.as_str()), "{sale}");
        assert_eq!(sale["attention"], json!([]), "nothing to look at: {sale}");
        let detail = ledger.sale(&TxnId::new(id.as_str())).unwrap().unwrap();
        let paid = detail.history.iter().filter(|t| t.to == SaleState::Paid).count();
        assert_eq!(paid, 1, "exactly one PAID transition for {id}: {:?}", detail.history);
    }
    // A charge refused after its sale was written leaves that sale unpaid: DRAFT (the checkout
    // created at Recur but not attached), or OPEN (the attach committed but its answer was cut
    // by the restart: the cashier was told it failed, and rang up again). Nothing else is in
    // the ledger, and none of their checkouts is paid (below).
    let others: Vec<&Value> = listed
        .values()
        .filter(|s| !rung.sales.contains_key(s["id"].as_str().unwrap()))
        .collect();
    assert!(others.len() <= refused.len(), "sales nobody rang up: {others:?}");
    for sale in &others {
        assert!(
            sale["state"] == "DRAFT" || sale["state"] == "OPEN",
            "a sale nobody rang up: {sale}"
        );
    }
    let unmatched = shop.read(&["events", "--unmatched", "--json", "--limit", "10000"]);
    assert_eq!(unmatched, json!([]), "every event found its sale");
    for event in shop.get("/_sandbox/events").as_array().unwrap() {
        let id = event["id"].as_str().unwrap();
        let entry = ledger
            .journal_entry(&EventId::new(id))
            .unwrap()
            .unwrap_or_else(|| panic!("event {id} was acknowledged, so it is journaled"));
        assert!(entry.verified, "{id}");
        assert!(
            matches!(
                entry.outcome,
                JournalOutcome::Changed | JournalOutcome::Recorded | JournalOutcome::NoOp
            ),
            "event {id}: {:?}",
            entry.outcome
        );
    }
    // Nothing at Recur is unaccounted for: every checkout names a sale of the ledger, and the
    // paid ones are exactly the sales rung up.
    let sessions = shop.get("/_sandbox/sessions");
    let mut paid_checkouts = BTreeSet::new();
    for session in sessions.as_array().unwrap() {
        let sale = session["metadata"]["transaction_id"]
            .as_str()
            .expect("a checkout names its sale");
        assert!(
            listed.contains_key(sale),
            "checkout {} names {sale}, not in the ledger",
            session["id"]
        );
        if session["status"] == "COMPLETE" {
            paid_checkouts.insert(session["id"].as_str().unwrap().to_owned());
        }
    }
    let rung_checkouts: BTreeSet<String> = rung.sales.values().map(|(_, c)| c.clone()).collect();
    assert_eq!(paid_checkouts, rung_checkouts);

    // Each counter saw the other's sales appear, live, and turn PAID; and heard the database go
    // and come back.
    for (i, (_, seen)) in followers.iter().enumerate() {
        let (me, other) = (COUNTERS[i], COUNTERS[1 - i]);
        let theirs: BTreeSet<&String> = rung
            .sales
            .iter()
            .filter(|(_, (who, _))| *who == other)
            .map(|(id, _)| id)
            .collect();
        let missing = || {
            let seen = seen.lock().unwrap();
            let paid: BTreeSet<&str> = seen
                .iter()
                .filter(|l| l["state"] == "PAID")
                .filter_map(|l| l["id"].as_str())
                .collect();
            theirs
                .iter()
                .filter(|id| !paid.contains(id.as_str()))
                .map(|id| id.to_string())
                .collect::<Vec<_>>()
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !missing().is_empty() {
            if Instant::now() > deadline {
                let missing = missing();
                let seen = seen.lock().unwrap();
                let lines: Vec<String> = seen
                    .iter()
                    .filter(|l| l.get("reachable").is_some() || missing.iter().any(|m| l["id"] == m.as_str()))
                    .map(Value::to_string)
                    .collect();
                panic!(
                    "counter {me} never saw these sales of {other} PAID: {missing:?}; its lines about them and the \
                     database: {lines:#?}; its log: {}",
                    std::fs::read_to_string(shop.dir.path().join(format!("{me}.stderr"))).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let seen = seen.lock().unwrap();
        let reachable: Vec<bool> = seen.iter().filter_map(|l| l["reachable"].as_bool()).collect();
        let lost = reachable
            .iter()
            .position(|r| !r)
            .unwrap_or_else(|| panic!("counter {me} never said the database was away"));
        assert!(
            reachable[lost..].contains(&true),
            "counter {me} never said the database was back: {reachable:?}"
        );
    }
    eprintln!("shop test: done in {:.1} s", started.elapsed().as_secs_f64());
    drop((followers, hub, sandbox));
}

/// A sale of the shop written by another process, as a counter's `NewSale`.
fn another_counters_sale(name: &str) -> recur_ledger::NewSale {
    recur_ledger::NewSale {
        product_id: recur_domain::ProductId::new("prod_latte"),
        product_name: name.to_owned(),
        mode: recur_domain::Mode::Payment,
        amount: recur_domain::Money::new(120),
        currency: recur_domain::Currency::twd(),
        customer_email: None,
        customer_name: None,
    }
}

#[test]
fn follow_prints_the_sales_written_while_it_could_not_hear_the_database() {
    let cluster = OwnCluster::start("follow");
    let recur = recur_sandbox::Sandbox::start(recur_sandbox::SandboxConfig::for_tests()).unwrap();
    let shop = Shop {
        db: cluster.url(),
        keyring: keyring_service(),
        sandbox: recur.base_url(),
        hub_port: 0,
        dir: tempfile::tempdir().unwrap(),
    };
    let (_follower, seen) = shop.follow("A");
    let other = Ledger::open_at(
        &shop.db,
        None,
        Origin {
            shop: "tamsui".into(),
            counter: "B".into(),
        },
    )
    .unwrap();
    let saw = |what: &str, wanted: &dyn Fn(&Value) -> bool| {
        wait_for(what, Duration::from_secs(30), || {
            seen.lock().unwrap().iter().any(wanted)
        });
    };
    let before = other
        .create_sale(another_counters_sale("before"), recur_domain::Timestamp::now())
        .unwrap();
    saw("the sale written while it listens", &|l| l["id"] == before.id.as_str());

    cluster.stop();
    saw("the database to be away", &|l| l["reachable"] == false);
    // Written the moment the server takes connections again, most often before the follower's
    // change feed has connected again (it tries once a second): no notification reaches it.
    let meanwhile = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                match other.create_sale(another_counters_sale("meanwhile"), recur_domain::Timestamp::now()) {
                    Ok(sale) => return sale,
                    Err(e) => assert!(Instant::now() < deadline, "the server never came back: {e}"),
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        cluster.start_again();
        writer.join().unwrap()
    });
    saw("the database to be back", &|l| l["reachable"] == true);
    saw("the sale written while it could not hear", &|l| {
        l["id"] == meanwhile.id.as_str() && l["state"] == "DRAFT" && l["counter"] == "B"
    });
}
