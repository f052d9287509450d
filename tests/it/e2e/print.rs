//! Receipts on the fake ESC/POS printer through the real window: the printer set in Settings,
//! a cash sale and a card sale printed as they are paid (the drawer opens for cash only), a
//! reprint from History at 58 mm, and the day's report from Close — each job decoded back to
//! its image, whose QR must be the sale's id. The decoded images are kept in
//! `test-artifacts/print/` (`print-receipt-58.png`, `print-receipt-80.png`, `print-day-80.png`).

use std::time::Duration;

use recur_print::fake::{decode, png, qr_in, save_artifact, Behaviour, Command, FakePrinter};

use super::app::{App, PAY_CARD};
use super::owner::{cash_sale, close_print, print_window, quiet, quoted, wait_history};

const WAIT: Duration = Duration::from_secs(20);

/// Settings shown, with the printer card filled from the saved settings.
const PRINTER_CARD: &str = "return !document.getElementById('view-settings').hidden && document.getElementById('printer-form').dataset.loading === 'false'";

/// The jobs so far, once there are `n`.
fn jobs(fake: &FakePrinter, n: usize) -> Vec<Vec<u8>> {
    let jobs = fake.wait_for(n, WAIT);
    assert_eq!(jobs.len(), n, "the printer got {} job(s), expected {n}", jobs.len());
    jobs
}

fn kicks(job: &[u8]) -> usize {
    decode(job).count(|c| matches!(c, Command::DrawerKick { .. }))
}

/// Checks the receipt of `sale` in `job` (width in dots) and keeps its image as `name`.
fn receipt(job: &[u8], sale: &str, dots: u32, name: &str) {
    let image = decode(job).raster().expect("a raster receipt");
    assert_eq!(image.width, dots);
    assert_eq!(qr_in(&image), vec![sale.to_owned()], "the receipt's QR is the sale id");
    save_artifact(name, &png(&image));
}

fn set(app: &App, css: &str, value: &str) {
    app.js(&format!(
        "document.querySelector({}).value = {}; return true;",
        quoted(css),
        quoted(value)
    ));
}

fn save_printer(app: &App) {
    app.js("document.getElementById('printer-result').textContent = ''; return true;");
    app.click("#printer-save");
    app.wait_js(
        "the printer settings saved",
        "const r = document.getElementById('printer-result'); return r.textContent !== '' && !r.classList.contains('error');",
    );
}

