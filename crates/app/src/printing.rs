//! Printing for the counter: a paid sale's receipt, the day's report, the test page and the
//! cash drawer, on the printer saved in Settings — the rules the window and `recur-pos print`
//! share. Layout, rendering and the wire are `recur-print`'s; this fills its model from the
//! ledger, decides when the drawer opens, and keeps every job in the ledger (`print_jobs`)
//! before it is sent, so a receipt whose printer failed is printed again by hand, never lost.
//!
//! Rules: only a paid sale has a receipt; a receipt is a reprint (and says so) when one was
//! printed for the sale before; the drawer opens after the first printed receipt of a cash
//! sale when Settings allow it, and on "open drawer"; sending happens on a blocking thread with
//! a deadline of a few seconds ([`recur_print::transport::DEFAULT_TIMEOUT`]), never on the
//! caller's.

use std::time::Duration;

use recur_domain::{Day, Money, Tender, Timestamp, TxnId};
use recur_ledger::{DayReport, NewPrintJob, PrintJob, PrintState, SaleDetail};
use recur_pos_core::Counter;
use recur_print::model::CloseLine;
use recur_print::{
    transport, DaySheet, Lang, Paper, Payment, PrintError, PrintMode, PrinterStatus, PrinterUri, Receipt, Sheet, Shop,
};

use crate::error::AppError;
use crate::settings::SettingsFile;

/// What one call may change from Settings (`--printer`, `--width`, `--mode`).
#[derive(Clone, Debug, Default)]
pub struct PrintOptions {
    pub printer: Option<String>,
    pub paper: Option<Paper>,
    pub mode: Option<PrintMode>,
}

/// The printer, paper and mode to use.
#[derive(Clone, Debug)]
struct Target {
    uri: PrinterUri,
    paper: Paper,
    mode: PrintMode,
    lang: Lang,
}

fn target(settings: &SettingsFile, options: &PrintOptions) -> Result<Target, AppError> {
    let saved = settings.get().printer;
    let uri = options
        .printer
        .clone()
        .or(saved.uri)
        .filter(|u| !u.trim().is_empty())
        .ok_or(PrintError::NotSet)?;
    Ok(Target {
        uri: PrinterUri::parse(&uri)?,
        paper: options.paper.unwrap_or(saved.paper),
        mode: options.mode.unwrap_or(saved.mode),
        lang: saved.lang,
    })
}

/// The shop's header and footer from Settings.
pub fn shop(settings: &SettingsFile) -> Shop {
    let saved = settings.get().printer;
    Shop {
        name: settings.shop_name().value,
        address: saved.address.into_iter().filter(|l| !l.trim().is_empty()).collect(),
        footer: saved.footer.filter(|f| !f.trim().is_empty()),
    }
}

/// `2026-12-02 14:05` on the shop's clock.
pub fn shop_time(at: Timestamp) -> String {
    let text = at.to_shop_rfc3339();
    format!("{} {}", &text[..10], &text[11..16])
}

/// The receipt of a paid sale.
pub fn receipt_of(detail: &SaleDetail, shop: Shop, reprint: bool) -> Result<Receipt, AppError> {
    let sale = &detail.sale;
    if !sale.state.is_paid() {
        return Err(AppError::NotPrintable(sale.id.clone()));
    }
    let payment = match sale.tender {
        Tender::Cash => {
            let tendered = sale.cash_tendered.unwrap_or(sale.amount);
            Payment::Cash {
                tendered,
                change: tendered.checked_sub(sale.amount).unwrap_or(Money::new(0)),
            }
        }
        Tender::Recur => {
            let (brand, last4) = card_of(detail);
            Payment::Recur { brand, last4 }
        }
    };
    let invoice_number = detail
        .einvoices
        .iter()
        .rev()
        .find(|e| e.kind == "einvoice.issued")
        .and_then(|e| e.invoice_number.clone());
    Ok(Receipt {
        shop,
        sale_id: sale.id.to_string(),
        at: shop_time(sale.paid_at.unwrap_or(sale.created_at)),
        product: sale.product_name.clone(),
        mode: sale.mode,
        amount: sale.paid_amount.unwrap_or(sale.amount),
        payment,
        invoice_number,
        reprint,
    })
}

