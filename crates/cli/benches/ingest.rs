//! Benchmark (not a test): the durable ingest of the shipped binary, beside a peer, in one run
//! (issue 7 §3).
//!
//! `cargo bench -p recur-pos-cli --bench ingest`
//!
//! 1. A sandbox (in this process, no rate limit) and a ledger of SALES open sales, each made by
//!    running `recur-pos-cli charge --product prod_latte` against it (a few at a time).
//! 2. ROUNDS rounds; in each, both receivers get the same load, in alternating order:
//!    - ours: the real `recur-pos-cli listen` on a fresh copy of that ledger (RECUR_POS_DB),
//!      with its start-up sweep of every open sale finished before the load starts;
//!    - the peer: `bench/peer/server.js`, Express + better-sqlite3 written the way Recur's docs
//!      write a receiver (verify the signature, insert/update in SQLite, reply 200), WAL and
//!      synchronous=FULL, seeded with the same open sales (installed outside the repository by
//!      `scripts/bench-peer.sh`, which this runs).
//!
//!    The load: one signed `order.paid` per sale, paying that sale, sent by a SEPARATE load
//!    generator process (this benchmark's own binary, re-run as the generator) over
//!    CONNECTIONS keep-alive connections, each waiting for its answer before the next (as Recur
//!    does); a connection the receiver closes (`Connection: close`) is opened again. Requests
//!    are built and signed before the clock starts. Events/s counts only 200 answers; latency
//!    is from writing a request to reading its whole answer.
//!    - ours on the shop's shared ledger: the real `recur-pos-cli hub` (the same listener, on
//!      PostgreSQL: see `support/pg.rs` for the server) on a fresh copy of a database of SALES
//!      open sales made the same way (`charge` with RECUR_POS_DB=postgres://…), copied as a
//!      template each round; the same load, on its own sales.
//! 3. After each round the receiver is stopped and its database read back: every acknowledged
//!    sale must be paid there.
//!
//! Printed: each round, then both receivers' events/s (all rounds' events over all rounds'
//! time), p50/p99 over every latency, and the median of the rounds' ratios. Targets (issue 7):
//! ours ≥ 3× the peer, our p99 ≤ 25 ms, every event acknowledged and committed. A missed target
//! prints MISSED and exits 1. PostgreSQL beside SQLite (issue 12) is a ratio, with no target.
//!
//! Knobs (environment): RECUR_POS_BENCH_SALES (default 3000), RECUR_POS_BENCH_ROUNDS (3),
//! RECUR_POS_BENCH_CONNECTIONS (64), RECUR_POS_BENCH_ONLY=ours,pg,peer (the receivers to run,
//! any of them, comma-separated; default all three), RECUR_POS_BENCH_PG=URL|none (see
//! `support/pg.rs`), RECUR_POS_BENCH_BEFORE=PATH (an older build of `recur-pos-cli`, run beside
//! as a third receiver: before/after figures from one run), RECUR_POS_BENCH_PERF=1 (`perf
//! record` each `listen` while its load runs), RECUR_POS_BENCH_REUSE=DIR (keep the ledger made by `charge` in DIR and use
//! it again next time: for working on the benchmark, not for figures), RECUR_POS_BENCH_KEEP=1
//! (keep the run's folder: logs and databases; with RECUR_POS_LOG=recur_ledger=debug the
//! listener's log shows each batch's size and time).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use recur_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

#[path = "support/pg.rs"]
mod pg;

const CLI: &str = env!("CARGO_BIN_EXE_recur-pos-cli");
const WEBHOOK_SECRET: &str = "whsec_bench_ingest";
/// Set (to "generate") when this binary runs as the load generator.
const ROLE: &str = "RECUR_POS_BENCH_ROLE";
const PRODUCT: &str = "prod_latte";
/// `charge` processes running at once while the ledger is made.
const CHARGERS: usize = 3;
/// The targets of issue 7.
const TARGET_RATIO: f64 = 3.0;
const TARGET_P99_MS: f64 = 25.0;
/// How long a receiver may take to start (ours: including its sweep of every open sale).
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// The shared ledger's database of open sales, copied for each round.
const PG_SEED: &str = "recur_bench_ingest_seed";

