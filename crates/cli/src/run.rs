//! Runs one parsed command and writes the result: opens the counter exactly as the window
//! does (a [`Station`]: keys from the environment, then the keyring, else the embedded
//! sandbox), then calls the core.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use std::sync::atomic::AtomicBool;

use recur_domain::{Day, Tender, Timestamp, TxnId};
use recur_ledger::{HistoryFilter, PAGE_MAX};
use recur_pos_app::{AppError, Env, Plan, Station};
use recur_pos_core::{ChargeRequest, Counter, Until};
use serde_json::Value;

use crate::args::{Cli, Command, DevAction, FilterArgs};
use crate::output::{self, write_json};

/// Exit codes: 0 done (with --wait: the sale ended paid), 1 an error, 3 with --wait the sale
/// ended unpaid (failed, expired or cancelled).
pub async fn run(cli: Cli, out: &mut dyn Write) -> u8 {
    let json = cli.command.json();
    let station = match &cli.command {
        Command::Charge { lan: true, .. } => {
            let env = Env::process();
            let store = recur_pos_app::keys::keyring(&env);
            Station::new(env.with(recur_pos_app::env::PHONE_TEST, "1"), store)
        }
        _ => Station::for_process(),
    };
    let result = match cli.command {
        Command::Keys { action } => crate::keys::run(&station, action, out).await,
        Command::Shop { action } => crate::shop::run(&station, action, out).await,
        Command::Follow { json } => crate::shop::follow(&station, json, out).await,
        Command::Listen {
            port,
            sweep_every,
            tunnel,
            json,
        } => crate::listen::run(&station, port, sweep_every, tunnel, json, out).await,
        Command::Restore { file, json } => crate::backup::restore(&station, &file, json, out).await,
        Command::Diagnostics => crate::backup::diagnostics(&station, out).await,
        Command::Backup { out: file, json } => match crate::opening::open(&station, Plan::counter_only()).await {
            Ok(counter) => crate::backup::backup(&station, &counter, file, json, out).await,
            Err(e) => Err(e),
        },
        command => match crate::opening::open(&station, Plan::counter_only()).await {
            Ok(counter) => execute(counter, station.settings(), command, out).await,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => report_error(out, json, &e).max(crate::backup::exit_code(&e)),
    }
}

impl Command {
    fn json(&self) -> bool {
        match self {
            Command::Charge { json, .. }
            | Command::Sales { json, .. }
            | Command::Sale { json, .. }
            | Command::Products { json }
            | Command::Listen { json, .. }
            | Command::Events { json, .. }
            | Command::Reapply { json, .. }
            | Command::Day(crate::args::DayArgs { json, .. })
            | Command::Dev {
                action: crate::args::DevAction::Seed { json, .. },
            }
            | Command::Sweep { json }
            | Command::Backup { json, .. }
            | Command::Restore { json, .. } => *json,
            Command::Keys {
                action: crate::args::KeysAction::Status { json },
            } => *json,
            Command::Shop {
                action: crate::args::ShopAction::Status { json },
            } => *json,
            Command::Follow { json } => *json,
            Command::Shop { .. }
            | Command::Export { .. }
            | Command::Keys { .. }
            | Command::Print(_)
            | Command::Diagnostics => false,
        }
    }
}

async fn execute(
    counter: Arc<Counter>,
    settings: &recur_pos_app::settings::SettingsFile,
    command: Command,
    out: &mut dyn Write,
) -> Result<u8, AppError> {
    match command {
        Command::Listen { .. }
        | Command::Keys { .. }
        | Command::Shop { .. }
        | Command::Follow { .. }
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Diagnostics => {
            unreachable!("run() handles these")
        }
        Command::Charge {
            product,
            mode,
            email,
            name,
            wait,
            timeout,
            qr,
            json,
            lan: _,
            tender,
            tendered,
        } => {
            let request = ChargeRequest {
                product_id: product,
                mode,
                customer_email: email,
                customer_name: name,
            };
            if tender == Tender::Cash {
                let sale = counter.charge_cash(request, tendered).await?;
                if let Some(change) = recur_pos_core::change_due(&sale) {
                    eprintln!("change: {}", change.display_twd());
                }
                print_sale(out, json, &sale);
                return Ok(0);
            }
            if tendered.is_some() {
                return Err(invalid("--tendered is for --tender cash"));
            }
            let mut sale = counter.charge(request).await?;
            if let Some(url) = sale.url.as_deref() {
                eprintln!("checkout: {url}");
                if qr {
                    eprintln!("{}", output::terminal_qr(url));
                }
            }
            if !wait {
                print_sale(out, json, &sale);
                return Ok(0);
            }
            eprintln!("waiting for the customer to pay (sale {})…", sale.id);
            let timeout = timeout.map(Duration::from_secs);
            sale = counter.watch(&sale.id, Until::Final, timeout, report_read).await?;
            print_sale(out, json, &sale);
            Ok(if sale.state.is_paid() { 0 } else { 3 })
        }
        Command::Sales {
            filter,
            sort,
            after,
            limit,
            json,
        } => {
            let filter = history_filter(filter);
            let mut sales = Vec::new();
            let mut next = after;
            loop {
                let want = limit - sales.len();
                let page = counter.history(&filter, sort, next.as_ref(), want.min(PAGE_MAX))?;
                next = page.next;
                sales.extend(page.sales);
                if next.is_none() || sales.len() >= limit {
                    break;
                }
            }
            if json {
                write_json(out, &Value::Array(sales.iter().map(output::sale_json).collect()));
            } else {
                for sale in &sales {
                    let _ = writeln!(out, "{}", output::sale_line(sale));
                }
                let totals = counter.history_totals(&filter)?;
                eprintln!(
                    "{} of {} sale(s); asked {}, net {}",
                    sales.len(),
                    totals.count,
                    totals.amount.display_twd(),
                    totals.net.display_twd()
                );
            }
            if let Some(next) = next {
                eprintln!("next: {}", next.encode());
            }
            Ok(0)
        }
        Command::Sale { id, json } => {
            let detail = counter.sale(&TxnId::new(id.trim()))?;
            if json {
                write_json(out, &output::sale_detail_json(&detail));
            } else {
                let _ = write!(out, "{}", output::sale_text(&detail));
            }
            Ok(0)
        }
        Command::Products { json } => {
            let products = counter.products(true).await?;
            if json {
                write_json(out, &Value::Array(products.iter().map(output::product_json).collect()));
            } else {
                for p in &products {
                    let _ = writeln!(
                        out,
                        "{:<24} {:>10}  {:<12} {}",
                        p.id,
                        p.price.display_twd(),
                        p.product_type,
                        p.name
                    );
                }
            }
            Ok(0)
        }
        Command::Events { unmatched, limit, json } => {
            let entries = if unmatched {
                counter.unmatched(limit)?
            } else {
                counter.journal(limit)?
            };
            if json {
                write_json(out, &Value::Array(entries.iter().map(output::journal_json).collect()));
            } else {
                for entry in &entries {
                    let _ = writeln!(out, "{}", output::journal_line(entry));
                }
            }
            Ok(0)
        }
        Command::Reapply { event_id, json } => {
            let outcome = counter.reapply_event(&recur_domain::EventId::new(event_id.trim()))?;
            if json {
                write_json(out, &serde_json::json!({ "outcome": format!("{outcome:?}") }));
            } else {
                let _ = writeln!(out, "{outcome:?}");
            }
            Ok(0)
        }
        Command::Day(args) => crate::day::run(&counter, args, out).await,
        Command::Print(args) => crate::print::run(&counter, settings, args).await,
        Command::Export { filter, out: file } => {
            let mut filter = history_filter(filter);
            if filter.from.is_none() && filter.to.is_none() {
                let today = Day::containing(Timestamp::now());
                (filter.from, filter.to) = (Some(today), Some(today));
            }
            let report = match file {
                Some(path) => crate::export::to_file(&counter, &filter, &path)?,
                None => counter.export_csv(&filter, out, |_, _| {}, &AtomicBool::new(false))?,
            };
            eprintln!("{} sale(s) exported", report.rows);
            Ok(0)
        }
        Command::Dev {
            action: DevAction::Seed { sales, seed, json },
        } => {
            let started = std::time::Instant::now();
            let report = counter.seed(sales, seed)?;
            let seconds = started.elapsed().as_secs_f64();
            if json {
                write_json(out, &output::seed_json(&report, seconds));
            } else {
                let _ = writeln!(out, "{} sale(s) seeded in {seconds:.1} s", report.sales);
            }
            Ok(0)
        }
        Command::Sweep { json } => {
            let changed = counter.sweep_open().await?;
            if json {
                write_json(out, &serde_json::json!({ "changed": changed }));
            } else {
                let _ = writeln!(out, "{changed} sale(s) changed");
            }
            Ok(0)
        }
    }
}

/// The history filter the flags describe (`--to` alone reaches back to the first sale).
fn history_filter(args: FilterArgs) -> HistoryFilter {
    HistoryFilter {
        from: args.from,
        to: args.to.or(args.from),
        states: args.state,
        mode: args.mode,
        tender: args.tender,
        product: args.product.map(|p| recur_domain::ProductId::new(p.trim())),
        attention: args.attention,
        text: args.search.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()),
        shop: args.shop,
        counter: args.counter,
    }
}

pub(crate) fn invalid(message: &str) -> AppError {
    AppError::Pos(recur_pos_core::PosError::InvalidInput(message.to_owned()))
}

/// A failed read while waiting: say so, and when the next one is.
fn report_read(status: &recur_pos_core::WatchStatus) {
    if let (false, Some(code)) = (status.ok, status.code) {
        match status.retry_in {
            Some(delay) => eprintln!(
                "reading the checkout failed ({code}); trying again in {} s",
                delay.as_secs()
            ),
            None => eprintln!("reading the checkout failed ({code})"),
        }
    }
}

fn print_sale(out: &mut dyn Write, json: bool, sale: &recur_ledger::Sale) {
    if json {
        write_json(out, &output::sale_json(sale));
    } else {
        let _ = writeln!(out, "{}", output::sale_line(sale));
        if let Some(url) = &sale.url {
            let _ = writeln!(out, "{url}");
        }
    }
}

fn report_error(out: &mut dyn Write, json: bool, error: &AppError) -> u8 {
    eprintln!("error [{}]: {error}", error.code());
    if json {
        write_json(
            out,
            &output::error_json(error.code().as_str(), &error.to_string(), error.sale()),
        );
    }
    1
}
