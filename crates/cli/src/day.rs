//! `recur-pos day`: the Z report of a shop day, its cross-check against Recur (`--check`) and
//! its close (`--close`). The figures and the rules are the core's; this prints them.

use std::io::Write;

use recur_domain::{Day, Timestamp};
use recur_pos_app::AppError;
use recur_pos_core::{Counter, CrossCheck};

use crate::args::DayArgs;
use crate::output::{self, write_json};

/// Exit 4: the cross-check found a difference (and a close asked for with it did not happen).
pub const DIFFERENCES: u8 = 4;

pub async fn run(counter: &Counter, args: DayArgs, out: &mut dyn Write) -> Result<u8, AppError> {
    let day = args.date.unwrap_or_else(|| Day::containing(Timestamp::now()));
    let counted = args.counted_cash;
    let check: Option<CrossCheck> = if args.check {
        let mut shown = 0;
        let check = counter
            .cross_check(day, |done, total| {
                // Every tenth, so a busy day does not flood the terminal.
                if done == total || done >= shown + 10 {
                    shown = done;
                    eprintln!("checked {done} of {total} Recur sale(s)");
                }
            })
            .await?;
        Some(check)
    } else {
        None
    };
    let differs = check.as_ref().is_some_and(|c| !c.agrees());
    if args.close && !differs {
        let by = args.by.or_else(os_user);
        let record = counter.close_day(day, counted, by.as_deref())?;
        eprintln!("closed {} as close #{}", day.date(), record.seq);
    } else if args.close {
        eprintln!(
            "{} NOT closed: Recur and the ledger disagree (listed below); look at those sales first",
            day.date()
        );
    }
    let report = counter.day_report(day)?;
    if args.json {
        write_json(out, &output::day_json(&report, check.as_ref()));
    } else {
        let _ = write!(out, "{}", output::day_text(&report, check.as_ref()));
    }
    Ok(if differs { DIFFERENCES } else { 0 })
}

fn os_user() -> Option<String> {
    ["USER", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .filter(|u| !u.trim().is_empty())
}