#[test]
fn a_paid_sale_prints_its_receipt_on_the_printer_and_the_day_report_prints_the_same_way() {
    let fake = FakePrinter::start().expect("the fake printer");
    let app = App::launch("print");

    // Settings → Receipt printer.
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js("the printer card", PRINTER_CARD);
    app.type_into("#in-printer-uri", &fake.uri());
    set(
        &app,
        "#in-printer-address",
        "台北市大安區復興南路一段 100 號\n02-2700-1234",
    );
    set(&app, "#in-printer-footer", "謝謝光臨，歡迎再來！");
    app.click("#in-printer-auto");
    save_printer(&app);
    app.wait_js(
        "the printer's dot, ready",
        "return document.getElementById('dot-printer').dataset.state === 'ok'",
    );
    app.js("document.getElementById('set-printer-title').scrollIntoView(); return true;");
    app.shot("settings-printer");
    app.click("#lang-switch");
    app.wait_js("English", "return document.documentElement.lang === 'en'");
    app.js("document.getElementById('set-printer-title').scrollIntoView(); return true;");
    app.shot("settings-printer-en");
    app.click("#lang-switch");
    app.wait_js("zh-TW", "return document.documentElement.lang === 'zh-TW'");

    // A cash sale prints as it is paid, and opens the drawer.
    app.click(".tab[data-view=\"sell\"]");
    let cash = cash_sale(&app, "prod_latte", "500", "NT$380", "cash");
    let got = jobs(&fake, 1);
    receipt(&got[0], &cash, 576, "print-receipt-80.png");
    assert_eq!(kicks(&got[0]), 1, "a cash sale's receipt opens the drawer");
    app.wait_js(
        "the toast saying so",
        "return document.getElementById('toast').textContent === '收據已列印。'",
    );
    app.shot("cash-printed");
    app.click("#cash-done-next");

    // A card sale prints when the Pay screen sees it paid; no drawer.
    let checkout = app.charge("prod_latte", false, None);
    assert_eq!(checkout.pay(PAY_CARD), 200);
    app.wait_pay_state("PAID");
    let got = jobs(&fake, 2);
    receipt(&got[1], &checkout.sale_id, 576, "e2e-card-receipt-80.png");
    assert_eq!(kicks(&got[1]), 0, "no drawer for a card sale");
    app.shot("paid-printed");

    // The day's report from Close, on the receipt printer.
    app.click(".tab[data-view=\"close\"]");
    app.click("#c-print-thermal");
    let got = jobs(&fake, 3);
    let day = decode(&got[2]).raster().expect("a raster report");
    assert_eq!(day.width, 576);
    assert!(day.height > 800, "the report is {} dots long", day.height);
    assert!(qr_in(&day).is_empty(), "a report has no QR");
    save_artifact("print-day-80.png", &png(&day));
    app.wait_js(
        "the toast",
        "return document.getElementById('toast').textContent === '日結報表已列印。'",
    );
    app.shot("close-printed");
    app.click("#lang-switch");
    app.wait_js(
        "English",
        "return document.documentElement.lang === 'en' && document.getElementById('c-print-thermal').textContent === 'Print on receipt printer'",
    );
    quiet(&app);
    app.shot("close-printed-en");
    app.click("#lang-switch");
    app.wait_js("zh-TW", "return document.documentElement.lang === 'zh-TW'");

    // 58 mm paper, then History → the cash sale → print again: a reprint, no drawer.
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js("the printer card", PRINTER_CARD);
    set(&app, "#in-printer-paper", "58");
    save_printer(&app);
    app.click(".tab[data-view=\"history\"]");
    wait_history(&app, "today's two sales", 2, 2);
    app.click(&format!("#h-rows tr[data-sale-id={}] td.product", quoted(&cash)));
    app.click("#detail-print");
    let got = jobs(&fake, 4);
    receipt(&got[3], &cash, 384, "print-receipt-58.png");
    assert_eq!(kicks(&got[3]), 0, "a reprint does not open the drawer");
    quiet(&app);
    app.shot("history-reprint");
    // The dialog covers the top bar: the language switch is pressed from the keyboard's side.
    app.js("document.getElementById('lang-switch').click(); return true;");
    app.wait_js("English", "return document.documentElement.lang === 'en'");
    app.shot("history-reprint-en");
    app.js("document.getElementById('lang-switch').click(); return true;");
    app.wait_js("zh-TW", "return document.documentElement.lang === 'zh-TW'");

    // The same receipt for an ordinary printer: the print window, laid out the same way.
    let main = app.session.window_handle().expect("the counter window");
    app.click("#detail-print-window");
    let window = print_window(&app, &main);
    app.session.switch_to_window(&window).expect("the print window");
    app.wait_js(
        "the receipt laid out",
        "return document.body.dataset.ready === 'true' && !document.getElementById('receipt').hidden",
    );
    let text = app.text("#receipt");
    for want in [
        "日光咖啡",
        "補印",
        "拿鐵咖啡",
        "NT$380",
        "謝謝光臨，歡迎再來！",
        cash.as_str(),
    ] {
        assert!(text.contains(want), "{want:?} not in the HTML receipt: {text}");
    }
    assert!(app
        .js("return document.querySelector('#receipt img.r-qr').naturalWidth > 0")
        .as_bool()
        .unwrap());
    app.shot("receipt-window");
    close_print(&app, &main);

    // Out of paper: the cashier is told what to do, the top bar's dot turns red, and the job
    // is kept (the fake read it, but the printer said it could not print).
    fake.set(Behaviour::PaperOut);
    app.click("#detail-print");
    app.wait_js(
        "the paper-out toast",
        "return document.getElementById('toast').textContent.includes('沒紙')",
    );
    app.wait_js(
        "the printer's dot, red",
        "return document.getElementById('dot-printer').dataset.state === 'error'",
    );
    assert_eq!(jobs(&fake, 5).len(), 5);
    app.shot("paper-out");

    // Paper back in: Settings' test page and "open drawer" print.
    fake.set(Behaviour::Ready);
    app.click("#sale-dialog-close");
    app.click(".tab[data-view=\"settings\"]");
    app.wait_js("the printer card", PRINTER_CARD);
    quiet(&app);
    app.click("#printer-test");
    let test = decode(&jobs(&fake, 6)[5]);
    assert!(test.text().contains("ABCDEFGHIJKLMNOPQRSTUVWXYZ") && test.text().contains("繁體中文測試"));
    assert_eq!(
        qr_in(&test.raster().expect("the image part")),
        vec!["https://recur.tw".to_owned()]
    );
    app.wait_js(
        "the printer's dot, ready again",
        "return document.getElementById('dot-printer').dataset.state === 'ok'",
    );
    quiet(&app);
    app.click("#printer-drawer");
    assert_eq!(kicks(&jobs(&fake, 7)[6]), 1, "open drawer kicks it");
}
