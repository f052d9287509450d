//! The owner's half through the real window: History (filters, the URL keeping them across a
//! reload and Back, a sale's details with its ids, live rows), a cash sale with change on Sell,
//! the day's close (charts, the cross-check with Recur, the printable view, closing once and a
//! second close refused) and the CSV export of exactly the filtered set, read back from disk.

use serde_json::{json, Value};

use super::app::{App, PAY_CARD};

pub(super) fn quoted(value: &str) -> String {
    serde_json::to_string(value).expect("a string")
}

/// Sets a <select> (or an input) the way a person's choice does: the value, then `change`.
fn choose(app: &App, css: &str, value: &str) {
    app.js(&format!(
        "const e = document.querySelector({}); e.value = {}; e.dispatchEvent(new Event('change')); return true;",
        quoted(css),
        quoted(value)
    ));
}

/// The sale ids History lists now, in order.
fn history_ids(app: &App) -> Vec<String> {
    let ids = app.js("return [...document.querySelectorAll('#h-rows tr')].map((r) => r.dataset.saleId)");
    ids.as_array()
        .expect("ids")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Waits until History has loaded `rows` rows and its totals count `count`.
pub(super) fn wait_history(app: &App, what: &str, rows: usize, count: usize) {
    app.wait_js(
        what,
        &format!(
            "const v = document.getElementById('view-history'); return !v.hidden && v.dataset.loading === 'false' \
             && document.querySelectorAll('#h-rows tr').length === {rows} \
             && document.getElementById('h-summary').dataset.count === '{count}';"
        ),
    );
}

/// A Tauri command called as the window would (for what the screen cannot do twice).
fn invoke(app: &App, command: &str, args: Value) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1]; \
         window.__TAURI__.core.invoke({}, {args}).then((v) => done({{ok: v}}), (e) => done({{err: e}}));",
        quoted(command)
    );
    app.session.execute_async(&script, vec![]).expect("invoke")
}

/// Hides the toast a copy left, so it covers nothing in the next screenshot.
pub(super) fn quiet(app: &App) {
    app.js("document.getElementById('toast').hidden = true; return true;");
}

/// Takes a cash sale of `product` with `tendered` handed over (photographed as `shot` before and
/// after); returns its id.
pub(super) fn cash_sale(app: &App, product: &str, tendered: &str, change: &str, shot: &str) -> String {
    app.click(&format!(".tile[data-product-id=\"{product}\"]"));
    app.click("input[name=\"tender\"][value=\"cash\"]");
    app.wait_js(
        "the tendered field",
        "return !document.getElementById('cash-box').hidden",
    );
    app.type_into("#tendered", tendered);
    app.wait_js(
        "the change, live",
        &format!(
            "return document.getElementById('change-live').textContent === {}",
            quoted(change)
        ),
    );
    app.shot(shot);
    app.click("#charge");
    app.wait_js(
        "the cash sale, paid at once",
        "const p = document.getElementById('cash-done'); return !p.hidden && p.dataset.state === 'PAID';",
    );
    assert_eq!(app.text("#cash-done-change"), change, "the change after the sale");
    app.shot(&format!("{shot}-done"));
    assert!(
        app.js("return document.getElementById('view-pay').hidden")
            .as_bool()
            .unwrap(),
        "no Pay screen, no QR for cash"
    );
    app.js("return document.getElementById('cash-done').dataset.saleId")
        .as_str()
        .expect("the cash sale's id")
        .to_owned()
}