/// The card's brand and last four digits, when a verified event about the sale names them
/// (`data.paymentMethod.brand`/`last4`, or the same keys anywhere under `data`).
fn card_of(detail: &SaleDetail) -> (Option<String>, Option<String>) {
    fn find(value: &serde_json::Value, keys: &[&str], depth: u8) -> Option<String> {
        let map = value.as_object()?;
        for key in keys {
            if let Some(text) = map.get(*key).and_then(|v| v.as_str()).filter(|s| !s.trim().is_empty()) {
                return Some(text.trim().to_owned());
            }
        }
        if depth == 0 {
            return None;
        }
        map.values().find_map(|v| find(v, keys, depth - 1))
    }
    for event in detail.events.iter().rev() {
        let Ok(body) = serde_json::from_slice::<serde_json::Value>(&event.body) else {
            continue;
        };
        let data = body.get("data").unwrap_or(&body);
        let last4 = find(data, &["last4", "last_four", "lastFour"], 3)
            .filter(|l| l.len() == 4 && l.chars().all(|c| c.is_ascii_digit()));
        let brand = find(data, &["brand", "card_brand", "cardBrand"], 3).map(|b| b.to_uppercase());
        if last4.is_some() || brand.is_some() {
            return (brand, last4);
        }
    }
    (None, None)
}

/// The day sheet of a report.
pub fn day_sheet(report: &DayReport, shop: Shop, now: Timestamp) -> DaySheet {
    let s = &report.summary;
    DaySheet {
        shop,
        date: s.day.date(),
        printed_at: shop_time(now),
        close: report.close.as_ref().map(|c| CloseLine {
            seq: c.seq,
            at: shop_time(c.closed_at),
            by: c.closed_by.clone(),
            counted_cash: c.counted_cash,
            difference: c.difference(),
        }),
        paid: s.paid,
        collected: s.collected,
        refunded: s.refunded,
        renewals: s.renewals,
        renewals_total: s.renewals_total,
        net: s.net,
        cards_saved: s.cards_saved,
        open: s.open,
        unpaid: s.unpaid,
        by_tender: report
            .by_tender
            .iter()
            .map(|t| (t.key, t.total.count, t.total.amount))
            .collect(),
        by_product: report
            .by_product
            .iter()
            .map(|t| (t.key.clone(), t.total.count, t.total.amount))
            .collect(),
        expected_cash: report.expected_cash,
        adjustments: (
            report.adjustments.len() as u64,
            Money::new(report.adjustments.iter().map(|a| a.amount.get()).sum()),
        ),
    }
}

/// Whether a receipt was printed for `sale` before.
fn printed_before(counter: &Counter, sale: &TxnId) -> Result<bool, AppError> {
    Ok(counter
        .ledger()
        .print_jobs_of_sale(sale)?
        .iter()
        .any(|j| j.job.kind == "receipt" && j.state == PrintState::Printed))
}

/// Whether Settings want the receipt printed when a sale is paid.
pub fn auto_print(settings: &SettingsFile) -> bool {
    let saved = settings.get().printer;
    saved.auto_print && saved.uri.is_some_and(|u| !u.trim().is_empty())
}

/// Prints the receipt of `sale`: a reprint when one was printed before; the drawer opens
/// after the first printed receipt of a cash sale unless Settings say not to. The job is kept
/// whatever happens; a failure returns [`AppError::PrintFailed`] with its id.
pub async fn print_receipt(
    counter: &Counter,
    settings: &SettingsFile,
    sale: &TxnId,
    options: &PrintOptions,
) -> Result<PrintJob, AppError> {
    let target = target(settings, options)?;
    let detail = counter.sale(sale)?;
    let reprint = printed_before(counter, sale)?;
    let receipt = receipt_of(&detail, shop(settings), reprint)?;
    let kick = detail.sale.tender == Tender::Cash && !reprint && !settings.get().printer.no_drawer;
    let sheet = recur_print::receipt_lines(&receipt, target.paper, target.lang);
    let bytes = recur_print::render(&sheet, target.mode, kick);
    let job = Job {
        kind: "receipt",
        sale: Some(sale.clone()),
        day: None,
        sheet: &sheet,
        kick,
    };
    send(counter, &target, job, bytes).await
}

/// The lines of `sale`'s receipt, as the thermal path would print them now (a reprint when
/// one was printed before), for the HTML print window: nothing is sent or kept.
pub fn receipt_sheet(
    counter: &Counter,
    settings: &SettingsFile,
    sale: &TxnId,
    paper: Paper,
) -> Result<Sheet, AppError> {
    let detail = counter.sale(sale)?;
    let receipt = receipt_of(&detail, shop(settings), printed_before(counter, sale)?)?;
    Ok(recur_print::receipt_lines(&receipt, paper, settings.get().printer.lang))
}

