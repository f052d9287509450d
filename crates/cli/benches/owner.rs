//! The owner's half at a million sales: the real `recur-pos-cli` seeds a real ledger file, then
//! every query the History and Close screens make is timed through the core (`recur-ledger`,
//! exactly what the window's commands call) beside the same SQL on a bare rusqlite connection
//! to the same file, in the same run, and the full CSV export of the real binary beside
//! `sqlite3 -csv` dumping the same table. Figures and ratios side by side: these machines are
//! noisy, so only a ratio within one run means anything.
//!
//!     cargo bench -p recur-pos-cli --bench owner               # 1,000,000 sales
//!     RECUR_POS_BENCH_SALES=100000 cargo bench -p recur-pos-cli --bench owner
//!
//! Targets (issue 8): page and search p95 ≤ 5 ms and ≤ 1.5× bare SQLite; day report ≤ 50 ms;
//! export ≤ 1.5× `sqlite3 -csv` (≤ 3 s). A missed target is printed as MISSED and the bench
//! exits 1, so a regression cannot pass unnoticed.
//!
//! Then the same ledger on the shop's shared engine (issue 12): the real binary seeds the same
//! number of sales (same seed) into a PostgreSQL database, and every query above runs through
//! the core on both engines, alternately, with the export of the real binary from each: a
//! second table with PostgreSQL's figures beside SQLite's and their ratio (no targets: the
//! shared ledger crosses a socket for every call). The server: see `support/pg.rs`
//! (`RECUR_POS_BENCH_PG=URL` another one, `none` to skip this half).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use recur_domain::{Day, SaleState, Tender, Timestamp};
use recur_ledger::{Cursor, HistoryFilter, Ledger, Sort};
use rusqlite::{params_from_iter, Connection, OpenFlags};

#[path = "support/pg.rs"]
mod pg;

const CLI: &str = env!("CARGO_BIN_EXE_recur-pos-cli");
const PAGE: usize = 50;
const RUNS: usize = 1000;

/// Every column a page reads, its attention notes included: the same rows the core returns,
/// written out for the bare side.
const COLUMNS: &str = "id, product_id, product_name, mode, amount, currency, \
    COALESCE(paid_email, customer_email), COALESCE(paid_name, customer_name), state, checkout_id, url, \
    expires_at, order_id, subscription_id, paid_amount, refunded_amount, page_opened_at, paid_at, \
    failure_code, failure_params, tender, cash_tendered, \
    CASE WHEN attention_count > 0 THEN (SELECT json_group_array(json_array(a.code, json(a.params))) \
        FROM sale_attention a WHERE a.sale_id = sales.id) END, \
    created_at, updated_at";

struct Row {
    name: &'static str,
    ours: Stats,
    bare: Stats,
    /// (p95 ms, ratio) limits, when the issue sets one.
    target: Option<(f64, f64)>,
}

#[derive(Clone, Copy)]
struct Stats {
    p50: f64,
    p95: f64,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: f64| ms(samples[((samples.len() as f64 - 1.0) * q).round() as usize]);
    Stats {
        p50: at(0.5),
        p95: at(0.95),
    }
}

/// Times `ours` and `bare` alternately (so drift hits both alike), after a warm-up.
fn compare(runs: usize, mut ours: impl FnMut() -> usize, mut bare: impl FnMut() -> usize) -> (Stats, Stats) {
    let (a, b) = (ours(), bare());
    assert_eq!(a, b, "both sides must return the same rows");
    let (mut xs, mut ys) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(ours());
        xs.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(bare());
        ys.push(t.elapsed());
    }
    (stats(xs), stats(ys))
}

fn bare_rows(conn: &Connection, sql: &str, values: &[rusqlite::types::Value]) -> usize {
    let mut stmt = conn.prepare_cached(sql).expect("bare SQL prepares");
    let mut rows = stmt.query(params_from_iter(values.iter())).expect("bare SQL runs");
    let mut n = 0;
    while let Some(row) = rows.next().expect("row") {
        // Read every column, as the core does when it builds a sale.
        for i in 0..row.as_ref().column_count() {
            std::hint::black_box(row.get_ref(i).expect("column"));
        }
        n += 1;
    }
    n
}

