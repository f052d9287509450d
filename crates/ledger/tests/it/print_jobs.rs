//! Print jobs: kept before they are sent, finished as printed or failed with the reason,
//! sent again, listed per sale; a job for an unknown sale is refused and nothing is written.

use recur_domain::TxnId;
use recur_ledger::{LedgerError, NewPrintJob, PrintState};

use super::support::{at, ledger, open_sale};

fn job(sale: Option<&TxnId>, kind: &str) -> NewPrintJob {
    NewPrintJob {
        kind: kind.to_owned(),
        sale_id: sale.cloned(),
        day: None,
        printer: "tcp://127.0.0.1:9100".to_owned(),
        paper: 80,
        mode: "raster".to_owned(),
        kick: false,
        lines: r#"{"paper":"80","lines":[]}"#.to_owned(),
    }
}

#[test]
fn a_failed_receipt_stays_failed_with_its_reason_until_printed_again() {
    let l = ledger();
    let sale = open_sale(&l, "拿鐵", 120, "chk_1");
    let kept = l.add_print_job(&job(Some(&sale.id), "receipt"), at(10)).unwrap();
    assert_eq!((kept.state, kept.attempts), (PrintState::Sending, 1));

    let failed = l
        .finish_print_job(kept.id, Some("the printer did not answer"), at(20))
        .unwrap();
    assert_eq!(failed.state, PrintState::Failed);
    assert_eq!(failed.error.as_deref(), Some("the printer did not answer"));
    assert_eq!(l.failed_print_jobs(10).unwrap(), vec![failed.clone()]);

    let again = l.retry_print_job(kept.id, "tcp://10.0.0.2:9100", at(30)).unwrap();
    assert_eq!(
        (again.state, again.attempts, again.error),
        (PrintState::Sending, 2, None)
    );
    assert_eq!(again.job.printer, "tcp://10.0.0.2:9100");
    let printed = l.finish_print_job(kept.id, None, at(40)).unwrap();
    assert_eq!(printed.state, PrintState::Printed);
    assert!(l.failed_print_jobs(10).unwrap().is_empty());

    let day = l.add_print_job(&job(None, "day"), at(50)).unwrap();
    assert_eq!(
        l.print_jobs_of_sale(&sale.id).unwrap(),
        vec![printed],
        "only the sale's own jobs"
    );
    assert_eq!(l.print_job(day.id).unwrap().unwrap().job.kind, "day");
}

#[test]
fn a_job_for_no_sale_or_no_job_is_refused() {
    let l = ledger();
    let ghost = TxnId::new("01NOSUCHSALE0000000000000");
    assert!(matches!(
        l.add_print_job(&job(Some(&ghost), "receipt"), at(0)),
        Err(LedgerError::SaleNotFound(_))
    ));
    assert!(l.failed_print_jobs(10).unwrap().is_empty() && l.print_job(1).unwrap().is_none());
    assert!(matches!(
        l.finish_print_job(7, None, at(0)),
        Err(LedgerError::PrintJobNotFound(7))
    ));
    assert!(matches!(
        l.retry_print_job(7, "tcp://x", at(0)),
        Err(LedgerError::PrintJobNotFound(7))
    ));
}