/// Prints the day's report of `day`.
pub async fn print_day(
    counter: &Counter,
    settings: &SettingsFile,
    day: Day,
    options: &PrintOptions,
) -> Result<PrintJob, AppError> {
    let target = target(settings, options)?;
    let report = counter.day_report(day)?;
    let sheet = recur_print::day_lines(
        &day_sheet(&report, shop(settings), Timestamp::now()),
        target.paper,
        target.lang,
    );
    let bytes = recur_print::render(&sheet, target.mode, false);
    let job = Job {
        kind: "day",
        sale: None,
        day: Some(day.date()),
        sheet: &sheet,
        kick: false,
    };
    send(counter, &target, job, bytes).await
}

/// Prints the test page (printer text and an image, whatever the mode).
pub async fn print_test(
    counter: &Counter,
    settings: &SettingsFile,
    options: &PrintOptions,
) -> Result<PrintJob, AppError> {
    let target = target(settings, options)?;
    let (bytes, sheet) = recur_print::escpos::test_job(target.paper, target.lang, &target.uri.to_string());
    let job = Job {
        kind: "test",
        sale: None,
        day: None,
        sheet: &sheet,
        kick: false,
    };
    send(counter, &target, job, bytes).await
}

/// Opens the cash drawer.
pub async fn open_drawer(
    counter: &Counter,
    settings: &SettingsFile,
    options: &PrintOptions,
) -> Result<PrintJob, AppError> {
    let target = target(settings, options)?;
    let sheet = Sheet {
        paper: target.paper,
        lines: Vec::new(),
    };
    let job = Job {
        kind: "drawer",
        sale: None,
        day: None,
        sheet: &sheet,
        kick: true,
    };
    send(counter, &target, job, recur_print::escpos::drawer_job()).await
}

/// Sends a kept job again (its lines as printed then) on the printer now set.
pub async fn retry(
    counter: &Counter,
    settings: &SettingsFile,
    id: i64,
    options: &PrintOptions,
) -> Result<PrintJob, AppError> {
    let target = target(settings, options)?;
    let job = counter
        .ledger()
        .print_job(id)?
        .ok_or(recur_ledger::LedgerError::PrintJobNotFound(id))?;
    let sheet: Sheet = serde_json::from_str(&job.job.lines).map_err(|e| AppError::Internal(e.to_string()))?;
    let mode = PrintMode::parse(&job.job.mode).unwrap_or(target.mode);
    let bytes = match job.job.kind.as_str() {
        "drawer" => recur_print::escpos::drawer_job(),
        "test" => recur_print::escpos::test_job(sheet.paper, target.lang, &target.uri.to_string()).0,
        _ => recur_print::render(&sheet, mode, job.job.kick),
    };
    let ledger = counter.ledger().clone();
    let printer = target.uri.to_string();
    let job = tokio::task::spawn_blocking(move || ledger.retry_print_job(id, &printer, Timestamp::now()))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    deliver(counter, &target.uri, job, bytes).await
}

/// The printer's status (paper, online), asked with a short deadline.
pub async fn status(settings: &SettingsFile, options: &PrintOptions) -> Result<PrinterStatus, AppError> {
    let target = target(settings, options)?;
    let uri = target.uri;
    tokio::task::spawn_blocking(move || transport::status(&uri, Duration::from_secs(2)))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Print)
}

/// What a new job is, before its bytes.
struct Job<'a> {
    kind: &'static str,
    sale: Option<TxnId>,
    day: Option<String>,
    sheet: &'a Sheet,
    kick: bool,
}

/// Keeps `job` in the ledger, then sends `bytes`.
async fn send(counter: &Counter, target: &Target, job: Job<'_>, bytes: Vec<u8>) -> Result<PrintJob, AppError> {
    let new = NewPrintJob {
        kind: job.kind.to_owned(),
        sale_id: job.sale,
        day: job.day,
        printer: target.uri.to_string(),
        paper: target.paper.mm(),
        mode: target.mode.as_str().to_owned(),
        kick: job.kick,
        lines: serde_json::to_string(job.sheet).map_err(|e| AppError::Internal(e.to_string()))?,
    };
    let ledger = counter.ledger().clone();
    let job = tokio::task::spawn_blocking(move || ledger.add_print_job(&new, Timestamp::now()))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    deliver(counter, &target.uri, job, bytes).await
}

