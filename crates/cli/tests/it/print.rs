//! `recur-pos print` end to end: the real binary, a real sandbox, a real ledger, and the fake
//! ESC/POS printer on loopback, whose decoded images and text are what is asserted.

use std::time::{Duration, Instant};

use recur_print::fake::{decode, png, qr_in, save_artifact, Behaviour, Command, FakePrinter};

use crate::cli::{str_field, Shop};

/// A shop whose settings name it in Chinese, with address lines and a footer.
fn shop() -> Shop {
    let shop = Shop::new();
    let settings = serde_json::json!({
        "shop_name": "阿里山咖啡 Alishan Coffee",
        "printer": {
            "address": ["台北市大安區復興南路一段 100 號", "02-2700-1234"],
            "footer": "謝謝光臨，歡迎再來！"
        }
    });
    std::fs::write(shop.db.with_file_name("settings.json"), settings.to_string()).unwrap();
    shop
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn print_ok(shop: &Shop, args: &[&str]) {
    let out = shop.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    assert!(stderr(&out).contains("printed"), "{}", stderr(&out));
}

fn kicks(job: &[u8]) -> usize {
    decode(job).count(|c| matches!(c, Command::DrawerKick { .. }))
}

#[test]
fn a_paid_cash_sale_prints_its_receipt_at_58_and_80_mm_and_opens_the_drawer_once() {
    let shop = shop();
    let fake = FakePrinter::start().unwrap();
    let sale = shop.json(&[
        "charge",
        "--product",
        "prod_latte",
        "--tender",
        "cash",
        "--tendered",
        "500",
        "--json",
    ]);
    let id = str_field(&sale, "id").to_owned();
    let uri = fake.uri();
    print_ok(&shop, &["print", "receipt", &id, "--printer", &uri, "--width", "58"]);
    print_ok(&shop, &["print", "receipt", &id, "--printer", &uri]);
    let jobs = fake.wait_for(2, Duration::from_secs(5));
    assert_eq!(jobs.len(), 2);
    for (job, (dots, name)) in jobs
        .iter()
        .zip([(384, "cli-receipt-58.png"), (576, "cli-receipt-80.png")])
    {
        let image = decode(job).raster().expect("a raster receipt");
        assert_eq!(image.width, dots);
        assert_eq!(qr_in(&image), vec![id.clone()], "the QR is the sale id");
        let path = save_artifact(name, &png(&image));
        eprintln!("saved {}", path.display());
    }
    assert_eq!(kicks(&jobs[0]), 1, "the first receipt of a cash sale opens the drawer");
    assert_eq!(kicks(&jobs[1]), 0, "a reprint does not");

    // Text mode: Big5 that decodes back to the Chinese, and the reprint says so.
    print_ok(&shop, &["print", "receipt", &id, "--printer", &uri, "--mode", "text"]);
    let text = decode(&fake.wait_for(3, Duration::from_secs(5))[2]).text();
    for want in [
        "阿里山咖啡",
        "拿鐵咖啡",
        "補印",
        "收現",
        "NT$500",
        "找零",
        "NT$380",
        "謝謝光臨，歡迎再來！",
        &id,
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
}

#[test]
fn a_paid_card_sale_prints_without_opening_the_drawer() {
    let shop = shop();
    let fake = FakePrinter::start().unwrap();
    let sale = shop.json(&["charge", "--product", "prod_latte", "--json"]);
    let id = str_field(&sale, "id").to_owned();
    assert_eq!(shop.pay(str_field(&sale, "checkout_id"), "4147631000000001"), 200);
    let swept = shop.run(&["sweep"]);
    assert!(swept.status.success(), "{}", stderr(&swept));
    print_ok(
        &shop,
        &[
            "print",
            "receipt",
            &id,
            "--printer",
            &fake.uri(),
            "--mode",
            "text",
            "--width",
            "58",
        ],
    );
    let job = &fake.wait_for(1, Duration::from_secs(5))[0];
    assert_eq!(kicks(job), 0);
    let text = decode(job).text();
    assert!(text.contains("線上付款") && text.contains("NT$120"), "{text}");
    assert_eq!(decode(job).qr_codes(), vec![id.clone()]);
    // An unpaid sale has no receipt: exit 1, said so, nothing sent.
    let open = shop.json(&["charge", "--product", "prod_latte", "--json"]);
    let out = shop.run(&["print", "receipt", str_field(&open, "id"), "--printer", &fake.uri()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not_printable"), "{}", stderr(&out));
    assert_eq!(fake.jobs().len(), 1);
}

#[test]
fn the_day_report_and_the_test_page_print() {
    let shop = shop();
    let fake = FakePrinter::start().unwrap();
    shop.json(&["charge", "--product", "prod_latte", "--tender", "cash", "--json"]);
    shop.json(&["charge", "--product", "prod_latte", "--tender", "cash", "--json"]);
    let uri = fake.uri();
    print_ok(&shop, &["print", "day", "--printer", &uri]);
    print_ok(&shop, &["print", "day", "--printer", &uri, "--mode", "text"]);
    print_ok(&shop, &["print", "test", "--printer", &uri]);
    let jobs = fake.wait_for(3, Duration::from_secs(5));
    let image = decode(&jobs[0]).raster().expect("a raster report");
    assert_eq!(image.width, 576);
    assert!(image.height > 800, "{}", image.height);
    save_artifact("cli-day-80.png", &png(&image));
    let text = decode(&jobs[1]).text();
    for want in [
        "日結報表",
        "尚未結帳",
        "已付款筆數",
        "NT$240",
        "應有現金",
        "拿鐵咖啡 × 2",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    let test = decode(&jobs[2]);
    assert!(test.text().contains("ABCDEFGHIJKLMNOPQRSTUVWXYZ") && test.text().contains("統一發票"));
    assert_eq!(
        qr_in(&test.raster().expect("the image part")),
        vec!["https://recur.tw".to_owned()]
    );
    save_artifact("cli-test-80.png", &png(&test.raster().unwrap()));
}

#[test]
fn an_unreachable_printer_exits_1_fast_and_the_job_is_kept_for_a_retry() {
    let shop = shop();
    let sale = shop.json(&["charge", "--product", "prod_latte", "--tender", "cash", "--json"]);
    let id = str_field(&sale, "id").to_owned();
    let closed = format!("tcp://127.0.0.1:{}", crate::support::free_port());
    let started = Instant::now();
    let out = shop.run(&["print", "receipt", &id, "--printer", &closed]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("printer_unreachable"), "{}", stderr(&out));
    assert!(took < Duration::from_secs(5), "{took:?}");
    let job = stderr(&out)
        .split("recur-pos print retry ")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .expect("the job id to retry")
        .to_owned();

    // A printer that accepts and never reads: a few seconds, then exit 1.
    let silent = FakePrinter::start().unwrap();
    silent.set(Behaviour::Silent);
    let started = Instant::now();
    let out = shop.run(&["print", "receipt", &id, "--printer", &silent.uri()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("printer_no_answer"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(12), "{:?}", started.elapsed());

    // The kept job prints on a printer that works, drawer kick and all (it was never printed).
    let fake = FakePrinter::start().unwrap();
    print_ok(&shop, &["print", "retry", &job, "--printer", &fake.uri()]);
    let jobs = fake.wait_for(1, Duration::from_secs(5));
    assert_eq!(qr_in(&decode(&jobs[0]).raster().unwrap()), vec![id]);
    assert_eq!(kicks(&jobs[0]), 1);

    // No printer anywhere: said so.
    let out = shop.run(&["print", "test"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("printer_not_set"), "{}", stderr(&out));
}
