//! How sales look on stdout: the JSON documents scripts read, and the plain text people read.
//!
//! These are the CLI's own shapes; the core's types stay free of serialization.

use std::io::Write;

use recur_client::Product;
use recur_domain::{Attention, Failure, Figure};
use recur_ledger::{CloseRecord, DayReport, JournalEntry, Sale, SaleDetail, SeedReport, Total};
use recur_pos_core::{CrossCheck, Difference};
use serde_json::{json, Map, Value};

/// A sale as scripts see it. `id`, `state`, `checkout_id`, `url`, `amount`, `product_id` and
/// `mode` are promised; the rest may grow.
pub fn sale_json(sale: &Sale) -> Value {
    json!({
        "id": sale.id.as_str(),
        "state": sale.state.as_str(),
        "checkout_id": sale.checkout_id.as_ref().map(|c| c.as_str()),
        "url": sale.url,
        "amount": sale.amount.get(),
        "currency": sale.currency.as_str(),
        "product_id": sale.product_id.as_str(),
        "product_name": sale.product_name,
        "mode": sale.mode.as_str(),
        "tender": sale.tender.as_str(),
        "cash_tendered": sale.cash_tendered.map(|m| m.get()),
        "change": recur_pos_core::change_due(sale).map(|m| m.get()),
        "customer_email": sale.customer_email,
        "customer_name": sale.customer_name,
        "order_id": sale.order_id.as_ref().map(|o| o.as_str()),
        "subscription_id": sale.subscription_id.as_ref().map(|s| s.as_str()),
        "paid_amount": sale.paid_amount.map(|m| m.get()),
        "refunded_amount": sale.refunded_amount.get(),
        "failure": sale.failure.as_ref().map(failure_json),
        "attention": sale.attention.iter().map(attention_json).collect::<Vec<_>>(),
        "expires_at": sale.expires_at.map(|t| t.to_rfc3339()),
        "page_opened_at": sale.page_opened_at.map(|t| t.to_rfc3339()),
        "paid_at": sale.paid_at.map(|t| t.to_rfc3339()),
        "created_at": sale.created_at.to_rfc3339(),
        "updated_at": sale.updated_at.to_rfc3339(),
        "shop": sale.shop,
        "counter": sale.counter,
    })
}

/// A sale with its history and checkouts.
pub fn sale_detail_json(detail: &SaleDetail) -> Value {
    let mut value = sale_json(&detail.sale);
    value["history"] = detail
        .history
        .iter()
        .map(|t| {
            json!({
                "from": t.from.map(|s| s.as_str()),
                "to": t.to.as_str(),
                "cause": t.cause.as_str(),
                "reference": t.reference,
                "note": t.note.as_ref().map(|n| json!({ "code": n.code().as_str(), "params": params_json(&n.params()) })),
                "at": t.at.to_rfc3339(),
            })
        })
        .collect();
    value["einvoices"] = detail
        .einvoices
        .iter()
        .map(|e| {
            json!({
                "kind": e.kind, "order_id": e.order_id.as_ref().map(|o| o.as_str()), "invoice_id": e.invoice_id,
                "invoice_number": e.invoice_number, "allowance_number": e.allowance_number, "status": e.status,
                "amount": e.amount.map(|m| m.get()), "failure_code": e.failure_code,
                "at": e.at.map(|t| t.to_rfc3339()),
            })
        })
        .collect();
    value["subscription"] = detail.subscription.as_ref().map_or(Value::Null, |s| {
        json!({
            "subscription_id": s.subscription_id.as_str(),
            "status": s.status,
            "current_period_end": s.current_period_end.map(|t| t.to_rfc3339()),
            "renewals": s.renewals.iter().map(|r| json!({
                "renewal_id": r.renewal_id, "status": r.status, "amount": r.amount.map(|m| m.get()),
                "billing_reason": r.billing_reason, "failure_code": r.failure_code,
                "at": r.paid_at.unwrap_or(r.recorded_at).to_rfc3339(),
            })).collect::<Vec<_>>(),
        })
    });
    value["events"] = detail
        .events
        .iter()
        .map(|e| {
            json!({ "event_id": e.event_id.as_ref().map(|i| i.as_str()), "type": e.event_type,
                    "outcome": e.outcome.as_str(), "received_at": e.received_at.to_rfc3339() })
        })
        .collect();
    value["checkouts"] = detail
        .checkouts
        .iter()
        .map(
            |c| json!({ "checkout_id": c.checkout_id.as_str(), "url": c.url, "created_at": c.created_at.to_rfc3339() }),
        )
        .collect();
    value
}