fn main() {
    let sales: u64 = std::env::var("RECUR_POS_BENCH_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    // RECUR_POS_BENCH_DB=FILE keeps the seeded ledger between runs (seeded when missing).
    let kept = std::env::var_os("RECUR_POS_BENCH_DB").map(std::path::PathBuf::from);
    let db = kept.clone().unwrap_or_else(|| dir.path().join("ledger.db"));
    let mut seed_s = f64::NAN;
    if !db.exists() {
        println!("seeding {sales} sales with the real binary …");
        let started = Instant::now();
        let out = Command::new(CLI)
            .args(["dev", "seed", "--sales", &sales.to_string(), "--json"])
            .env("RECUR_POS_DB", &db)
            .env("RECUR_POS_KEYRING_SERVICE", "recur-pos-bench-none")
            .output()
            .expect("recur-pos-cli runs");
        assert!(
            out.status.success(),
            "seed failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        seed_s = started.elapsed().as_secs_f64();
    }
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);

    let ledger = Ledger::open(&db).expect("the ledger opens");
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("bare opens");
    let sales: u64 = conn
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .expect("count");
    let today = Day::containing(Timestamp::now());
    let month_ago = Day::containing(Timestamp::from_unix_ms(today.start.unix_ms() - 29 * 86_400_000));
    let mut rows = Vec::new();

    // 1. The first page of a filtered history: the last 30 days, paid, newest first.
    let filter = HistoryFilter {
        from: Some(month_ago),
        to: Some(today),
        states: vec![SaleState::Paid],
        ..HistoryFilter::default()
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM sales WHERE created_at >= ?1 AND created_at < ?2 AND state = 'PAID' \
         ORDER BY created_at DESC, id DESC LIMIT {}",
        PAGE + 1
    );
    let values = [month_ago.start.unix_ms().into(), today.end.unix_ms().into()];
    let (ours, bare) = compare(
        RUNS,
        || ledger.history(&filter, Sort::Newest, None, PAGE).unwrap().sales.len() + 1,
        || bare_rows(&conn, &sql, &values),
    );
    rows.push(Row {
        name: "first page, 30 days paid",
        ours,
        bare,
        target: Some((5.0, 1.5)),
    });

    // 2. A text search over every sale: a customer's email.
    let text = "c12345@";
    let filter = HistoryFilter {
        text: Some(text.to_owned()),
        ..HistoryFilter::default()
    };
    let found = ledger.history(&filter, Sort::Newest, None, PAGE).unwrap().sales.len();
    let sql = format!(
        "SELECT {COLUMNS} FROM sales WHERE rowid IN (SELECT rowid FROM sales_text WHERE sales_text MATCH ?1) \
         ORDER BY created_at DESC, id DESC LIMIT {}",
        PAGE + 1
    );
    let values = [format!("\"{text}\"").into()];
    let (ours, bare) = compare(
        RUNS,
        || ledger.history(&filter, Sort::Newest, None, PAGE).unwrap().sales.len(),
        || bare_rows(&conn, &sql, &values),
    );
    rows.push(Row {
        name: "search an email",
        ours,
        bare,
        target: Some((5.0, 1.5)),
    });
    // The same search as a LIKE scan: what the trigram index saves.
    let like = format!(
        "SELECT {COLUMNS} FROM sales WHERE customer_email LIKE ?1 OR paid_email LIKE ?1 \
         ORDER BY created_at DESC, id DESC LIMIT {}",
        PAGE + 1
    );
    let like_values = [format!("%{text}%").into()];
    let (_, scan) = compare(
        5,
        || bare_rows(&conn, &like, &like_values),
        || bare_rows(&conn, &like, &like_values),
    );
    println!(
        "(search found {found} sale(s); the same by a LIKE scan: p50 {:.1} ms)",
        scan.p50
    );

    // 2b. A two-character name (too short for the trigram index) within the last 30 days.
    let short = HistoryFilter {
        from: Some(month_ago),
        to: Some(today),
        text: Some("美玲".to_owned()),
        ..HistoryFilter::default()
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM sales WHERE created_at >= ?1 AND created_at < ?2 \
         AND (customer_name LIKE ?3 OR paid_name LIKE ?3) ORDER BY created_at DESC, id DESC LIMIT {}",
        PAGE + 1
    );
    let values = [
        month_ago.start.unix_ms().into(),
        today.end.unix_ms().into(),
        "%美玲%".to_owned().into(),
    ];
    let (ours, bare) = compare(
        RUNS / 4,
        || ledger.history(&short, Sort::Newest, None, PAGE).unwrap().sales.len() + 1,
        || bare_rows(&conn, &sql, &values),
    );
    rows.push(Row {
        name: "2-char name, 30 days",
        ours,
        bare,
        target: Some((5.0, 1.5)),
    });

    // 3. A page deep in the list: after the sale half way down, newest first.
    let middle: (i64, i64, String) = conn
        .query_row(
            "SELECT created_at, amount, id FROM sales ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?1",
            [sales / 2],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a middle sale");
    let cursor = Cursor {
        created_at: middle.0,
        amount: middle.1,
        id: recur_domain::TxnId::new(middle.2.clone()),
    };
    let all = HistoryFilter::default();
    let sql = format!(
        "SELECT {COLUMNS} FROM sales WHERE (created_at, id) < (?1, ?2) ORDER BY created_at DESC, id DESC LIMIT {}",
        PAGE + 1
    );
    let values = [middle.0.into(), middle.2.clone().into()];
    let (ours, bare) = compare(
        RUNS,
        || {
            ledger
                .history(&all, Sort::Newest, Some(&cursor), PAGE)
                .unwrap()
                .sales
                .len()
                + 1
        },
        || bare_rows(&conn, &sql, &values),
    );
    rows.push(Row {
        name: "page 10,000 (keyset)",
        ours,
        bare,
        target: Some((5.0, 1.5)),
    });
    // What OFFSET paging would cost at the same depth.
    let offset = format!(
        "SELECT {COLUMNS} FROM sales ORDER BY created_at DESC, id DESC LIMIT {PAGE} OFFSET {}",
        sales / 2
    );
    let (_, deep) = compare(5, || bare_rows(&conn, &offset, &[]), || bare_rows(&conn, &offset, &[]));
    println!("(the same page by OFFSET: p50 {:.1} ms)", deep.p50);

    // 4. Cash sales of the last 30 days by amount, highest first (a second index).
    let filter = HistoryFilter {
        from: Some(month_ago),
        to: Some(today),
        tender: Some(Tender::Cash),
        ..HistoryFilter::default()
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM sales WHERE created_at >= ?1 AND created_at < ?2 AND tender = 'cash' \
         ORDER BY amount DESC, created_at DESC, id DESC LIMIT {}",
        PAGE + 1
    );
    let values = [month_ago.start.unix_ms().into(), today.end.unix_ms().into()];
    let (ours, bare) = compare(
        RUNS,
        || {
            ledger
                .history(&filter, Sort::AmountHigh, None, PAGE)
                .unwrap()
                .sales
                .len()
                + 1
        },
        || bare_rows(&conn, &sql, &values),
    );
    // No target: a date range sorted by amount walks the amount index until a page matches.
    rows.push(Row {
        name: "30 days cash, by amount",
        ours,
        bare,
        target: None,
    });

    // 5. The day report beside the one grouped scan of the day it needs at least.
    let day = Day::containing(Timestamp::from_unix_ms(today.start.unix_ms() - 86_400_000));
    let sql = "SELECT state, tender, mode, product_name, strftime('%H', created_at / 1000 + 28800, 'unixepoch'), \
               count(*), sum(amount) FROM sales WHERE created_at >= ?1 AND created_at < ?2 GROUP BY 1, 2, 3, 4, 5";
    let values = [day.start.unix_ms().into(), day.end.unix_ms().into()];
    let (ours, bare) = compare(
        RUNS / 4,
        || {
            std::hint::black_box(ledger.day_report(day).unwrap());
            0
        },
        || {
            bare_rows(&conn, sql, &values);
            0
        },
    );
    rows.push(Row {
        name: "day report (Z)",
        ours,
        bare,
        target: Some((50.0, f64::INFINITY)),
    });

    // 6. The 30-day chart beside one grouped scan of the 30 days.
    let sql =
        "SELECT (created_at + 28800000) / 86400000, tender, sum(COALESCE(paid_amount, amount) - refunded_amount) \
               FROM sales WHERE created_at >= ?1 AND created_at < ?2 \
               AND state IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') GROUP BY 1, 2";
    let values = [month_ago.start.unix_ms().into(), today.end.unix_ms().into()];
    let (ours, bare) = compare(
        RUNS / 4,
        || {
            std::hint::black_box(ledger.trend(today, 30).unwrap());
            0
        },
        || {
            bare_rows(&conn, sql, &values);
            0
        },
    );
    rows.push(Row {
        name: "30-day trend chart",
        ours,
        bare,
        target: Some((50.0, f64::INFINITY)),
    });

    // 7. The filtered totals above the list (count and sums of every sale).
    let (ours, bare) = compare(
        RUNS / 10,
        || ledger.history_totals(&HistoryFilter::default()).unwrap().count as usize,
        || {
            let sql = "SELECT count(*), COALESCE(sum(amount), 0), \
                COALESCE(sum(CASE WHEN state IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') \
                THEN COALESCE(paid_amount, amount) - refunded_amount END), 0) FROM sales";
            conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as usize
        },
    );
    rows.push(Row {
        name: "totals of all sales",
        ours,
        bare,
        target: None,
    });

    drop(ledger);
    let export = export(&db, dir.path());

    println!();
    println!(
        "{sales} sales; seeded in {seed_s:.1} s by the real binary; ledger {:.0} MB ({:.0} bytes a sale)",
        size as f64 / 1e6,
        size as f64 / sales.max(1) as f64
    );
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>10} {:>7}  target",
        "query", "ours p50", "ours p95", "bare p50", "bare p95", "ratio"
    );
    let mut missed = false;
    for r in &rows {
        let ratio = r.ours.p95 / r.bare.p95.max(1e-6);
        let verdict = match r.target {
            Some((ms, max_ratio)) => {
                let ok = r.ours.p95 <= ms && ratio <= max_ratio;
                missed |= !ok;
                let limit = if max_ratio.is_finite() {
                    format!("≤ {ms} ms, ≤ {max_ratio}×")
                } else {
                    format!("≤ {ms} ms")
                };
                format!("{limit} {}", if ok { "ok" } else { "MISSED" })
            }
            None => String::new(),
        };
        println!(
            "{:<28} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>6.2}×  {verdict}",
            r.name, r.ours.p50, r.ours.p95, r.bare.p50, r.bare.p95, ratio
        );
    }
    let (ours_s, bare_s, rows_out) = export;
    let ratio = ours_s / bare_s.max(1e-6);
    let ok = ratio <= 1.5 && ours_s <= 3.0;
    missed |= !ok;
    println!(
        "{:<28} {:>9.2}s {:>10} {:>9.2}s {:>10} {:>6.2}×  ≤ 1.5× sqlite3 -csv, ≤ 3 s {}",
        format!("CSV export ({rows_out} rows)"),
        ours_s,
        "",
        bare_s,
        "",
        ratio,
        if ok { "ok" } else { "MISSED" }
    );
    if let Some(pg) = pg::BenchPg::start() {
        engines(&db, &pg, dir.path());
    }
    if missed {
        std::process::exit(1);
    }
}