fn main() {
    if std::env::var(ROLE).as_deref() == Ok("generate") {
        generator::main();
        return;
    }
    let sales: usize = knob("RECUR_POS_BENCH_SALES", 3000);
    let rounds: usize = knob("RECUR_POS_BENCH_ROUNDS", 3);
    let connections: usize = knob("RECUR_POS_BENCH_CONNECTIONS", 64);
    let only = std::env::var("RECUR_POS_BENCH_ONLY").unwrap_or_else(|_| "ours,pg,peer".to_owned());
    let chosen: Vec<&str> = only.split(',').map(str::trim).collect();
    if let Some(unknown) = chosen.iter().find(|c| !["ours", "pg", "peer"].contains(c)) {
        panic!("RECUR_POS_BENCH_ONLY: {unknown:?} is none of ours, pg, peer");
    }
    let run_ours = chosen.contains(&"ours");
    let run_peer = chosen.contains(&"peer");
    let shared = if chosen.contains(&"pg") {
        pg::BenchPg::start()
    } else {
        None
    };

    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let node_modules = if run_peer { Some(install_peer()) } else { None };
    let sandbox = Sandbox::start(SandboxConfig {
        rate_limit_per_min: None,
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let env = Env::new(dir.path(), &sandbox);

    let started = Instant::now();
    let (seed, plan) = match std::env::var_os("RECUR_POS_BENCH_REUSE") {
        Some(kept) => reuse_ledger(Path::new(&kept), &env, sales),
        None => {
            let seed = make_ledger(&env, &dir.path().join("seed.db"), sales);
            let plan = write_plan(&seed, dir.path());
            (seed, plan)
        }
    };
    println!(
        "ledger: {} open sales made by `recur-pos-cli charge` in {:.1} s; disk: {}",
        seed.sales.len(),
        started.elapsed().as_secs_f64(),
        dir.path().display()
    );
    // The shop's shared ledger: its own open sales, made the same way, kept as a template.
    let shared = shared.map(|pg| {
        let started = Instant::now();
        let url = pg.create(PG_SEED);
        let seed = make_ledger(&env, Path::new(&url), sales);
        let plan = write_plan_as(&seed, dir.path(), "sales-pg.json");
        println!(
            "shared ledger: {} open sales made by `recur-pos-cli charge` on PostgreSQL ({}) in {:.1} s",
            seed.sales.len(),
            pg.shown(),
            started.elapsed().as_secs_f64()
        );
        (pg, seed, plan)
    });

    println!(
        "load: one signed order.paid per sale, {connections} keep-alive connections from a separate \
         generator process, {rounds} rounds\n"
    );
    println!(
        "{:<6} {:<34} {:>7} {:>7} {:>9} {:>8} {:>8} {:>8}",
        "round", "receiver", "events", "acked", "events/s", "p50 ms", "p99 ms", "max ms"
    );
    // An older build of the binary (RECUR_POS_BENCH_BEFORE), run beside: before/after in one run.
    let before = std::env::var_os("RECUR_POS_BENCH_BEFORE").map(PathBuf::from);
    let mut receivers: Vec<Receiver> = Vec::new();
    if run_ours {
        receivers.push(Receiver::Ours(PathBuf::from(CLI)));
    }
    if shared.is_some() {
        receivers.push(Receiver::Shared);
    }
    if let Some(old) = &before {
        receivers.push(Receiver::Before(old.clone()));
    }
    if run_peer {
        receivers.push(Receiver::Peer);
    }
    let mut totals: Vec<Totals> = receivers.iter().map(|_| Totals::default()).collect();
    let mut ratios = Vec::new();
    let mut before_ratios = Vec::new();
    let mut engine_ratios = Vec::new();
    let mut problems = Vec::new();
    for round in 1..=rounds {
        // Alternating order, so that a drift of the machine's load favours no one.
        let mut order: Vec<usize> = (0..receivers.len()).collect();
        if round % 2 == 0 {
            order.reverse();
        }
        let mut rates = vec![f64::NAN; receivers.len()];
        for i in order {
            let receiver = &receivers[i];
            let load = match receiver {
                Receiver::Ours(bin) | Receiver::Before(bin) => {
                    let name = format!("{}-{round}", receiver.tag());
                    let db = dir.path().join(format!("{name}.db"));
                    copy_ledger(&seed.path, &db);
                    run_listen(
                        &env,
                        bin,
                        (db.as_os_str(), seed.sales.len()),
                        dir.path(),
                        &plan,
                        &name,
                        connections,
                        &sandbox,
                    )
                }
                Receiver::Shared => {
                    let (pg, seed, plan) = shared.as_ref().expect("a PostgreSQL");
                    let name = format!("pg-{round}");
                    let url = pg.copy(PG_SEED, &name.replace('-', "_"));
                    let load = run_listen(
                        &env,
                        Path::new(CLI),
                        (url.as_ref(), seed.sales.len()),
                        dir.path(),
                        plan,
                        &name,
                        connections,
                        &sandbox,
                    );
                    pg.drop_database(&name.replace('-', "_"));
                    load
                }
                Receiver::Peer => run_peer_round(
                    node_modules.as_deref().expect("peer installed"),
                    dir.path(),
                    &plan,
                    round,
                    connections,
                ),
            };
            load.print_row(&round.to_string(), receiver.label());
            problems.extend(load.problems(receiver.tag(), round, seed.sales.len()));
            rates[i] = load.rate();
            totals[i].add(load);
        }
        let rate_of = |want: fn(&Receiver) -> bool| receivers.iter().position(want).map(|i| rates[i]);
        let peer_rate = rate_of(|r| matches!(r, Receiver::Peer));
        if let (Some(a), Some(b)) = (rate_of(|r| matches!(r, Receiver::Ours(_))), peer_rate) {
            ratios.push(a / b);
        }
        if let (Some(a), Some(b)) = (rate_of(|r| matches!(r, Receiver::Before(_))), peer_rate) {
            before_ratios.push(a / b);
        }
        if let (Some(a), Some(b)) = (
            rate_of(|r| matches!(r, Receiver::Shared)),
            rate_of(|r| matches!(r, Receiver::Ours(_))),
        ) {
            engine_ratios.push(a / b);
        }
    }

    println!();
    println!(
        "{:<6} {:<34} {:>7} {:>7} {:>9} {:>8} {:>8} {:>8}",
        "all", "receiver", "events", "acked", "events/s", "p50 ms", "p99 ms", "max ms"
    );
    for (receiver, total) in receivers.iter().zip(&totals) {
        total.as_load().print_row("all", receiver.label());
    }
    let total_of = |want: fn(&Receiver) -> bool| receivers.iter().position(want).map(|i| totals[i].as_load());
    let ours = total_of(|r| matches!(r, Receiver::Ours(_))).unwrap_or_default();
    let peer = total_of(|r| matches!(r, Receiver::Peer)).unwrap_or_default();
    if let Some(old) = total_of(|r| matches!(r, Receiver::Before(_))) {
        println!(
            "\nbefore → after: {:.0} → {:.0} events/s, p99 {:.2} → {:.2} ms{}",
            old.rate(),
            ours.rate(),
            old.percentile_ms(0.99),
            ours.percentile_ms(0.99),
            if before_ratios.is_empty() {
                String::new()
            } else {
                format!("; before/peer {:.2}× (median of rounds)", median(&mut before_ratios))
            }
        );
    }
    if let Some(on_pg) = total_of(|r| matches!(r, Receiver::Shared)) {
        if run_ours {
            let each: Vec<String> = engine_ratios.iter().map(|r| format!("{r:.2}×")).collect();
            println!(
                "\nPostgreSQL / SQLite (the hub on the shop's shared ledger / listen on a file): events/s {:.2}× \
                 (median of rounds: {}; pooled {:.2}×), p50 {:.2} → {:.2} ms, p99 {:.2} → {:.2} ms",
                median(&mut engine_ratios),
                each.join(", "),
                on_pg.rate() / ours.rate(),
                ours.percentile_ms(0.50),
                on_pg.percentile_ms(0.50),
                ours.percentile_ms(0.99),
                on_pg.percentile_ms(0.99)
            );
        }
    }
    let ours_p99 = ours.percentile_ms(0.99);
    let mut missed = problems;
    if run_ours && run_peer {
        let median = median(&mut ratios);
        let each: Vec<String> = ratios.iter().map(|r| format!("{r:.2}×")).collect();
        println!(
            "\nratio ours/peer: {median:.2}× (median of rounds: {}; all rounds pooled: {:.2}×) — target ≥ {TARGET_RATIO}×",
            each.join(", "),
            ours.rate() / peer.rate()
        );
        if median < TARGET_RATIO {
            missed.push(format!("ratio {median:.2}× < {TARGET_RATIO}×"));
        }
    }
    if run_ours {
        println!("p99 ours: {ours_p99:.2} ms — target ≤ {TARGET_P99_MS} ms");
        if ours_p99 > TARGET_P99_MS {
            missed.push(format!("p99 {ours_p99:.2} ms > {TARGET_P99_MS} ms"));
        }
    }
    println!("machine: {} cores, load average {}", cores(), load_average());
    sandbox.shutdown();
    if std::env::var_os("RECUR_POS_BENCH_KEEP").is_some() {
        println!("kept: {} (the receivers' logs and databases)", dir.keep().display());
    }
    if missed.is_empty() {
        println!("MET: every target");
    } else {
        println!("MISSED: {}", missed.join("; "));
        std::process::exit(1);
    }
}

/// What a round feeds.
enum Receiver {
    /// `recur-pos-cli listen`, this build.
    Ours(PathBuf),
    /// `recur-pos-cli listen`, an older build.
    Before(PathBuf),
    /// `recur-pos-cli hub` (this build) on the shop's shared ledger, PostgreSQL.
    Shared,
    Peer,
}

impl Receiver {
    fn tag(&self) -> &'static str {
        match self {
            Receiver::Ours(_) => "ours",
            Receiver::Before(_) => "before",
            Receiver::Shared => "pg",
            Receiver::Peer => "peer",
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Receiver::Ours(_) => "ours: recur-pos-cli listen",
            Receiver::Before(_) => "before: recur-pos-cli listen (old)",
            Receiver::Shared => "ours on PG: recur-pos-cli hub",
            Receiver::Peer => "peer: express + better-sqlite3",
        }
    }
}

/// The median (sorts `values`); NaN when empty.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn knob(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|_| panic!("{name} must be a number")),
        Err(_) => default,
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The environment every `recur-pos-cli` of this run gets: the sandbox's keys, our webhook
/// secret, and settings, keyring and data folders of its own (nothing of this machine's).
struct Env {
    vars: Vec<(String, String)>,
}

impl Env {
    fn new(dir: &Path, sandbox: &Sandbox) -> Env {
        let home = dir.join("home");
        std::fs::create_dir_all(&home).expect("home");
        let vars = [
            ("RECUR_API_BASE", sandbox.base_url()),
            ("RECUR_SECRET_KEY", sandbox.secret_key().to_owned()),
            ("RECUR_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            (
                "RECUR_POS_KEYRING_SERVICE",
                format!("recur-pos-bench-{}", std::process::id()),
            ),
            // Passed on when set (e.g. recur_ledger=debug, to see where the time goes).
            (
                "RECUR_POS_LOG",
                std::env::var("RECUR_POS_LOG").unwrap_or_else(|_| "error".to_owned()),
            ),
            ("XDG_CONFIG_HOME", home.join("config").display().to_string()),
            ("XDG_DATA_HOME", home.join("data").display().to_string()),
        ];
        Env {
            vars: vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }

    fn cli(&self, db: &Path) -> Command {
        self.cli_of(Path::new(CLI), db)
    }

    fn cli_of(&self, bin: &Path, db: &Path) -> Command {
        let mut command = Command::new(bin);
        command.envs(self.vars.iter().map(|(k, v)| (k, v)));
        command.env("RECUR_POS_DB", db).env_remove("RECUR_POS_TUNNEL");
        command
    }
}

/// An open sale, as the generator and the peer's seed need it.
#[derive(Clone)]
struct OpenSale {
    id: String,
    checkout_id: String,
    amount: i64,
}

impl OpenSale {
    fn to_json(&self) -> Value {
        json!({ "id": self.id, "checkout_id": self.checkout_id, "amount": self.amount })
    }
}

struct Seed {
    path: PathBuf,
    sales: Vec<OpenSale>,
}

/// The open sales as a JSON file, for the generator and the peer.
fn write_plan(seed: &Seed, dir: &Path) -> PathBuf {
    write_plan_as(seed, dir, "sales.json")
}

fn write_plan_as(seed: &Seed, dir: &Path, name: &str) -> PathBuf {
    let plan = dir.join(name);
    let sales: Vec<Value> = seed.sales.iter().map(OpenSale::to_json).collect();
    std::fs::write(&plan, serde_json::to_vec(&sales).expect("plan")).expect("write plan");
    plan
}

/// For working on the benchmark only: the ledger and plan kept in `kept` by an earlier run
/// with the same knob, made there first if missing. Its checkouts are unknown to this run's
/// sandbox (the start-up sweep then finds them open and unexpired: it changes nothing).
fn reuse_ledger(kept: &Path, env: &Env, sales: usize) -> (Seed, PathBuf) {
    std::fs::create_dir_all(kept).expect("kept dir");
    let path = kept.join("seed.db");
    let plan = kept.join("sales.json");
    if !plan.exists() {
        let seed = make_ledger(env, &path, sales);
        write_plan(&seed, kept);
    }
    let list: Vec<Value> = serde_json::from_slice(&std::fs::read(&plan).expect("plan")).expect("plan JSON");
    let sales = list
        .iter()
        .map(|s| OpenSale {
            id: s["id"].as_str().expect("id").to_owned(),
            checkout_id: s["checkout_id"].as_str().expect("checkout").to_owned(),
            amount: s["amount"].as_i64().expect("amount"),
        })
        .collect();
    (Seed { path, sales }, plan)
}

/// `sales` runs of `recur-pos-cli charge`, CHARGERS at a time, into one ledger.
fn make_ledger(env: &Env, path: &Path, sales: usize) -> Seed {
    let next = AtomicUsize::new(0);
    let made = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..CHARGERS)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    while next.fetch_add(1, Ordering::Relaxed) < sales {
                        mine.push(charge(env, path));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("charger"))
            .collect::<Vec<_>>()
    });
    Seed {
        path: path.to_path_buf(),
        sales: made,
    }
}