pub(super) fn print_window(app: &App, main: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let handles = app.session.window_handles().expect("window handles");
        if let Some(h) = handles.into_iter().find(|h| h != main) {
            return h;
        }
        assert!(std::time::Instant::now() < deadline, "the print window did not open");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Presses Close in the print window (which ends it, so WebDriver may say the window is gone)
/// and waits until only the counter window is left.
pub(super) fn close_print(app: &App, main: &str) {
    let _ = app
        .session
        .execute("document.getElementById('print-close').click(); return true;", vec![]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.session.window_handles().expect("window handles").len() > 1 {
        assert!(std::time::Instant::now() < deadline, "the print window did not close");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    app.session.switch_to_window(main).expect("back to the counter");
}

#[test]
fn the_owner_filters_history_takes_cash_closes_the_day_once_and_exports_the_filter() {
    let out = tempfile::tempdir().expect("export folder");
    let csv = out.path().join("sales.csv");
    let app = App::launch_with("owner", &[("RECUR_POS_EXPORT_PATH", csv.to_str().expect("path"))]);

    // A Recur sale paid, one left open, and a cash sale with change.
    let paid = app.charge("prod_latte", false, Some("amy@example.tw"));
    assert_eq!(paid.pay(PAY_CARD), 200);
    app.wait_pay_state("PAID");
    app.click("#paid-next");
    let open = app.charge("prod_americano", false, None);
    app.click("#pay-back");
    let cash = cash_sale(&app, "prod_cinnamon_roll", "500", "NT$415", "sell-cash");
    app.click("#cash-done-next");
    app.wait_today(&cash, "PAID");
    assert_eq!(
        app.text(&format!("#today-rows tr[data-sale-id={}] .tender", quoted(&cash))),
        "現金",
        "Today shows the cash tender"
    );
    app.shot("today-cash");

    // History: today's three sales, newest first, with their count and sum.
    app.click(".tab[data-view=\"history\"]");
    wait_history(&app, "today's three sales", 3, 3);
    assert_eq!(
        history_ids(&app),
        vec![cash.clone(), open.sale_id.clone(), paid.sale_id.clone()]
    );
    assert_eq!(app.text("#h-sum"), "NT$295");
    choose(&app, "#h-tender", "cash");
    wait_history(&app, "only the cash sale", 1, 1);
    assert_eq!(history_ids(&app), vec![cash.clone()]);
    assert_eq!(app.text("#h-sum"), "NT$85");
    let hash = app.js("return location.hash");
    assert!(
        hash.as_str().unwrap_or_default().contains("tender=cash"),
        "the filter is in the URL: {hash}"
    );

    // A reload keeps the filter; Back undoes the last change.
    app.js("location.reload(); return true;");
    app.wait_js(
        "History again after the reload",
        "return document.body.dataset.booted === 'true' && !document.getElementById('view-history').hidden",
    );
    wait_history(&app, "the cash filter after the reload", 1, 1);
    assert_eq!(app.js("return document.getElementById('h-tender').value"), "cash");
    choose(&app, "#h-sort", "amount_high");
    wait_history(&app, "sorted by amount", 1, 1);
    app.js("history.back(); return true;");
    app.wait_js(
        "Back to newest first",
        "return document.getElementById('h-sort').value === 'newest' && location.hash.includes('tender=cash')",
    );
    app.click("#h-reset");
    wait_history(&app, "all of today again", 3, 3);
    choose(&app, "#h-sort", "amount_high");
    app.wait_js("sorted by amount, high to low", &format!(
        "const ids = [...document.querySelectorAll('#h-rows tr')].map((r) => r.dataset.saleId); return ids.length === 3 && ids[0] === {};",
        quoted(&paid.sale_id)
    ));

    // Free text: the customer's email finds the sale.
    app.type_into("#h-text", "amy@");
    wait_history(&app, "the sale found by email", 1, 1);
    assert_eq!(history_ids(&app), vec![paid.sale_id.clone()]);
    app.shot("history-search");

    // A row opens the sale's details, with its ids to copy.
    app.click(&format!(
        "#h-rows tr[data-sale-id={}] td.product",
        quoted(&paid.sale_id)
    ));
    app.wait_js("the sale's details", &format!(
        "return !document.getElementById('sale-overlay').hidden && document.getElementById('sale-dialog-body').dataset.saleId === {};",
        quoted(&paid.sale_id)
    ));
    assert!(app.js("return !!document.querySelector('#sale-dialog-body button.copy[data-copy=\"txn\"]') && !!document.querySelector('#sale-dialog-body button.copy[data-copy=\"checkout\"]')").as_bool().unwrap());
    app.click("#sale-dialog-body button.copy[data-copy=\"txn\"]");
    app.wait_js(
        "the copy to answer",
        "return !!document.querySelector('#sale-dialog-body button.copy[data-copy=\"txn\"]').dataset.copied",
    );
    app.shot("history-detail");
    app.click("#sale-dialog-close");

    // Live: the open sale is paid while History shows it; its row changes in place.
    app.click("#h-reset");
    wait_history(&app, "all of today", 3, 3);
    quiet(&app);
    app.shot("history");
    assert_eq!(open.pay(PAY_CARD), 200);
    app.wait_js(
        "the row paid, in place",
        &format!(
        "const r = document.querySelector('#h-rows tr[data-sale-id={}]'); return !!r && r.dataset.state === 'PAID';",
        quoted(&open.sale_id)
    ),
    );
    app.wait_js(
        "the net of the slice again",
        "return document.getElementById('h-net').textContent === 'NT$295'",
    );

    // Export exactly the filter: all of today, then cash only; read the files back.
    for (tender, want) in [("", vec![&paid.sale_id, &open.sale_id, &cash]), ("cash", vec![&cash])] {
        choose(&app, "#h-tender", tender);
        wait_history(&app, "the slice to export", want.len(), want.len());
        app.click("#h-export");
        app.wait_js(
            "the export to finish",
            &format!("const b = document.getElementById('h-export-box'); return b.dataset.state === 'done' && b.dataset.rows === '{}';", want.len()),
        );
        assert!(app.text("#h-export-text").contains("sales.csv"), "it says where");
        let bytes = std::fs::read(&csv).expect("the exported file");
        assert!(bytes.starts_with("\u{feff}".as_bytes()), "UTF-8 with a BOM");
        let text = String::from_utf8(bytes).expect("UTF-8");
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        let header = lines.next().expect("a header row");
        assert!(
            header.starts_with("id,created_at,state,tender,mode,product_id,amount,checkout_id"),
            "{header}"
        );
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let ids: Vec<&str> = rows.iter().map(|r| r[0]).collect();
        assert_eq!(
            ids,
            want.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "exactly the filter, oldest first"
        );
        let cash_row = rows.iter().find(|r| r[0] == cash).expect("the cash row");
        assert_eq!((cash_row[2], cash_row[3], cash_row[6]), ("PAID", "cash", "85"));
        assert!(
            cash_row[1].ends_with("+08:00"),
            "shop time with its offset: {}",
            cash_row[1]
        );
    }
    quiet(&app);
    app.shot("history-exported");

    // The day's close: figures, charts, cash expected against counted.
    app.click(".tab[data-view=\"close\"]");
    app.wait_js("today's report", "const v = document.getElementById('view-close'); return !v.hidden && v.dataset.closed === 'false' && !!document.querySelector('#c-hour-chart svg rect');");
    assert_eq!(app.text("#c-expected"), "NT$85");
    assert_eq!(
        app.text("#c-figures [data-figure=\"collected\"]")
            .split_whitespace()
            .next(),
        Some("NT$295")
    );
    assert_eq!(
        app.text("#c-breakdowns table[data-tally=\"tender\"] tr[data-key=\"cash\"] td:nth-child(3)"),
        "NT$85"
    );
    assert!(
        app.js("return document.querySelectorAll('#c-trend-chart svg g.bar').length")
            .as_i64()
            == Some(30),
        "30 days of trend"
    );
    app.type_into("#c-counted", "80");
    app.wait_js(
        "the difference, live",
        "return document.getElementById('c-difference').textContent.startsWith('NT$-5')",
    );
    app.click("#c-check");
    app.wait_js(
        "the cross-check with Recur",
        "const c = document.getElementById('c-check-card'); return !c.hidden && c.dataset.state === 'agrees';",
    );
    assert!(
        app.text("#c-check-text").contains("2"),
        "both Recur sales were read: {}",
        app.text("#c-check-text")
    );
    quiet(&app);
    app.shot("close");

    // The printable view, in its own window.
    let main = app.session.window_handle().expect("main window");
    app.click("#c-print");
    let print = print_window(&app, &main);
    app.session.switch_to_window(&print).expect("the print window");
    app.wait_js(
        "the printable report",
        "return document.body.dataset.ready === 'true' && !!document.querySelector('#sheet-hours svg')",
    );
    assert!(app.text("#sheet-day").contains(&today()), "{}", app.text("#sheet-day"));
    app.shot("print-a4");
    app.click(".seg[data-paper=\"80mm\"]");
    app.wait_js("80 mm paper", "return document.body.dataset.paper === '80mm'");
    app.shot("print-80mm");
    close_print(&app, &main);

    // Closing: confirmed first, then shown as closed with who, when and the figures.
    app.click("#c-close");
    app.wait_js(
        "the confirmation",
        "return !document.getElementById('c-confirm').hidden",
    );
    assert!(app.text("#c-confirm-text").contains("NT$80"));
    app.click("#c-confirm-yes");
    app.wait_js("the day closed", "return document.getElementById('view-close').dataset.closed === 'true' && !document.getElementById('c-closed').hidden");
    assert_eq!(app.text("#c-status"), "已結帳 #1");
    assert_eq!(app.text("#c-closed [data-field=\"difference\"]"), "NT$-5");
    quiet(&app);
    app.shot("closed");
    // A second close of the same day is the core's refusal, with its code.
    let again = invoke(&app, "close_day", json!({"date": today(), "countedCash": 85}));
    assert_eq!(again["err"]["code"], "day_closed", "{again}");
    // And on screen: yesterday, shown open, is closed elsewhere (the command line, another
    // window) before the owner presses Close: the refusal is said in words.
    app.click("#c-prev");
    app.wait_js(
        "yesterday, not closed",
        &format!(
        "const v = document.getElementById('view-close'); return v.dataset.day === {} && v.dataset.closed === 'false';",
        quoted(&yesterday())
    ),
    );
    let first = invoke(&app, "close_day", json!({"date": yesterday()}));
    assert!(first.get("ok").is_some(), "{first}");
    app.click("#c-close");
    app.click("#c-confirm-yes");
    app.wait_js(
        "the refusal in words",
        "const b = document.getElementById('c-error'); return !b.hidden && b.dataset.code === 'day_closed';",
    );
    assert!(app.text("#c-error").contains("已經結帳"), "{}", app.text("#c-error"));
    app.wait_js(
        "shown as closed after all",
        "return document.getElementById('view-close').dataset.closed === 'true'",
    );
    assert_eq!(app.text("#c-status"), "已結帳 #2");
    app.shot("second-close-refused");

    // The same screens in English.
    app.click("#lang-switch");
    app.wait_js("English", "return document.documentElement.lang === 'en'");
    app.click(".tab[data-view=\"history\"]");
    app.click("#h-reset");
    wait_history(&app, "History in English", 3, 3);
    assert_eq!(app.text("#h-rows tr .tender.tender-cash"), "Cash");
    assert!(
        app.text("#h-export-text").starts_with("Exported 1 sale(s) to"),
        "the export's sentence follows the language: {}",
        app.text("#h-export-text")
    );
    quiet(&app);
    app.shot("history-en");
    app.click(".tab[data-view=\"sell\"]");
    cash_sale(&app, "prod_latte", "1,000", "NT$880", "sell-cash-en");
    app.click("#cash-done-next");
    app.click(".tab[data-view=\"close\"]");
    app.click("#c-today");
    app.wait_js("today's close in English", &format!(
        "const v = document.getElementById('view-close'); return v.dataset.day === {} && v.dataset.closed === 'true' && document.getElementById('c-status').textContent === 'Closed #1';",
        quoted(&today())
    ));
    app.click("#c-check");
    app.wait_js(
        "the cross-check in English",
        "const c = document.getElementById('c-check-card'); return !c.hidden && c.dataset.state === 'agrees';",
    );
    quiet(&app);
    app.shot("close-en");
    // The latte sold after the close is carried as an adjustment by the next close.
    app.js("document.getElementById('c-adjust-card').scrollIntoView(); return true;");
    app.wait_js(
        "the late sale as an adjustment",
        "const c = document.getElementById('c-adjust-card'); return !c.hidden && c.textContent.includes('拿鐵咖啡') && c.textContent.includes('NT$120');",
    );
    app.shot("close-adjustments-en");
    app.js("document.getElementById('c-date').scrollIntoView(); return true;");
    app.click("#c-print");
    let print = print_window(&app, &main);
    app.session.switch_to_window(&print).expect("the print window");
    app.wait_js("the printable report in English", "return document.body.dataset.ready === 'true' && document.getElementById('sheet-close').textContent.includes('#1')");
    app.shot("print-a4-en");
    close_print(&app, &main);
}

fn today() -> String {
    shop_date(0)
}

fn yesterday() -> String {
    shop_date(-1)
}

/// `YYYY-MM-DD` in Asia/Taipei, `days` from today.
fn shop_date(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let day = (now + 8 * 3600).div_euclid(86_400) + days;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Milliseconds from `action` (a script) until each of `ready` (expressions) first holds,
/// measured in the page: a MutationObserver on History notices each change, so the test's own
/// polling adds nothing.
fn timed(app: &App, action: &str, ready: &[&str]) -> Vec<f64> {
    let checks = ready
        .iter()
        .enumerate()
        .map(|(i, r)| format!("if (at[{i}] === undefined && ({r})) at[{i}] = performance.now() - t0;"))
        .collect::<String>();
    let script = format!(
        "const done = arguments[arguments.length - 1]; const view = document.getElementById('view-history'); \
         const at = []; const t0 = performance.now(); \
         const check = () => {{ {checks} if (at.filter((x) => x !== undefined).length === {n}) {{ mo.disconnect(); done(at); }} }}; \
         const mo = new MutationObserver(check); \
         mo.observe(view, {{attributes: true, childList: true, subtree: true, characterData: true}}); {action}; check();",
        n = ready.len()
    );
    let at = app
        .session
        .execute_async(&script, vec![])
        .unwrap_or_else(|e| panic!("{action} until {ready:?}: {e}"));
    at.as_array()
        .expect("times")
        .iter()
        .map(|v| v.as_f64().expect("milliseconds"))
        .collect()
}

/// History on a big ledger, in the real webview: the first page and the totals of "all", a run of
/// further pages, a text search, and the frames while the whole ledger is exported. Point
/// `RECUR_POS_MEASURE_DB` at a ledger filled by `recur-pos dev seed --sales 1000000` (it is
/// used as it is: the export reads it, nothing writes to it) and run with
/// `cargo test -p recur-pos --test it owner::history_at_scale -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement on a seeded ledger, not a check; run explicitly"]
fn history_at_scale() {
    let db = std::env::var("RECUR_POS_MEASURE_DB").expect("RECUR_POS_MEASURE_DB names a seeded ledger");
    let out = tempfile::tempdir().expect("export folder");
    let csv = out.path().join("all.csv");
    let app = App::launch_with(
        "scale",
        &[
            ("RECUR_POS_DB", db.as_str()),
            ("RECUR_POS_EXPORT_PATH", csv.to_str().expect("path")),
        ],
    );
    app.click(".tab[data-view=\"history\"]");
    app.wait_js(
        "History",
        "return document.getElementById('view-history').dataset.loading === 'false'",
    );
    let first = timed(
        &app,
        "document.querySelector('.seg[data-period=\"all\"]').click()",
        &[
            "view.dataset.loading === 'false'",
            "!!document.getElementById('h-summary').dataset.count",
        ],
    );
    let (first, totals) = (first[0], first[1]);
    let count = app.text("#h-count");
    let mut pages = Vec::new();
    for _ in 0..20 {
        let before: usize = app
            .js("return document.querySelectorAll('#h-rows tr').length")
            .as_u64()
            .unwrap_or(0) as usize;
        pages.push(
            timed(
                &app,
                "document.getElementById('h-more').click()",
                &[&format!("document.querySelectorAll('#h-rows tr').length > {before}")],
            )[0],
        );
    }
    let search = timed(
        &app,
        "const i = document.getElementById('h-text'); i.value = 'c41910'; i.dispatchEvent(new Event('input'))",
        &["view.dataset.loading === 'true'", "at[0] !== undefined && view.dataset.loading === 'false' && document.querySelectorAll('#h-rows tr').length > 0 && !!document.getElementById('h-summary').dataset.count"],
    );
    // From the request (after the 300 ms typing pause) to the rows and totals.
    let search = search[1] - search[0];
    app.click("#h-reset");
    app.click(".seg[data-period=\"all\"]");
    app.wait_js(
        "all of it again",
        "return !!document.getElementById('h-summary').dataset.count",
    );
    // How late the page's event loop runs a 20 ms timer, idle for five seconds and then while the
    // whole ledger is exported (Xvfb has no vsync, so animation frames say little here; a late
    // timer is a page that cannot answer a click).
    let start_lag = "window.__lag = {gaps: [], last: performance.now(), on: true}; \
         window.__lagTimer = setInterval(() => { const l = window.__lag; const t = performance.now(); l.gaps.push(t - l.last - 20); l.last = t; }, 20); return true;";
    let stop_lag = "clearInterval(window.__lagTimer); const g = window.__lag.gaps.slice(1).sort((a, b) => a - b); \
         return {n: g.length, p99: g[Math.floor(g.length * 0.99)], max: g[g.length - 1]};";
    app.js(start_lag);
    app.session
        .execute_async(
            "const done = arguments[arguments.length - 1]; setTimeout(() => done(true), 5000);",
            vec![],
        )
        .expect("five idle seconds");
    let idle = app.js(stop_lag);
    app.js(start_lag);
    let started = std::time::Instant::now();
    app.click("#h-export");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    while app
        .js("return document.getElementById('h-export-box').dataset.state")
        .as_str()
        == Some("running")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the export did not finish in 10 minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let export_s = started.elapsed().as_secs_f64();
    let frames = app.js(stop_lag);
    let rows = app.js("return document.getElementById('h-export-box').dataset.rows");
    app.shot("scale-exported");
    // Cancel halfway: the finished file is left as it was and no partial file stays behind.
    let before = std::fs::metadata(&csv).expect("the export").modified().expect("mtime");
    app.click("#h-export");
    app.wait_js(
        "the export under way",
        "return document.getElementById('h-export-bar').style.width !== '0%'",
    );
    app.shot("scale-exporting");
    app.click("#h-export-cancel");
    app.wait_js(
        "the export cancelled",
        "return document.getElementById('h-export-box').dataset.state === 'cancelled'",
    );
    assert_eq!(
        std::fs::metadata(&csv).expect("the export").modified().expect("mtime"),
        before,
        "a cancelled export leaves the file alone"
    );
    let left: Vec<_> = std::fs::read_dir(out.path())
        .expect("folder")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 1, "no partial file: {left:?}");
    pages.sort_by(f64::total_cmp);
    println!(
        "history at scale ({count} sales): first page {first:.0} ms, totals {totals:.0} ms (both from the click); \
         20 more pages median {:.0} ms, max {:.0} ms; text search {search:.0} ms (rows and totals); \
         export of {rows} rows {export_s:.1} s, a 20 ms timer {} times, late p99 {:.0} ms, max {:.0} ms \
         (idle for 5 s: {} times, late p99 {:.0} ms, max {:.0} ms)",
        pages[pages.len() / 2],
        pages[pages.len() - 1],
        frames["n"],
        frames["p99"].as_f64().unwrap_or(0.0),
        frames["max"].as_f64().unwrap_or(0.0),
        idle["n"],
        idle["p99"].as_f64().unwrap_or(0.0),
        idle["max"].as_f64().unwrap_or(0.0),
    );
}

#[test]
fn the_cross_check_lists_each_difference_in_words_with_a_link_to_its_sale() {
    let app = App::launch("cross-check");
    // Recur's webhook says paid (NT$1 for a NT$90 sale) while the customer never paid the
    // checkout: the ledger has it paid and flagged, Recur's session is still open.
    let sale = app.charge("prod_americano", false, None);
    let checkout_id = app
        .js("return document.getElementById('pay-qr').dataset.checkoutId")
        .as_str()
        .expect("checkout id")
        .to_owned();
    sale.post_event(&json!({"type": "order.paid", "data": {"id": "or_odd", "checkout_id": checkout_id, "amount": 1, "currency": "TWD", "status": "PAID"}}));
    app.wait_pay_state("PAID");
    app.click("#paid-stay");
    app.click(".tab[data-view=\"close\"]");
    app.wait_js(
        "today's report",
        "return !document.getElementById('view-close').hidden && !!document.getElementById('view-close').dataset.day",
    );
    app.click("#c-check");
    app.wait_js(
        "the difference found",
        "const c = document.getElementById('c-check-card'); return !c.hidden && c.dataset.state === 'differs';",
    );
    let item = "#c-differences li[data-code=\"paid_in_ledger_only\"]";
    assert!(
        app.text(item)
            .contains("帳本是已付款，但 Recur 的結帳頁狀態是「等待付款」"),
        "in words: {}",
        app.text(item)
    );
    assert!(
        app.text("#c-check-text").contains("1 項不一致"),
        "{}",
        app.text("#c-check-text")
    );
    app.shot("differences");
    app.click("#lang-switch");
    app.wait_js("English", "return document.documentElement.lang === 'en'");
    app.wait_js(
        "the difference in English",
        &format!("return document.querySelector('{}').textContent.includes(\"The ledger has it paid; Recur's checkout is open\")", item.replace('\'', "\\'")),
    );
    app.shot("differences-en");
    app.click(&format!("{item} button.link"));
    app.wait_js(
        "the sale's details from the difference",
        &format!(
            "return !document.getElementById('sale-overlay').hidden && document.getElementById('sale-dialog-body').dataset.saleId === {};",
            quoted(&sale.sale_id)
        ),
    );
}
