//! The owner's half from the command line: cash at the counter, the history's filters and
//! pages, the export of exactly a filter, the day's report, its cross-check against Recur and
//! its close (once), and `dev seed`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::cli::{str_field, Shop};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sale_ids(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("an array of sales: {value}"))
        .iter()
        .map(|s| str_field(s, "id").to_owned())
        .collect()
}

#[test]
fn a_cash_sale_is_paid_at_once_with_its_change_and_never_reaches_recur() {
    let shop = Shop::new();
    let out = shop.run(&[
        "charge",
        "--product",
        "prod_gift_box",
        "--tender",
        "cash",
        "--tendered",
        "1500",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sale = crate::support::parse_one_document(&out.stdout);
    assert_eq!(str_field(&sale, "state"), "PAID");
    assert_eq!(str_field(&sale, "tender"), "cash");
    assert_eq!(sale["amount"], 1290);
    assert_eq!(sale["cash_tendered"], 1500);
    assert_eq!(sale["change"], 210);
    assert_eq!(sale["checkout_id"], Value::Null, "no checkout for cash");
    assert!(stderr(&out).contains("change: NT$210"), "{}", stderr(&out));
    assert!(shop.sandbox.session_ids().is_empty(), "nothing was sent to Recur");

    // Exact money when --tendered is left out: no change.
    let exact = shop.json(&["charge", "--product", "prod_latte", "--tender", "cash", "--json"]);
    assert_eq!(exact["change"], 0);

    // Refused, and nothing written: too little cash, a subscription, --tendered without cash.
    for args in [
        &[
            "charge",
            "--product",
            "prod_gift_box",
            "--tender",
            "cash",
            "--tendered",
            "1000",
        ][..],
        &["charge", "--product", "prod_coffee_monthly", "--tender", "cash"],
        &["charge", "--product", "prod_latte", "--tendered", "200"],
    ] {
        let out = shop.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).trim().is_empty(), "{args:?} says why");
    }
    let negative = shop.run(&[
        "charge",
        "--product",
        "prod_latte",
        "--tender",
        "cash",
        "--tendered",
        "-5",
    ]);
    assert_eq!(negative.status.code(), Some(2), "a negative amount is a usage error");
    assert!(
        stderr(&negative).contains("cannot be negative"),
        "{}",
        stderr(&negative)
    );
    let all = shop.json(&["sales", "--json"]);
    assert_eq!(sale_ids(&all).len(), 2, "only the two cash sales: {all}");
    assert!(shop.sandbox.session_ids().is_empty());

    // The day counts the drawer.
    let day = shop.json(&["day", "--json"]);
    assert_eq!(day["expected_cash"], 1290 + 120);
    let tenders: Vec<(&str, u64, i64)> = day["by_tender"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                str_field(t, "tender"),
                t["count"].as_u64().unwrap(),
                t["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(tenders, [("cash", 2, 1410)], "{day}");
}

#[test]
fn seeded_history_pages_filters_and_exports_exactly_the_same_sales() {
    let shop = Shop::new();
    let seeded = shop.json(&["dev", "seed", "--sales", "3000", "--seed", "7", "--json"]);
    assert_eq!(seeded["sales"], 3000, "{seeded}");
    assert!(seeded["refunds"].as_u64().unwrap() > 0 && seeded["renewals"].as_u64().unwrap() > 0);

    // A second seed is refused: it would mix invented sales into a real history.
    let again = shop.run(&["dev", "seed", "--sales", "10"]);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));

    // Pages of 700 (in --limit pieces) follow each other with no gap and no repeat.
    let filter = ["--from", "2000-01-01", "--to", "2100-01-01", "--tender", "cash"];
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut args: Vec<&str> = vec!["sales", "--limit", "700", "--json"];
        args.extend(filter);
        if let Some(cursor) = after.as_deref() {
            args.extend(["--after", cursor]);
        }
        let out = shop.run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let page = crate::support::parse_one_document(&out.stdout);
        for sale in page.as_array().unwrap() {
            assert_eq!(str_field(sale, "tender"), "cash", "the filter holds on every page");
        }
        seen.extend(sale_ids(&page));
        after = stderr(&out)
            .lines()
            .find_map(|l| l.strip_prefix("next: ").map(str::to_owned));
        if after.is_none() {
            break;
        }
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no sale on two pages");
    assert!(seen.len() > 100, "the seed has cash sales: {}", seen.len());

    // The export of the same filter: exactly those sales, oldest first.
    let out = shop.run(&[
        "export",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
        "--tender",
        "cash",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = csv.trim_end().split("\r\n").skip(1).collect();
    let exported: BTreeSet<String> = rows.iter().map(|r| r.split(',').next().unwrap().to_owned()).collect();
    assert_eq!(
        exported,
        unique.iter().map(|s| (*s).clone()).collect(),
        "export == filter"
    );
    assert!(
        rows.iter().all(|r| r.split(',').nth(3) == Some("cash")),
        "the tender column"
    );

    // To a file: the same bytes, and no partial file left beside it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("帳.csv");
    let out = shop.run(&[
        "export",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
        "--tender",
        "cash",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), csv);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the finished file"
    );

    // A search narrows to one sale by its id; states filter (repeatable).
    let one = &seen[seen.len() / 2];
    let found = shop.json(&[
        "sales",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
        "--search",
        one,
        "--json",
    ]);
    assert_eq!(sale_ids(&found), std::slice::from_ref(one));
    let states = shop.json(&[
        "sales",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
        "--state",
        "refunded",
        "--state",
        "expired",
        "--limit",
        "5000",
        "--json",
    ]);
    let got: BTreeSet<&str> = states
        .as_array()
        .unwrap()
        .iter()
        .map(|s| str_field(s, "state"))
        .collect();
    assert_eq!(
        got,
        BTreeSet::from(["EXPIRED", "REFUNDED"]),
        "both states, and only them"
    );
}

#[test]
fn a_day_closes_once_with_its_cash_count() {
    let shop = Shop::new();
    shop.json(&[
        "charge",
        "--product",
        "prod_gift_box",
        "--tender",
        "cash",
        "--tendered",
        "2000",
        "--json",
    ]);
    shop.json(&["charge", "--product", "prod_latte", "--json"]);

    let closed = shop.json(&["day", "--close", "--counted-cash", "1280", "--by", "店長", "--json"]);
    let close = &closed["close"];
    assert_eq!(close["seq"], 1, "{closed}");
    assert_eq!(close["expected_cash"], 1290);
    assert_eq!(close["counted_cash"], 1280);
    assert_eq!(close["difference"], -10, "ten missing from the drawer");
    assert_eq!(close["closed_by"], "店長");
    assert_eq!(closed["open_total"]["count"], 1, "the unpaid latte is still open");

    let twice = shop.run(&["day", "--close", "--json"]);
    assert_eq!(twice.status.code(), Some(1), "{}", stderr(&twice));
    assert!(
        stderr(&twice).contains("closed"),
        "says the day is already closed: {}",
        stderr(&twice)
    );
    let refused = crate::support::parse_one_document(&twice.stdout);
    assert_eq!(
        refused["error"]["code"], "day_closed",
        "one error document, no report: {refused}"
    );
    // The close kept its figures.
    let again = shop.json(&["day", "--json"]);
    assert_eq!(again["close"], closed["close"]);

    // --counted-cash only with --close.
    assert_eq!(shop.run(&["day", "--counted-cash", "5"]).status.code(), Some(2));
}

#[test]
fn the_cross_check_names_a_payment_the_ledger_missed_and_then_the_day_does_not_close() {
    let shop = Shop::new();
    let sale = shop.json(&["charge", "--product", "prod_latte", "--json"]);
    assert_eq!(shop.pay(str_field(&sale, "checkout_id"), "4147631000000001"), 200);
    // No listener and no sweep: the ledger still says OPEN, Recur says paid.

    let out = shop.run(&["day", "--check", "--close", "--json"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let report = crate::support::parse_one_document(&out.stdout);
    let check = &report["cross_check"];
    assert_eq!(check["checked"], 1, "{report}");
    assert_eq!(check["agrees"], false);
    let difference = &check["differences"][0];
    assert_eq!(difference["code"], "paid_at_recur_only", "{difference}");
    assert_eq!(difference["sale_id"], sale["id"]);
    assert_eq!(report["close"], Value::Null, "not closed while they disagree");
    assert!(stderr(&out).contains("NOT closed"));

    // Once the sweep applies what Recur says, they agree and the day closes.
    shop.json(&["sweep", "--json"]);
    let out = shop.run(&["day", "--check", "--close", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = crate::support::parse_one_document(&out.stdout);
    assert_eq!(report["cross_check"]["agrees"], true, "{report}");
    assert_eq!(report["close"]["seq"], 1);
    assert_eq!(report["collected"], 120);
}

#[test]
fn two_counters_on_one_ledger_sign_their_sales_and_history_and_export_tell_them_apart() {
    let shop = Shop::new();
    let sell_at = |counter: &str| {
        let out = shop
            .command(&["charge", "--product", "prod_latte", "--tender", "cash", "--json"])
            .env("RECUR_POS_SHOP", "台北店")
            .env("RECUR_POS_COUNTER", counter)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        crate::support::parse_one_document(&out.stdout)
    };
    let front = sell_at("front");
    let back = sell_at("back");
    assert_eq!(
        (str_field(&front, "shop"), str_field(&front, "counter")),
        ("台北店", "front")
    );
    assert_eq!(str_field(&back, "counter"), "back");

    let at_back = shop.json(&["sales", "--counter", "back", "--json"]);
    assert_eq!(sale_ids(&at_back), [str_field(&back, "id")]);
    let in_shop = shop.json(&["sales", "--shop", "台北店", "--sort", "oldest", "--json"]);
    assert_eq!(sale_ids(&in_shop), [str_field(&front, "id"), str_field(&back, "id")]);
    assert!(sale_ids(&shop.json(&["sales", "--shop", "台中店", "--json"])).is_empty());

    let out = shop.run(&["export", "--shop", "台北店"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.trim_end().split("\r\n");
    assert!(
        lines.next().unwrap().ends_with(",shop,counter"),
        "the export's last columns"
    );
    let places: Vec<&str> = lines.map(|l| l.rsplit(',').nth(1).unwrap()).collect();
    assert_eq!(places, ["台北店", "台北店"]);
    assert!(
        csv.contains(",台北店,front\r\n") && csv.contains(",台北店,back\r\n"),
        "{csv}"
    );

    // A name no receipt could print is refused before anything is written.
    let bad = shop
        .command(&["charge", "--product", "prod_latte", "--tender", "cash"])
        .env("RECUR_POS_COUNTER", "front\tback")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("invalid_input"), "{}", stderr(&bad));
    assert_eq!(sale_ids(&shop.json(&["sales", "--json"])).len(), 2, "nothing written");

    // Named in settings.json (`shop name`) instead of the environment: the next sale carries it,
    // a name left out stays, and a bad one changes nothing.
    let named = shop.run(&["shop", "name", "--shop", "淡水店", "--counter", "櫃台 3"]);
    assert!(named.status.success(), "{}", stderr(&named));
    assert_eq!(
        String::from_utf8_lossy(&named.stdout),
        "shop: 淡水店\ncounter: 櫃台 3\n"
    );
    let renamed = shop.run(&["shop", "name", "--counter", "櫃台 4"]);
    assert_eq!(
        String::from_utf8_lossy(&renamed.stdout),
        "shop: 淡水店\ncounter: 櫃台 4\n"
    );
    let bad = shop.run(&["shop", "name", "--counter", "a\nb"]);
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("invalid_input"), "{}", stderr(&bad));
    let sale = shop.json(&["charge", "--product", "prod_latte", "--tender", "cash", "--json"]);
    assert_eq!(
        (str_field(&sale, "shop"), str_field(&sale, "counter")),
        ("淡水店", "櫃台 4")
    );
    // The environment still wins over what was saved.
    let out = shop
        .command(&["charge", "--product", "prod_latte", "--tender", "cash", "--json"])
        .env("RECUR_POS_COUNTER", "front")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sale = crate::support::parse_one_document(&out.stdout);
    assert_eq!(
        (str_field(&sale, "shop"), str_field(&sale, "counter")),
        ("淡水店", "front")
    );
}