/// The owner's queries on the SQLite file `file` and on the same sales seeded into PostgreSQL,
/// through the core, side by side.
fn engines(file: &Path, pg: &pg::BenchPg, dir: &Path) {
    let lite = Ledger::open(file).expect("the ledger opens");
    let sales = lite.history_totals(&HistoryFilter::default()).expect("totals").count;
    // A counter on the shared ledger needs a Recur that is not the embedded sandbox: a
    // standalone one (in this process), which the seed never calls.
    let recur = recur_sandbox::Sandbox::start(recur_sandbox::SandboxConfig {
        rate_limit_per_min: None,
        ..recur_sandbox::SandboxConfig::for_tests()
    })
    .expect("sandbox");
    let home = dir.join("pg-home");
    std::fs::create_dir_all(&home).expect("home");
    let url = pg.create("recur_bench_owner");
    let env: Vec<(&str, String)> = vec![
        ("RECUR_API_BASE", recur.base_url()),
        ("RECUR_SECRET_KEY", recur.secret_key().to_owned()),
        ("RECUR_WEBHOOK_SECRET", recur.webhook_secret().to_owned()),
        ("RECUR_POS_HOME", home.display().to_string()),
    ];
    println!(
        "\nseeding {sales} sales into PostgreSQL ({}) with the real binary …",
        pg.shown()
    );
    let started = Instant::now();
    let out = Command::new(CLI)
        .args(["dev", "seed", "--sales", &sales.to_string(), "--json"])
        .env("RECUR_POS_DB", &url)
        .env("RECUR_POS_KEYRING_SERVICE", "recur-pos-bench-none")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("recur-pos-cli runs");
    assert!(
        out.status.success(),
        "seed on PostgreSQL failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seed_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    pg.vacuum_analyze(&url);
    let vacuum_s = started.elapsed().as_secs_f64();
    let size = pg.size(&url);
    let shared = Ledger::open_at(&url, None, recur_ledger::Origin::default()).expect("the shared ledger opens");
    assert_eq!(
        shared.history_totals(&HistoryFilter::default()).unwrap().count,
        sales,
        "both engines hold the same sales"
    );

    let today = Day::containing(Timestamp::now());
    let month_ago = Day::containing(Timestamp::from_unix_ms(today.start.unix_ms() - 29 * 86_400_000));
    let last_30 = |f: HistoryFilter| HistoryFilter {
        from: Some(month_ago),
        to: Some(today),
        ..f
    };
    let page = |ledger: &Ledger, filter: &HistoryFilter, sort: Sort, after: Option<&Cursor>| {
        ledger.history(filter, sort, after, PAGE).unwrap().sales.len()
    };
    let mut rows: Vec<(&str, Stats, Stats)> = Vec::new();
    let mut both = |name, runs, f: &dyn Fn(&Ledger) -> usize| {
        let (a, b) = compare(runs, || f(&lite), || f(&shared));
        rows.push((name, a, b));
    };
    let paid = last_30(HistoryFilter {
        states: vec![SaleState::Paid],
        ..HistoryFilter::default()
    });
    both("first page, 30 days paid", RUNS, &|l| {
        page(l, &paid, Sort::Newest, None)
    });
    let email = HistoryFilter {
        text: Some("c12345@".to_owned()),
        ..HistoryFilter::default()
    };
    both("search an email", RUNS, &|l| page(l, &email, Sort::Newest, None));
    let short = last_30(HistoryFilter {
        text: Some("美玲".to_owned()),
        ..HistoryFilter::default()
    });
    both("2-char name, 30 days", RUNS / 4, &|l| {
        page(l, &short, Sort::Newest, None)
    });
    // The sale half way down the list, on each engine (the same seed makes the same sales, but
    // each engine finds its own).
    let middle = |l: &Ledger| {
        let mut after = None;
        let mut seen = 0;
        loop {
            let found = l
                .history(
                    &HistoryFilter::default(),
                    Sort::Newest,
                    after.as_ref(),
                    recur_ledger::PAGE_MAX,
                )
                .unwrap();
            seen += found.sales.len() as u64;
            if seen >= sales / 2 || found.next.is_none() {
                return found.next;
            }
            after = found.next;
        }
    };
    let cursors = (middle(&lite), middle(&shared));
    both("page 10,000 (keyset)", RUNS, &|l| {
        let cursor = if std::ptr::eq(l, &lite) { &cursors.0 } else { &cursors.1 };
        page(l, &HistoryFilter::default(), Sort::Newest, cursor.as_ref())
    });
    let cash = last_30(HistoryFilter {
        tender: Some(Tender::Cash),
        ..HistoryFilter::default()
    });
    both("30 days cash, by amount", RUNS, &|l| {
        page(l, &cash, Sort::AmountHigh, None)
    });
    let day = Day::containing(Timestamp::from_unix_ms(today.start.unix_ms() - 86_400_000));
    both("day report (Z)", RUNS / 4, &|l| {
        std::hint::black_box(l.day_report(day).unwrap());
        0
    });
    both("30-day trend chart", RUNS / 4, &|l| {
        std::hint::black_box(l.trend(today, 30).unwrap());
        0
    });
    both("totals of all sales", RUNS / 10, &|l| {
        l.history_totals(&HistoryFilter::default()).unwrap().count as usize
    });
    drop((lite, shared));

    // The full export by the real binary from each engine, alternately, best of three.
    let (mut on_file, mut on_pg) = (f64::INFINITY, f64::INFINITY);
    let mut counts = (0, 0);
    for _ in 0..3 {
        let (s, n) = export_of(file.as_os_str(), &[], &dir.join("file.csv"));
        on_file = on_file.min(s);
        counts.0 = n;
        let (s, n) = export_of(url.as_ref(), &env, &dir.join("pg.csv"));
        on_pg = on_pg.min(s);
        counts.1 = n;
    }
    assert_eq!(counts.0, counts.1, "both exports hold every sale");
    drop(recur);
    pg.drop_database("recur_bench_owner");

    println!(
        "{sales} sales on PostgreSQL; seeded in {seed_s:.1} s by the real binary, VACUUM ANALYZE {vacuum_s:.1} s; \
         database {:.0} MB ({:.0} bytes a sale)",
        size as f64 / 1e6,
        size as f64 / sales.max(1) as f64
    );
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>10} {:>7}",
        "query (through the core)", "SQLite p50", "SQLite p95", "PG p50", "PG p95", "PG/SQL"
    );
    for (name, lite, pg) in &rows {
        println!(
            "{name:<28} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>6.2}×",
            lite.p50,
            lite.p95,
            pg.p50,
            pg.p95,
            pg.p95 / lite.p95.max(1e-6)
        );
    }
    println!(
        "{:<28} {:>9.2}s {:>10} {:>9.2}s {:>10} {:>6.2}×",
        format!("CSV export ({} rows)", counts.0),
        on_file,
        "",
        on_pg,
        "",
        on_pg / on_file.max(1e-6)
    );
}

