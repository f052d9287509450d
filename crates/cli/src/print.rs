//! `recur-pos print receipt|day|test|drawer|retry`: the window's printing, from a terminal.
//! The rules (what a receipt says, when the drawer opens, keeping every job) are
//! `recur_pos_app::printing`'s; this says on stderr what happened.

use recur_domain::{Day, Timestamp, TxnId};
use recur_pos_app::printing::{self, PrintOptions};
use recur_pos_app::settings::SettingsFile;
use recur_pos_app::AppError;
use recur_pos_core::Counter;

use crate::args::{PrintArgs, PrintWhat};

pub async fn run(counter: &Counter, settings: &SettingsFile, args: PrintArgs) -> Result<u8, AppError> {
    let options = PrintOptions {
        printer: args.printer,
        paper: args.width,
        mode: args.mode,
    };
    let result = match args.what {
        PrintWhat::Receipt { sale_id } => {
            printing::print_receipt(counter, settings, &TxnId::new(sale_id.trim()), &options).await
        }
        PrintWhat::Day { date } => {
            let day = date.unwrap_or_else(|| Day::containing(Timestamp::now()));
            printing::print_day(counter, settings, day, &options).await
        }
        PrintWhat::Test => printing::print_test(counter, settings, &options).await,
        PrintWhat::Drawer => printing::open_drawer(counter, settings, &options).await,
        PrintWhat::Retry { job } => printing::retry(counter, settings, job, &options).await,
    };
    match result {
        Ok(job) => {
            eprintln!(
                "printed {} on {} ({} mm, {}; job {})",
                job.job.kind, job.job.printer, job.job.paper, job.job.mode, job.id
            );
            Ok(0)
        }
        Err(AppError::PrintFailed { job, error }) => {
            eprintln!("kept as print job {job}: `recur-pos print retry {job}` sends it again");
            Err(AppError::PrintFailed { job, error })
        }
        Err(e) => Err(e),
    }
}
