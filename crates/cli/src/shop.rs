//! `recur-pos shop join|leave|name|status` and `recur-pos follow`: this counter and the shop's
//! shared ledger, from the same station code the window's Settings use.
//!
//! Not here: what joining checks or what following does (`recur-pos-app`'s `shop`,
//! `recur-pos-core`'s `shared`).

use std::io::Write;
use std::sync::Arc;

use recur_domain::{Day, Secret, Timestamp};
use recur_ledger::{HistoryFilter, Sort, PAGE_MAX};
use recur_pos_app::{AppError, Plan, Station};
use recur_pos_core::{CoreEvent, Counter, PosError};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::args::ShopAction;
use crate::opening::open;
use crate::output::{sale_json, sale_line, write_json};

pub async fn run(station: &Arc<Station>, action: ShopAction, out: &mut dyn Write) -> Result<u8, AppError> {
    match action {
        ShopAction::Join { url } => {
            let password = read_password()?;
            let check = station.join_shop(&url, password).await?;
            let _ = writeln!(
                out,
                "joined the shop's ledger at {} ({} sales, {})",
                check.at,
                check.sales,
                check.environment.as_deref().unwrap_or("new")
            );
            station.shutdown();
            Ok(0)
        }
        ShopAction::Leave => {
            station.leave_shop().await?;
            let _ = writeln!(out, "this counter uses its own ledger file again");
            station.shutdown();
            Ok(0)
        }
        ShopAction::Name { shop, counter } => {
            let settings = station.settings();
            let shop = shop.unwrap_or_else(|| settings.sale_shop().value);
            let counter = counter.unwrap_or_else(|| settings.sale_counter().value);
            let (shop, counter) = station.name_counter(&shop, &counter).await?;
            let shown = |name: String| if name.is_empty() { "(none)".to_owned() } else { name };
            let _ = writeln!(out, "shop: {}\ncounter: {}", shown(shop), shown(counter));
            station.shutdown();
            Ok(0)
        }
        ShopAction::Status { json } => {
            let counter = open(station, Plan::counter_only()).await?;
            let status = counter.shared_status();
            let at = counter.ledger().path().display().to_string();
            if json {
                write_json(
                    out,
                    &json!({"shared": status.shared, "at": at, "reachable": status.reachable,
                            "waiting": status.waiting, "counter": counter.ledger().origin().counter,
                            "shop": counter.ledger().origin().shop}),
                );
            } else if status.shared {
                let _ = writeln!(
                    out,
                    "the shop's ledger at {at}: answering; {} cash sales wait here",
                    status.waiting
                );
            } else {
                let _ = writeln!(out, "this counter's own ledger file: {at}");
            }
            Ok(0)
        }
    }
}

/// The password from standard input (an empty line: none).
fn read_password() -> Result<Option<Secret>, AppError> {
    let line = crate::keys::read_secret_line("The database password (Enter for none): ")?;
    Ok((!line.is_empty()).then(|| Secret::new(line)))
}

/// Prints every sale as it is written by any process of the shop, until stopped.
pub async fn follow(station: &Arc<Station>, json: bool, out: &mut dyn Write) -> Result<u8, AppError> {
    if !recur_ledger::is_shared_location(&station.ledger_path().await.to_string_lossy()) {
        return Err(AppError::Pos(PosError::InvalidInput(
            "follow needs the shop's shared ledger (RECUR_POS_DB=postgres://…, or `recur-pos shop join`)".into(),
        )));
    }
    let counter = open(station, Plan::window(station.env())).await?;
    let mut events = counter.subscribe();
    let status = counter.shared_status();
    if json {
        line_json(out, &json!({"ready": true, "waiting": status.waiting}));
    } else {
        let _ = writeln!(
            out,
            "following the shop's ledger at {}",
            counter.ledger().path().display()
        );
    }
    let _ = out.flush();
    let stop = crate::listen::wait_for_stop_signal();
    tokio::pin!(stop);
    // Since when changes may have gone unannounced: the database went away (the change feed
    // hears nothing while it reconnects), or this loop fell behind.
    let mut unheard_since: Option<Timestamp> = None;
    let mut last_heard = Timestamp::now();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            event = events.recv() => match event {
                Ok(CoreEvent::SaleChanged(sale)) => {
                    last_heard = Timestamp::now();
                    print_sale(out, json, &sale);
                }
                Ok(CoreEvent::Resync) => {
                    catch_up(&counter, unheard_since.take().unwrap_or(last_heard), json, out);
                    last_heard = Timestamp::now();
                }
                Err(RecvError::Lagged(_)) => {
                    catch_up(&counter, last_heard, json, out);
                    last_heard = Timestamp::now();
                }
                Ok(CoreEvent::SharedLedger(status)) => {
                    if !status.reachable {
                        unheard_since.get_or_insert(last_heard);
                    }
                    if json {
                        line_json(out, &json!({"reachable": status.reachable, "waiting": status.waiting}));
                    } else if status.reachable {
                        let _ = writeln!(out, "the shop's ledger answers again ({} cash sales wait here)", status.waiting);
                    } else {
                        let _ = writeln!(out, "the shop's ledger cannot be reached: Recur sales wait; cash is kept here");
                    }
                }
                Ok(_) => {}
                Err(RecvError::Closed) => break,
            },
        }
        let _ = out.flush();
    }
    station.shutdown();
    Ok(0)
}

fn print_sale(out: &mut dyn Write, json: bool, sale: &recur_ledger::Sale) {
    if json {
        line_json(out, &sale_json(sale));
    } else {
        let _ = writeln!(out, "{}", sale_line(sale));
    }
}

/// How far before the last change heard the catch-up reaches: the writers' clocks (another
/// counter, the hub) may run a little behind this one's.
const CLOCK_MARGIN_MS: i64 = 5 * 60 * 1000;

/// Prints again every sale written since about `since`, after changes may have gone unheard
/// (the window reloads its views then). Looks at the sales made since the day before — a
/// checkout is paid within hours of its sale; a refund of an older sale made in the gap is
/// only seen with the next change to it.
fn catch_up(counter: &Counter, since: Timestamp, json: bool, out: &mut dyn Write) {
    let since = Timestamp::from_unix_ms(since.unix_ms() - CLOCK_MARGIN_MS);
    let filter = HistoryFilter {
        from: Some(Day::containing(Timestamp::from_unix_ms(since.unix_ms() - DAY_MS))),
        to: Some(Day::containing(Timestamp::now())),
        ..HistoryFilter::default()
    };
    let mut after = None;
    loop {
        let page = match counter.history(&filter, Sort::Oldest, after.as_ref(), PAGE_MAX) {
            Ok(page) => page,
            Err(e) => {
                // Gone again: the next Resync catches up from the same point.
                tracing::warn!(code = %e.code(), "the sales written meanwhile could not be read");
                return;
            }
        };
        for sale in page.sales.iter().filter(|s| s.updated_at >= since) {
            print_sale(out, json, sale);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return,
        }
    }
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// One compact JSON document on one line (a stream a script reads line by line).
fn line_json(out: &mut dyn Write, value: &serde_json::Value) {
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}
