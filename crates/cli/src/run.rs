//! Runs one parsed command against the counter core and writes the result.

use std::io::Write;
use std::time::Duration;

use recur_domain::TxnId;
use recur_ledger::SaleFilter;
use recur_pos_core::{ChargeRequest, Config, Counter, PosError};
use serde_json::Value;

use crate::args::{Cli, Command};
use crate::output;

/// Exit codes: 0 done (with --wait: the sale ended paid), 1 an error, 3 with --wait the sale
/// ended unpaid (failed, expired or cancelled).
pub async fn run(cli: Cli, out: &mut dyn Write) -> u8 {
    let json = cli.command.json();
    let counter = match Counter::open(Config::from_env()) {
        Ok(c) => c,
        Err(e) => return report_error(out, json, &e),
    };
    if let Some(sandbox) = counter.sandbox() {
        eprintln!(
            "note: no RECUR_SECRET_KEY set: using the embedded sandbox at {} (it stops when this command ends)",
            sandbox.base_url()
        );
    }
    match execute(counter, cli.command, out).await {
        Ok(code) => code,
        Err(e) => report_error(out, json, &e),
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
            | Command::Day { json, .. }
            | Command::Sweep { json } => *json,
            Command::Export { .. } => false,
        }
    }
}

async fn execute(counter: Counter, command: Command, out: &mut dyn Write) -> Result<u8, PosError> {
    let counter = std::sync::Arc::new(counter);
    match command {
        Command::Listen {
            port,
            sweep_every,
            json,
        } => listen(&counter, port, sweep_every, json, out).await,
        Command::Charge {
            product,
            mode,
            email,
            name,
            wait,
            timeout,
            qr,
            json,
        } => {
            let request = ChargeRequest {
                product_id: product,
                mode,
                customer_email: email,
                customer_name: name,
            };
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
            sale = counter
                .wait_until_final(&sale.id, timeout.map(Duration::from_secs))
                .await?;
            print_sale(out, json, &sale);
            Ok(if sale.state.is_paid() { 0 } else { 3 })
        }
        Command::Sales { state, limit, json } => {
            let filter = SaleFilter {
                state,
                limit: Some(limit),
                ..SaleFilter::default()
            };
            let sales = counter.sales(&filter)?;
            if json {
                write_json(out, &Value::Array(sales.iter().map(output::sale_json).collect()));
            } else {
                for sale in &sales {
                    let _ = writeln!(out, "{}", output::sale_line(sale));
                }
                eprintln!("{} sale(s)", sales.len());
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
        Command::Day { date, json } => {
            let summary = counter.day_summary(date.unwrap_or_else(recur_domain::Timestamp::now))?;
            if json {
                write_json(out, &output::day_json(&summary));
            } else {
                let _ = write!(out, "{}", output::day_text(&summary));
            }
            Ok(0)
        }
        Command::Export { from, to } => {
            let from = from.unwrap_or_else(recur_domain::Timestamp::now).taipei_day_start();
            let until = to.unwrap_or(from).taipei_day_start().plus_ms(24 * 3600 * 1000);
            let filter = SaleFilter {
                since: Some(from),
                until: Some(until),
                ..SaleFilter::default()
            };
            let mut sales = counter.sales(&filter)?;
            sales.reverse();
            output::write_csv(out, &sales).map_err(|e| PosError::InvalidInput(format!("could not write CSV: {e}")))?;
            eprintln!("{} sale(s) exported", sales.len());
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

/// Runs the webhook listener and the sweeper until Ctrl-C or SIGTERM.
async fn listen(
    counter: &std::sync::Arc<Counter>,
    port: u16,
    sweep_every: u64,
    json: bool,
    out: &mut dyn Write,
) -> Result<u8, PosError> {
    let listener = counter.start_listener(port)?;
    let sweeper = counter.spawn_sweeper(Duration::from_secs(sweep_every.max(1)));
    if json {
        write_json(
            out,
            &serde_json::json!({ "port": listener.port(), "webhook_url": listener.webhook_url() }),
        );
    } else {
        let _ = writeln!(out, "listening on {}", listener.webhook_url());
        let _ = out.flush();
    }
    eprintln!(
        "webhooks: {} — expose it with a tunnel and register the public URL in Recur's dashboard",
        listener.webhook_url()
    );
    wait_for_stop_signal().await;
    eprintln!("stopping: finishing deliveries in flight");
    sweeper.abort();
    listener.shutdown();
    Ok(0)
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
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

fn write_json(out: &mut dyn Write, value: &Value) {
    let _ = writeln!(out, "{}", serde_json::to_string_pretty(value).unwrap_or_default());
    let _ = out.flush();
}

fn report_error(out: &mut dyn Write, json: bool, error: &PosError) -> u8 {
    eprintln!("error [{}]: {error}", error.code());
    if json {
        write_json(
            out,
            &output::error_json(&error.code(), &error.to_string(), error.sale()),
        );
    }
    1
}