/// `recur-pos-cli export` of every sale from the ledger at `location`, into `out`: seconds, rows.
fn export_of(location: &std::ffi::OsStr, env: &[(&str, String)], out: &Path) -> (f64, u64) {
    let t = Instant::now();
    let run = Command::new(CLI)
        .args(["export", "--from", "2000-01-01", "--to", "2100-12-31", "--out"])
        .arg(out)
        .env("RECUR_POS_DB", location)
        .env("RECUR_POS_KEYRING_SERVICE", "recur-pos-bench-none")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("recur-pos-cli runs");
    assert!(
        run.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let seconds = t.elapsed().as_secs_f64();
    let rows = std::fs::read(out)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count() as u64 - 1)
        .unwrap_or(0);
    (seconds, rows)
}

/// The full export by the real binary beside `sqlite3 -csv` dumping the same columns in the same
/// order, each run three times, best of each (a cold page cache would only measure the disk).
fn export(db: &Path, dir: &Path) -> (f64, f64, u64) {
    let ours_file = dir.join("ours.csv");
    let bare_file = dir.join("bare.csv");
    let sql =
        "SELECT id, datetime(created_at / 1000, 'unixepoch', '+8 hours'), state, tender, mode, product_id, amount, \
               checkout_id, product_name, currency, paid_amount, refunded_amount, cash_tendered, \
               COALESCE(paid_email, customer_email), COALESCE(paid_name, customer_name), order_id, subscription_id, \
               datetime(paid_at / 1000, 'unixepoch', '+8 hours'), attention_count FROM sales ORDER BY created_at, id";
    let mut ours = f64::INFINITY;
    let mut bare = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        let out = Command::new(CLI)
            .args(["export", "--from", "2000-01-01", "--to", "2100-12-31", "--out"])
            .arg(&ours_file)
            .env("RECUR_POS_DB", db)
            .env("RECUR_POS_KEYRING_SERVICE", "recur-pos-bench-none")
            .output()
            .expect("recur-pos-cli runs");
        assert!(
            out.status.success(),
            "export failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        ours = ours.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let file = std::fs::File::create(&bare_file).expect("bare csv");
        let status = Command::new("sqlite3")
            .arg("-csv")
            .arg("-readonly")
            .arg(db)
            .arg(sql)
            .stdout(file)
            .status()
            .expect("sqlite3 runs (apt install sqlite3)");
        assert!(status.success());
        bare = bare.min(t.elapsed().as_secs_f64());
    }
    let rows = std::fs::read(&ours_file)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count() as u64 - 1)
        .unwrap_or(0);
    let bare_rows = std::fs::read(&bare_file)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count() as u64)
        .unwrap_or(0);
    assert_eq!(rows, bare_rows, "both exports hold every sale");
    (ours, bare, rows)
}