fn charge(env: &Env, db: &Path) -> OpenSale {
    let output = env
        .cli(db)
        .args(["charge", "--product", PRODUCT, "--json"])
        .stdin(Stdio::null())
        .output()
        .expect("run recur-pos-cli charge");
    assert!(
        output.status.success(),
        "charge failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sale: Value = serde_json::from_slice(&output.stdout).expect("charge --json prints JSON");
    let sale = if sale.get("sale").is_some() {
        &sale["sale"]
    } else {
        &sale
    };
    assert_eq!(sale["state"], "OPEN", "a charge made no open sale: {sale}");
    OpenSale {
        id: sale["id"].as_str().expect("sale id").to_owned(),
        checkout_id: sale["checkout_id"].as_str().expect("checkout id").to_owned(),
        amount: sale["amount"].as_i64().expect("amount"),
    }
}

/// Copies the ledger file (and its WAL, if any) to `to`.
fn copy_ledger(from: &Path, to: &Path) {
    std::fs::copy(from, to).expect("copy ledger");
    let wal = |p: &Path| PathBuf::from(format!("{}-wal", p.display()));
    if wal(from).exists() {
        std::fs::copy(wal(from), wal(to)).expect("copy WAL");
    }
}

/// One round of `listen` (the binary `bin`) on `ledger`: a fresh copy (a file or a database)
/// of a ledger of that many open sales.
#[allow(clippy::too_many_arguments)]
fn run_listen(
    env: &Env,
    bin: &Path,
    ledger: (&std::ffi::OsStr, usize),
    dir: &Path,
    plan: &Path,
    name: &str,
    connections: usize,
    sandbox: &Sandbox,
) -> Load {
    let (db, open_sales) = (Path::new(ledger.0), ledger.1);
    let stderr = std::fs::File::create(dir.join(format!("{name}.log"))).expect("log");
    let reads_before = sandbox.api_request_count();
    let mut child = env
        .cli_of(bin, db)
        // `hub` is `listen` by its shop name: the same command, named as a shop runs it.
        .arg(if db.to_string_lossy().starts_with("postgres") {
            "hub"
        } else {
            "listen"
        })
        .args(["--port", "0", "--json", "--sweep-every", "3600"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start recur-pos-cli listen");
    let port = ready_port(&mut child, "recur-pos-cli listen");
    // The start-up sweep reads every open sale's checkout, then each sale again: let it finish
    // first (its reads reached the sandbox, and the process is idle), as the second
    // figure was measured.
    let deadline = Instant::now() + START_TIMEOUT;
    while sandbox.api_request_count() < reads_before + open_sales as u64 {
        assert!(Instant::now() < deadline, "the start-up sweep did not finish");
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_idle(child.id(), deadline);
    let perf = profile(child.id(), dir, name);
    let mut load = generate(port, plan, connections, name);
    if let Some(perf) = perf {
        stop_with(perf, "-INT");
    }
    stop(child);
    let paid = cli_paid_count(env, db);
    load.stored = Some(paid);
    load
}

/// Waits until process `pid` used under 1% of a core for 500 ms.
fn wait_idle(pid: u32, deadline: Instant) {
    let cpu = || -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // utime and stime, the 14th and 15th fields (after the parenthesised name).
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        ticks(11) + ticks(12)
    };
    let mut last = cpu();
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = cpu();
        // Ticks are 10 ms: at most one in 500 ms is under 2 %.
        if now.saturating_sub(last) <= 1 || Instant::now() > deadline {
            return;
        }
        last = now;
    }
}

/// With RECUR_POS_BENCH_PERF=1: `perf record` of process `pid` while the load runs, into
/// DIR/NAME.perf (keep the folder with RECUR_POS_BENCH_KEEP=1).
fn profile(pid: u32, dir: &Path, name: &str) -> Option<Child> {
    std::env::var_os("RECUR_POS_BENCH_PERF")?;
    let out = dir.join(format!("{name}.perf"));
    let child = Command::new("perf")
        .args([
            "record",
            "-e",
            "cpu-clock",
            "-F",
            "2999",
            "-g",
            "-p",
            &pid.to_string(),
            "-o",
        ])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    std::thread::sleep(Duration::from_millis(300));
    Some(child)
}

/// Sales the ledger has PAID, read back by `recur-pos-cli sales` after the listener stopped.
fn cli_paid_count(env: &Env, db: &Path) -> usize {
    let output = env
        .cli(db)
        .args(["sales", "--state", "PAID", "--limit", "1000000", "--json"])
        .stdin(Stdio::null())
        .output()
        .expect("run recur-pos-cli sales");
    assert!(
        output.status.success(),
        "sales failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sales: Value = serde_json::from_slice(&output.stdout).expect("sales --json");
    let list = sales.get("sales").unwrap_or(&sales);
    list.as_array().expect("a list of sales").len()
}

/// `scripts/bench-peer.sh`: the peer's node_modules, installed (once) outside the repository.
fn install_peer() -> PathBuf {
    let script = repo().join("scripts/bench-peer.sh");
    let output = Command::new("bash")
        .arg(&script)
        .stderr(Stdio::inherit())
        .output()
        .expect("run scripts/bench-peer.sh");
    assert!(output.status.success(), "scripts/bench-peer.sh failed");
    let path = String::from_utf8_lossy(&output.stdout);
    PathBuf::from(path.lines().last().expect("the node_modules path").trim())
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One round of the peer, seeded with the same open sales.
fn run_peer_round(node_modules: &Path, dir: &Path, plan: &Path, round: usize, connections: usize) -> Load {
    let db = dir.join(format!("peer-{round}.db"));
    let stderr = std::fs::File::create(dir.join(format!("peer-{round}.log"))).expect("log");
    let mut child = Command::new("node")
        .arg(repo().join("bench/peer/server.js"))
        .env("NODE_PATH", node_modules)
        .env("PORT", "0")
        .env("PEER_DB", &db)
        .env("PEER_SEED", plan)
        .env("RECUR_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start node bench/peer/server.js (is Node installed?)");
    let port = ready_port(&mut child, "the peer");
    let mut load = generate(port, plan, connections, &format!("r{round}_peer"));
    stop(child);
    load.stored = Some(peer_paid_count(node_modules, &db));
    load
}

fn peer_paid_count(node_modules: &Path, db: &Path) -> usize {
    let script = "const D = require('better-sqlite3'); const db = new D(process.argv[1], {readonly: true}); \
                  console.log(db.prepare(\"SELECT COUNT(*) AS n FROM transactions WHERE status = 'PAID'\").get().n);";
    let output = Command::new("node")
        .args(["-e", script])
        .arg(db)
        .env("NODE_PATH", node_modules)
        .output()
        .expect("node");
    assert!(
        output.status.success(),
        "reading the peer's database failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().parse().expect("a count")
}

/// Reads the receiver's first JSON document on stdout, `{"port": N, …}` (over one or more lines).
fn ready_port(child: &mut Child, what: &str) -> u16 {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref().map_while(Result::ok) {
            text.push_str(&line);
            if let Ok(ready) = serde_json::from_str::<Value>(&text) {
                let _ = tx.send(ready);
                break;
            }
        }
        // Keep reading, so the child never blocks on a full pipe.
        for _ in lines {}
    });
    let ready = rx
        .recv_timeout(START_TIMEOUT)
        .unwrap_or_else(|_| panic!("{what} did not say it was ready"));
    let port = ready["port"]
        .as_u64()
        .unwrap_or_else(|| panic!("{what} printed no port: {ready}"));
    u16::try_from(port).expect("a port")
}

/// SIGTERM (the way a service manager stops it), then wait for it to finish.
fn stop(child: Child) {
    stop_with(child, "-TERM");
}

fn stop_with(mut child: Child, signal: &str) {
    let _ = Command::new("kill").args([signal, &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a process did not stop within 20 s of {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs the generator process against `port` and reads its result.
fn generate(port: u16, plan: &Path, connections: usize, prefix: &str) -> Load {
    let mut child = Command::new(std::env::current_exe().expect("this binary"))
        .env(ROLE, "generate")
        .env("GEN_PORT", port.to_string())
        .env("GEN_PLAN", plan)
        .env("GEN_CONNECTIONS", connections.to_string())
        .env("GEN_PREFIX", prefix)
        .env("GEN_SECRET", WEBHOOK_SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the load generator");
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("generator output");
    assert!(child.wait().expect("generator").success(), "the load generator failed");
    let result: Value = serde_json::from_str(out.trim()).expect("generator JSON");
    Load {
        events: result["events"].as_u64().unwrap_or(0) as usize,
        acked: result["acked"].as_u64().unwrap_or(0) as usize,
        refused: result["refused"].as_u64().unwrap_or(0) as usize,
        failed: result["failed"].as_u64().unwrap_or(0) as usize,
        retries: result["retries"].as_u64().unwrap_or(0) as usize,
        elapsed: Duration::from_secs_f64(result["elapsed_s"].as_f64().unwrap_or(0.0)),
        latencies_us: result["latencies_us"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default(),
        stored: None,
    }
}

/// What one receiver did with one round's load.
#[derive(Default)]
struct Load {
    events: usize,
    /// Answered 200.
    acked: usize,
    /// Answered, but not 200.
    refused: usize,
    /// Never answered (after retries).
    failed: usize,
    /// Requests sent again after the connection broke.
    retries: usize,
    elapsed: Duration,
    /// Of every 200, sorted by the generator.
    latencies_us: Vec<u64>,
    /// Sales paid in the receiver's database afterwards.
    stored: Option<usize>,
}

impl Load {
    fn rate(&self) -> f64 {
        self.acked as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let rank = ((self.latencies_us.len() as f64 * p).ceil() as usize).clamp(1, self.latencies_us.len());
        self.latencies_us[rank - 1] as f64 / 1000.0
    }

    fn print_row(&self, round: &str, label: &str) {
        println!(
            "{round:<6} {label:<34} {:>7} {:>7} {:>9.0} {:>8.2} {:>8.2} {:>8.2}",
            self.events,
            self.acked,
            self.rate(),
            self.percentile_ms(0.50),
            self.percentile_ms(0.99),
            self.percentile_ms(1.0),
        );
        if self.refused + self.failed + self.retries > 0 {
            println!(
                "{:<6} {:<34} refused {}, unanswered {}, sent again {}",
                "", "", self.refused, self.failed, self.retries
            );
        }
    }

    fn problems(&self, who: &str, round: usize, sales: usize) -> Vec<String> {
        let mut problems = Vec::new();
        if self.acked != sales {
            problems.push(format!(
                "round {round} {who}: {} of {sales} events acknowledged",
                self.acked
            ));
        }
        if let Some(stored) = self.stored {
            if stored < self.acked {
                problems.push(format!(
                    "round {round} {who}: {} acknowledged but only {stored} sales paid in its database",
                    self.acked
                ));
            }
        }
        problems
    }
}

/// Every round of one receiver together.
#[derive(Default)]
struct Totals {
    loads: Vec<Load>,
}

impl Totals {
    fn add(&mut self, load: Load) {
        self.loads.push(load);
    }

    fn as_load(&self) -> Load {
        let mut all = Load::default();
        for l in &self.loads {
            all.events += l.events;
            all.acked += l.acked;
            all.refused += l.refused;
            all.failed += l.failed;
            all.retries += l.retries;
            all.elapsed += l.elapsed;
            all.latencies_us.extend_from_slice(&l.latencies_us);
        }
        all.latencies_us.sort_unstable();
        all
    }
}

/// The load generator: its own process, a single-threaded tokio runtime, CONNECTIONS
/// keep-alive connections, one request in flight on each.
mod generator {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use recur_domain::{signature, Timestamp};
    use serde_json::{json, Value};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// A request not answered within this is given up (and counted unanswered).
    const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    /// A request whose connection broke before its answer is sent again (a receiver dedupes by
    /// event id, as Recur's retries require) at most this many times.
    const ATTEMPTS: usize = 3;

    fn var(name: &str) -> String {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
    }

    pub fn main() {
        let port: u16 = var("GEN_PORT").parse().expect("GEN_PORT");
        let connections: usize = var("GEN_CONNECTIONS").parse().expect("GEN_CONNECTIONS");
        let prefix = var("GEN_PREFIX");
        let secret = var("GEN_SECRET");
        let plan: Vec<Value> =
            serde_json::from_slice(&std::fs::read(var("GEN_PLAN")).expect("plan")).expect("plan JSON");
        // Built and signed before the clock starts.
        let requests: Vec<Arc<[u8]>> = plan
            .iter()
            .enumerate()
            .map(|(n, sale)| request(port, &secret, &format!("evt_{prefix}_{n}"), n, sale).into())
            .collect();
        let events = requests.len();
        let mut shares: Vec<Vec<Arc<[u8]>>> = vec![Vec::new(); connections.max(1)];
        let count = shares.len();
        for (n, r) in requests.into_iter().enumerate() {
            shares[n % count].push(r);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (results, elapsed) = runtime.block_on(async move {
            let started = Instant::now();
            let tasks: Vec<_> = shares
                .into_iter()
                .map(|share| tokio::spawn(send_all(port, share)))
                .collect();
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.expect("sender task"));
            }
            (results, started.elapsed())
        });
        let mut latencies: Vec<u64> = results.iter().flat_map(|r| r.latencies_us.iter().copied()).collect();
        latencies.sort_unstable();
        let sum = |f: fn(&Sent) -> usize| results.iter().map(f).sum::<usize>();
        let out = json!({
            "events": events,
            "acked": latencies.len(),
            "refused": sum(|r| r.refused),
            "failed": sum(|r| r.failed),
            "retries": sum(|r| r.retries),
            "elapsed_s": elapsed.as_secs_f64(),
            "latencies_us": latencies,
        });
        println!("{out}");
    }

    /// The `order.paid` Recur sends when the sale's checkout is paid (recur-api.md §6, the
    /// sandbox's shape), signed as Recur signs it, as one HTTP/1.1 request.
    fn request(port: u16, secret: &str, event_id: &str, n: usize, sale: &Value) -> Vec<u8> {
        let now = Timestamp::now();
        let order = format!("ord_bench_{n:08}");
        let body = json!({
            "id": event_id,
            "type": "order.paid",
            "timestamp": now.to_rfc3339(),
            "data": {
                "id": order, "order_id": order, "checkout_id": sale["checkout_id"], "status": "paid",
                "amount": sale["amount"], "currency": "TWD", "paid_at": now.to_rfc3339(),
                "product_id": super::PRODUCT, "subscription_id": null,
                "payment_intent_id": format!("pi_bench_{n:08}"), "billing_reason": "purchase",
                "payment_method": "card", "discount": null,
                "metadata": {"transaction_id": sale["id"]},
                "customer": {"id": format!("cus_bench_{n:08}"), "name": null, "email": "bench@example.com", "external_id": null},
                "customer_email": "bench@example.com",
            }
        });
        let body = serde_json::to_vec(&body).expect("body");
        let mut request = format!(
            "POST /webhooks/recur HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: Recur-Webhooks/1.0\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nX-Recur-Signature: {}\r\n\
             X-Recur-Event-Id: {event_id}\r\nX-Recur-Event-Type: order.paid\r\nX-Recur-Timestamp: {}\r\n\r\n",
            body.len(),
            signature::sign_base64(secret, &body),
            now.unix_ms()
        )
        .into_bytes();
        request.extend_from_slice(&body);
        request
    }

    #[derive(Default)]
    struct Sent {
        latencies_us: Vec<u64>,
        refused: usize,
        failed: usize,
        retries: usize,
    }

    /// One connection's share, one request at a time; a new connection when the receiver
    /// closes one.
    async fn send_all(port: u16, requests: Vec<Arc<[u8]>>) -> Sent {
        let mut sent = Sent::default();
        let mut stream: Option<TcpStream> = None;
        let mut buf = Vec::with_capacity(4096);
        for request in requests {
            let started = Instant::now();
            let mut attempt = 0;
            loop {
                attempt += 1;
                let result =
                    tokio::time::timeout(REQUEST_TIMEOUT, exchange(&mut stream, port, &request, &mut buf)).await;
                match result {
                    Ok(Ok(Answer { status, close })) => {
                        if close {
                            stream = None;
                        }
                        if status == 200 {
                            sent.latencies_us.push(started.elapsed().as_micros() as u64);
                        } else {
                            sent.refused += 1;
                        }
                        break;
                    }
                    Ok(Err(_)) if attempt < ATTEMPTS => {
                        stream = None;
                        sent.retries += 1;
                    }
                    _ => {
                        stream = None;
                        sent.failed += 1;
                        break;
                    }
                }
            }
        }
        sent
    }

    struct Answer {
        status: u16,
        close: bool,
    }

    async fn exchange(
        stream: &mut Option<TcpStream>,
        port: u16,
        request: &[u8],
        buf: &mut Vec<u8>,
    ) -> std::io::Result<Answer> {
        if stream.is_none() {
            let s = TcpStream::connect(("127.0.0.1", port)).await?;
            s.set_nodelay(true)?;
            *stream = Some(s);
        }
        let s = stream.as_mut().expect("connected");
        s.write_all(request).await?;
        buf.clear();
        loop {
            if let Some(answer) = parse(buf)? {
                return Ok(answer);
            }
            let mut chunk = [0u8; 4096];
            let n = s.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "closed before answering",
                ));
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// A complete answer in `buf` (head and a `Content-Length` body), if there is one yet.
    fn parse(buf: &[u8]) -> std::io::Result<Option<Answer>> {
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            return Ok(None);
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned());
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("no status line"))?;
        let mut length = None;
        let mut close = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            match name.trim() {
                "content-length" => length = value.trim().parse::<usize>().ok(),
                "connection" => close = value.split(',').any(|v| v.trim() == "close"),
                "transfer-encoding" => return Err(bad("chunked answers are not expected")),
                _ => {}
            }
        }
        let length = length.ok_or_else(|| bad("no Content-Length"))?;
        Ok((buf.len() >= end + 4 + length).then_some(Answer { status, close }))
    }
}