async fn deliver(counter: &Counter, uri: &PrinterUri, job: PrintJob, bytes: Vec<u8>) -> Result<PrintJob, AppError> {
    let ledger = counter.ledger().clone();
    let uri = uri.clone();
    let id = job.id;
    tokio::task::spawn_blocking(move || {
        let sent = transport::send(&uri, &bytes, transport::DEFAULT_TIMEOUT);
        let error = sent.as_ref().err().map(ToString::to_string);
        let job = ledger.finish_print_job(id, error.as_deref(), Timestamp::now())?;
        match sent {
            Ok(_) => Ok(job),
            Err(error) => Err(AppError::PrintFailed { job: id, error }),
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use recur_domain::{Currency, Mode, ProductId, SaleState, Timestamp, TxnId};
    use recur_ledger::{EInvoiceRecord, JournalEntry, JournalOutcome, Sale, SaleDetail};

    use super::*;

    fn detail(state: SaleState, tender: Tender, events: &[&str]) -> SaleDetail {
        let at = Timestamp::from_unix_ms(1_764_651_900_000);
        SaleDetail {
            sale: Sale {
                id: TxnId::new("01KBF3ZQ8V6W3M2T9X4Y7N5R1A"),
                product_id: ProductId::new("prod_latte"),
                product_name: "拿鐵咖啡".into(),
                mode: Mode::Payment,
                amount: Money::new(120),
                currency: Currency::new("TWD"),
                customer_email: None,
                customer_name: None,
                state,
                tender,
                cash_tendered: (tender == Tender::Cash).then_some(Money::new(500)),
                checkout_id: None,
                url: None,
                expires_at: None,
                order_id: None,
                subscription_id: None,
                paid_amount: Some(Money::new(120)),
                refunded_amount: Money::new(0),
                page_opened_at: None,
                paid_at: Some(at),
                failure: None,
                attention: Vec::new(),
                created_at: at,
                updated_at: at,
                shop: String::new(),
                counter: String::new(),
            },
            history: Vec::new(),
            checkouts: Vec::new(),
            refunds: Vec::new(),
            einvoices: vec![EInvoiceRecord {
                kind: "einvoice.issued".into(),
                order_id: None,
                invoice_id: None,
                invoice_number: Some("AB-12345678".into()),
                allowance_number: None,
                status: None,
                amount: None,
                failure_code: None,
                at: None,
                recorded_at: at,
            }],
            subscription: None,
            events: events
                .iter()
                .enumerate()
                .map(|(i, body)| JournalEntry {
                    seq: i as i64,
                    event_id: None,
                    event_type: None,
                    verified: true,
                    outcome: JournalOutcome::Changed,
                    sale_id: None,
                    detail: None,
                    body: body.as_bytes().to_vec(),
                    body_len: body.len() as u64,
                    body_sha256: None,
                    headers: Vec::new(),
                    received_at: at,
                    processed_at: None,
                    attempts: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn a_receipt_takes_the_card_the_events_name_the_invoice_and_the_change() {
        let card = r#"{"id":"e1","type":"checkout.completed","data":{"paymentMethod":{"type":"Card","brand":"visa","last4":"4242"}}}"#;
        let cases = [
            (
                Tender::Recur,
                vec![r#"{"data":{"payment_method":"card"}}"#, card],
                Payment::Recur {
                    brand: Some("VISA".into()),
                    last4: Some("4242".into()),
                },
            ),
            (
                Tender::Recur,
                vec![r#"{"data":{"payment_method":"card","last4":"12"}}"#],
                Payment::Recur {
                    brand: None,
                    last4: None,
                },
            ),
            (
                Tender::Cash,
                vec![],
                Payment::Cash {
                    tendered: Money::new(500),
                    change: Money::new(380),
                },
            ),
        ];
        for (tender, events, want) in cases {
            let r = receipt_of(&detail(SaleState::Paid, tender, &events), Shop::default(), false).unwrap();
            assert_eq!(r.payment, want, "{events:?}");
            assert_eq!(r.invoice_number.as_deref(), Some("AB-12345678"));
            assert_eq!(r.at, "2025-12-02 13:05", "the shop's clock");
        }
        for state in [
            SaleState::Open,
            SaleState::Failed,
            SaleState::Expired,
            SaleState::Cancelled,
        ] {
            assert!(matches!(
                receipt_of(&detail(state, Tender::Recur, &[]), Shop::default(), false),
                Err(AppError::NotPrintable(_))
            ));
        }
    }
}
