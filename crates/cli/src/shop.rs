//! `recur-pos shop join|leave|status` and `recur-pos follow`: this counter and the shop's
//! shared ledger, from the same station code the window's Settings use.
//!
//! Not here: what joining checks or what following does (`recur-pos-app`'s `shop`,
//! `recur-pos-core`'s `shared`).

use std::io::Write;
use std::sync::Arc;

use recur_domain::Secret;
use recur_pos_app::{AppError, Plan, Station};
use recur_pos_core::{CoreEvent, PosError};
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
    loop {
        tokio::select! {
            _ = &mut stop => break,
            event = events.recv() => match event {
                Ok(CoreEvent::SaleChanged(sale)) => {
                    if json {
                        line_json(out, &sale_json(&sale));
                    } else {
                        let _ = writeln!(out, "{}", sale_line(&sale));
                    }
                }
                Ok(CoreEvent::SharedLedger(status)) => {
                    if json {
                        line_json(out, &json!({"reachable": status.reachable, "waiting": status.waiting}));
                    } else if status.reachable {
                        let _ = writeln!(out, "the shop's ledger answers again ({} cash sales wait here)", status.waiting);
                    } else {
                        let _ = writeln!(out, "the shop's ledger cannot be reached: Recur sales wait; cash is kept here");
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
        }
        let _ = out.flush();
    }
    station.shutdown();
    Ok(0)
}

/// One compact JSON document on one line (a stream a script reads line by line).
fn line_json(out: &mut dyn Write, value: &serde_json::Value) {
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}