/// `{"code": "amount_mismatch", "params": {"expected": 120, "received": 100}}`: money as integers.
pub fn attention_json(note: &Attention) -> Value {
    json!({ "code": note.code().as_str(), "params": params_json(&note.params()) })
}

pub fn failure_json(failure: &Failure) -> Value {
    json!({ "code": failure.code().as_str(), "params": params_json(&failure.params()) })
}

fn params_json(params: &[(&'static str, Figure)]) -> Value {
    let map: Map<String, Value> = params
        .iter()
        .map(|(name, figure)| {
            let value = match figure {
                Figure::Money(m) => json!(m.get()),
                Figure::Text(t) => json!(t),
            };
            ((*name).to_owned(), value)
        })
        .collect();
    Value::Object(map)
}

/// A note for people reading a terminal: the code, then its figures.
fn attention_text(note: &Attention) -> String {
    let figures: Vec<String> = note
        .params()
        .iter()
        .map(|(name, figure)| format!("{name} {}", figure.display()))
        .collect();
    if figures.is_empty() {
        note.code().as_str().to_owned()
    } else {
        format!("{} ({})", note.code().as_str(), figures.join(", "))
    }
}

pub fn product_json(p: &Product) -> Value {
    json!({
        "id": p.id.as_str(),
        "name": p.name,
        "type": p.product_type,
        "price": p.price.get(),
        "currency": p.currency.as_str(),
        "billing_period": p.billing_period,
        "trial_days": p.trial_days,
        "active": p.active,
    })
}

pub fn error_json(code: &str, message: &str, sale: Option<&Sale>) -> Value {
    let mut value = json!({ "error": { "code": code, "message": message } });
    if let Some(sale) = sale {
        value["sale"] = sale_json(sale);
    }
    value
}

/// One line per sale, for people.
pub fn sale_line(sale: &Sale) -> String {
    format!(
        "{}  {:<18}  {:>10}  {:<5}  {:<12}  {}  {}",
        sale.created_at
            .to_shop_rfc3339()
            .get(..19)
            .unwrap_or_default()
            .replace('T', " "),
        sale.state.as_str(),
        sale.amount.display_twd(),
        sale.tender.as_str(),
        sale.mode.as_str(),
        sale.id,
        sale.product_name
    )
}

pub fn sale_text(detail: &SaleDetail) -> String {
    let s = &detail.sale;
    let mut out = format!(
        "sale      {}\nstate     {}\nproduct   {} ({})\nmode      {}\namount    {} {}\n",
        s.id,
        s.state,
        s.product_name,
        s.product_id,
        s.mode,
        s.amount.display_twd(),
        s.currency
    );
    let optional = [
        ("customer", s.customer_email.clone()),
        ("checkout", s.checkout_id.as_ref().map(|c| c.to_string())),
        ("url", s.url.clone()),
        ("expires", s.expires_at.map(|t| t.to_rfc3339())),
        ("order", s.order_id.as_ref().map(|o| o.to_string())),
        ("paid at", s.paid_at.map(|t| t.to_rfc3339())),
        ("failure", s.failure.as_ref().map(|f| f.code().as_str().to_owned())),
        (
            "ATTENTION",
            (!s.attention.is_empty()).then(|| s.attention.iter().map(attention_text).collect::<Vec<_>>().join("; ")),
        ),
    ];
    for (label, value) in optional {
        if let Some(value) = value {
            out.push_str(&format!("{label:<9} {value}\n"));
        }
    }
    out.push_str("history\n");
    for t in &detail.history {
        out.push_str(&format!(
            "  {}  {} -> {}  ({}{})\n",
            t.at.to_rfc3339(),
            t.from.map(|s| s.as_str()).unwrap_or("-"),
            t.to,
            t.cause.as_str(),
            t.reference.as_deref().map(|r| format!(" {r}")).unwrap_or_default()
        ));
    }
    out
}

/// The checkout URL as a QR code drawn with Unicode half blocks, for a terminal.
pub fn terminal_qr(url: &str) -> String {
    recur_pos_app::qr::terminal(url).unwrap_or_else(|| "(no QR code: the URL is too long)".to_owned())
}

pub fn journal_json(e: &JournalEntry) -> Value {
    json!({
        "seq": e.seq,
        "event_id": e.event_id.as_ref().map(|i| i.as_str()),
        "type": e.event_type,
        "verified": e.verified,
        "outcome": e.outcome.as_str(),
        "sale_id": e.sale_id.as_ref().map(|i| i.as_str()),
        "detail": e.detail,
        "attempts": e.attempts,
        "received_at": e.received_at.to_rfc3339(),
        "body": String::from_utf8_lossy(&e.body),
    })
}

pub fn journal_line(e: &JournalEntry) -> String {
    format!(
        "{}  {:<28} {:<10} {:<11} {}  {}",
        e.received_at.to_rfc3339(),
        e.event_type.as_deref().unwrap_or("?"),
        if e.verified { "verified" } else { "REJECTED" },
        e.outcome.as_str(),
        e.sale_id.as_ref().map(|s| s.as_str()).unwrap_or("-"),
        e.event_id.as_ref().map(|s| s.as_str()).unwrap_or("-"),
    )
}

/// The Z report as scripts see it: the day's summary keys (promised), then the breakdowns,
/// the close when there is one, and the cross-check when asked for.
pub fn day_json(report: &DayReport, check: Option<&CrossCheck>) -> Value {
    let d = &report.summary;
    let total = |t: &Total| json!({ "count": t.count, "amount": t.amount.get() });
    let tallies = |key: &str, rows: Vec<(String, &Total)>| {
        rows.into_iter()
            .map(|(k, t)| json!({ key: k, "count": t.count, "amount": t.amount.get() }))
            .collect::<Vec<_>>()
    };
    json!({
        "day": d.day.date(),
        "by_state": d.by_state.iter().map(|t| json!({ "state": t.state.as_str(), "count": t.count, "amount": t.amount.get() })).collect::<Vec<_>>(),
        "collected": d.collected.get(),
        "refunded": d.refunded.get(),
        "renewals": d.renewals,
        "renewals_total": d.renewals_total.get(),
        "renewals_failed": d.renewals_failed,
        "net": d.net.get(),
        "paid": d.paid,
        "cards_saved": d.cards_saved,
        "open": d.open,
        "unpaid": d.unpaid,
        "attention": d.attention,
        "by_tender": tallies("tender", report.by_tender.iter().map(|t| (t.key.as_str().to_owned(), &t.total)).collect()),
        "by_mode": tallies("mode", report.by_mode.iter().map(|t| (t.key.as_str().to_owned(), &t.total)).collect()),
        "by_product": tallies("product", report.by_product.iter().map(|t| (t.key.clone(), &t.total)).collect()),
        "by_hour": report.by_hour.iter().map(total).collect::<Vec<_>>(),
        "refunds": total(&report.refunds),
        "open_total": total(&report.open),
        "first_sale": report.first_sale.map(|t| t.to_shop_rfc3339()),
        "last_sale": report.last_sale.map(|t| t.to_shop_rfc3339()),
        "expected_cash": report.expected_cash.get(),
        "adjustments": report.adjustments.iter().map(|a| json!({
            "day": a.day.date(),
            "sale_id": a.sale_id.as_str(),
            "product_name": a.product_name,
            "from": a.from.map(|s| s.as_str()),
            "to": a.to.as_str(),
            "amount": a.amount.get(),
            "at": a.at.to_shop_rfc3339(),
        })).collect::<Vec<_>>(),
        "close": report.close.as_ref().map(close_json),
        "cross_check": check.map(cross_check_json),
    })
}

fn close_json(c: &CloseRecord) -> Value {
    json!({
        "seq": c.seq,
        "day": c.day.date(),
        "closed_at": c.closed_at.to_shop_rfc3339(),
        "closed_by": c.closed_by,
        "expected_cash": c.expected_cash.get(),
        "counted_cash": c.counted_cash.map(|m| m.get()),
        "difference": c.difference().map(|m| m.get()),
    })
}

fn cross_check_json(c: &CrossCheck) -> Value {
    json!({
        "checked": c.checked,
        "agrees": c.agrees(),
        "differences": c.differences.iter().map(|d| {
            let mut v = json!({ "code": d.code(), "sale_id": d.sale().map(|s| s.as_str()) });
            if let Value::Object(map) = &mut v {
                map.insert("detail".into(), Value::String(difference_text(d)));
            }
            v
        }).collect::<Vec<_>>(),
    })
}

/// One difference in words (English: the CLI's language).
pub fn difference_text(d: &Difference) -> String {
    match d {
        Difference::PaidAtRecurOnly { sale, ledger, amount } => format!(
            "{sale}: Recur has it paid ({}), the ledger has it {}",
            amount.map(|a| a.display_twd()).unwrap_or_default(),
            ledger.as_str()
        ),
        Difference::PaidInLedgerOnly { sale, recur } => {
            format!("{sale}: the ledger has it paid, Recur's checkout is {}", recur.as_str())
        }
        Difference::AmountDiffers { sale, ledger, recur } => format!(
            "{sale}: paid {} in the ledger, {} at Recur",
            ledger.display_twd(),
            recur.display_twd()
        ),
        Difference::OtherSale { sale, named } => format!("{sale}: Recur's checkout names another sale, {named}"),
        Difference::ExpiredAtRecur { sale } => format!("{sale}: expired at Recur, still waiting in the ledger"),
        Difference::NoCheckout { sale, state } => {
            format!(
                "{sale}: never reached Recur (no checkout), {} in the ledger",
                state.as_str()
            )
        }
        Difference::Unreadable { sale, code } => format!("{sale}: Recur's checkout could not be read ({code})"),
        Difference::Unplaced { event_id, event_type } => format!(
            "event {event_id} ({}) reached the listener and matches no sale",
            event_type.as_deref().unwrap_or("?")
        ),
    }
}

pub fn day_text(report: &DayReport, check: Option<&CrossCheck>) -> String {
    let d = &report.summary;
    let mut out = format!("day       {} (Asia/Taipei)\n", d.day.date());
    if let Some(c) = &report.close {
        out.push_str(&format!(
            "CLOSED    #{} at {}{}\n",
            c.seq,
            c.closed_at.to_shop_rfc3339(),
            c.closed_by.as_deref().map(|b| format!(" by {b}")).unwrap_or_default()
        ));
    }
    for t in &d.by_state {
        out.push_str(&format!(
            "  {:<18} {:>4}  {:>12}\n",
            t.state.as_str(),
            t.count,
            t.amount.display_twd()
        ));
    }
    out.push_str(&format!(
        "collected {}\nrefunded  {} ({} sale(s))\nrenewals  {} ({})\nnet       {}\n",
        d.collected.display_twd(),
        d.refunded.display_twd(),
        report.refunds.count,
        d.renewals,
        d.renewals_total.display_twd(),
        d.net.display_twd()
    ));
    out.push_str("by tender\n");
    for t in &report.by_tender {
        out.push_str(&format!(
            "  {:<18} {:>4}  {:>12}\n",
            t.key.as_str(),
            t.total.count,
            t.total.amount.display_twd()
        ));
    }
    out.push_str("by product\n");
    for t in &report.by_product {
        out.push_str(&format!(
            "  {:<18} {:>4}  {:>12}\n",
            t.key,
            t.total.count,
            t.total.amount.display_twd()
        ));
    }
    if report.open.count > 0 {
        out.push_str(&format!(
            "open      {} sale(s), {}\n",
            report.open.count,
            report.open.amount.display_twd()
        ));
    }
    out.push_str(&format!("cash      {} expected", report.expected_cash.display_twd()));
    if let Some(counted) = report.close.as_ref().and_then(|c| c.counted_cash) {
        let diff = report
            .close
            .as_ref()
            .and_then(CloseRecord::difference)
            .unwrap_or_default();
        out.push_str(&format!(
            ", {} counted, difference {}",
            counted.display_twd(),
            diff.display_twd()
        ));
    }
    out.push('\n');
    for a in &report.adjustments {
        out.push_str(&format!(
            "ADJUSTED  {} {} {} → {} {}\n",
            a.day.date(),
            a.sale_id,
            a.from.map(|s| s.as_str()).unwrap_or("-"),
            a.to.as_str(),
            a.amount.display_twd()
        ));
    }
    if d.attention > 0 {
        out.push_str(&format!(
            "ATTENTION {} sale(s) need a look (see `recur-pos sales --attention`)\n",
            d.attention
        ));
    }
    if let Some(check) = check {
        if check.agrees() {
            out.push_str(&format!("RECUR     agrees ({} sale(s) checked)\n", check.checked));
        } else {
            out.push_str(&format!(
                "RECUR     {} difference(s) in {} sale(s) checked\n",
                check.differences.len(),
                check.checked
            ));
            for d in &check.differences {
                out.push_str(&format!("  {}\n", difference_text(d)));
            }
        }
    }
    out
}

/// What `dev seed` made.
pub fn seed_json(report: &SeedReport, seconds: f64) -> Value {
    json!({
        "sales": report.sales,
        "refunds": report.refunds,
        "renewals": report.renewals,
        "journal": report.journal,
        "seconds": seconds,
    })
}

/// Writes one JSON document (pretty) and flushes, so a script reading it sees it at once.
pub fn write_json(out: &mut dyn Write, value: &Value) {
    let _ = writeln!(out, "{}", serde_json::to_string_pretty(value).unwrap_or_default());
    let _ = out.flush();
}
