//! The command line's words. Subcommand names and flags are fixed: scripts outside this
//! repository use them.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "recur-pos",
    version,
    about = "Recur POS: a counter for shops that take payments through Recur.",
    long_about = "Recur POS: a counter for shops that take payments through Recur.\n\n\
        Run with no arguments to open the counter window; give a subcommand to use it headless.\n\n\
        Keys come from the environment first, then the OS keyring (what Settings and \
        `recur-pos keys set` save); with neither, the embedded sandbox.\n\n\
        Environment:\n  \
        RECUR_POS_DB          the ledger file (default: ledger.db for a live key, ledger-sandbox.db otherwise, in the OS data folder)\n  \
        RECUR_SECRET_KEY      Recur secret key (sk_test_… or sk_live_…); wins over the keyring\n  \
        RECUR_API_BASE        Recur's API base (default https://api.recur.tw, or the saved one)\n  \
        RECUR_WEBHOOK_SECRET  the webhook endpoint's secret (whsec_…); wins over the keyring\n  \
        RECUR_POS_KEYRING_SERVICE  another keyring namespace\n  \
        RECUR_POS_TUNNEL      the tunnel command for `listen` (else the one saved in Settings)\n  \
        RECUR_POS_SHOP, RECUR_POS_COUNTER  the shop and counter this counter's sales are made at (else `shop name`'s)\n  \
        RECUR_POS_TUNNEL_TOKEN  the tunnel program's token (else the keyring's); handed over as TUNNEL_TOKEN\n  \
        RECUR_POS_SUCCESS_URL, RECUR_POS_CANCEL_URL  return pages after checkout\n  \
        RECUR_POS_LOG         log filter for stderr (default warn)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Record a sale, create its Recur checkout, and print the sale (with the checkout URL).
    Charge {
        /// The Recur product id (see `recur-pos products`).
        #[arg(long)]
        product: String,
        /// PAYMENT, SUBSCRIPTION or SETUP (save the card only); default: follow the product.
        #[arg(long, value_parser = parse_mode)]
        mode: Option<recur_domain::Mode>,
        /// Prefill the customer's email on the checkout page.
        #[arg(long)]
        email: Option<String>,
        /// Prefill the customer's name.
        #[arg(long)]
        name: Option<String>,
        /// Read the checkout until it is final (paid, failed, expired), then print the sale once.
        #[arg(long)]
        wait: bool,
        /// With --wait: give up after this many seconds (default: wait until final).
        #[arg(long, value_name = "SECS", requires = "wait")]
        timeout: Option<u64>,
        /// Show the checkout URL as a QR code in the terminal (on stderr).
        #[arg(long)]
        qr: bool,
        /// Phone test (embedded sandbox only): its checkout page also listens on this PC's LAN
        /// address, so a phone on the same Wi-Fi can scan the QR and pay.
        #[arg(long)]
        lan: bool,
        /// How the customer pays: `recur` (the checkout, the default) or `cash` (recorded PAID at
        /// once, never sent to Recur; one-off products only).
        #[arg(long, value_parser = parse_tender, default_value = "recur")]
        tender: recur_domain::Tender,
        /// With --tender cash: what the customer handed over, in TWD (default: the exact price);
        /// the change is printed.
        #[arg(long, value_name = "TWD", value_parser = parse_twd, allow_hyphen_values = true)]
        tendered: Option<recur_domain::Money>,
        /// Print exactly one JSON document on stdout.
        #[arg(long)]
        json: bool,
    },
    /// List sales (newest first unless --sort), any slice of the history.
    Sales {
        #[command(flatten)]
        filter: FilterArgs,
        /// newest, oldest, amount_high or amount_low.
        #[arg(long, value_parser = parse_sort, default_value = "newest")]
        sort: recur_ledger::Sort,
        /// Start after this cursor (printed on stderr as `next:` by the previous page).
        #[arg(long, value_name = "CURSOR", value_parser = parse_cursor)]
        after: Option<recur_ledger::Cursor>,
        /// At most this many sales.
        #[arg(long, default_value_t = 200)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Show one sale with its state history.
    Sale {
        /// The sale id (as printed by `charge` and `sales`).
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// List Recur's product catalogue.
    Products {
        #[arg(long)]
        json: bool,
    },
    /// Receive Recur's webhooks on 127.0.0.1:PORT/webhooks/recur, run the saved tunnel (or
    /// --tunnel) and print its public webhook URL, and sweep open sales every few minutes, until
    /// stopped (Ctrl-C or SIGTERM). A changed public URL is announced on stderr. On the shop's
    /// shared ledger (RECUR_POS_DB=postgres://…) this is the hub, `hub` for short: the one
    /// process that owns the account's webhook endpoint and the sweep for every counter.
    #[command(visible_alias = "hub")]
    Listen {
        /// The local port (0 = any free port; the one chosen is printed).
        #[arg(long, default_value_t = 8787)]
        port: u16,
        /// Seconds between sweeps of open sales.
        #[arg(long, default_value_t = 180, value_name = "SECS")]
        sweep_every: u64,
        /// A tunnel command for this run (`{port}` = the listener's port), instead of the saved one.
        #[arg(long, value_name = "CMD")]
        tunnel: Option<String>,
        /// Print the listener's address as one JSON document when ready.
        #[arg(long)]
        json: bool,
    },
    /// The keys in the OS keyring: set one (read from standard input, never from the command
    /// line), show where each key in use comes from, or clear them.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// The webhook journal, newest first: every delivery, verified or not, and what it did.
    Events {
        /// Only deliveries that matched no sale.
        #[arg(long)]
        unmatched: bool,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Apply one journaled event again (idempotent: a second application changes nothing).
    Reapply {
        /// The event id (`X-Recur-Event-Id`).
        event_id: String,
        #[arg(long)]
        json: bool,
    },
    /// The day's Z report for a Taipei calendar day (default today): counts and totals by state,
    /// tender, mode and product, refunds, renewals, open sales, expected cash. With --close,
    /// close the day (once: a second close exits 1); with --check, first compare every Recur
    /// sale of the day with its session at Recur and list the differences.
    Day(DayArgs),
    /// Export exactly the filtered sales as CSV (UTF-8 with BOM, CRLF; times on the shop's
    /// clock): to --out FILE, else stdout. With no dates: today.
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        /// Write here (replaced only once complete) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Tools for demos and benchmarks.
    Dev {
        #[command(subcommand)]
        action: DevAction,
    },
    /// Back up the ledger now, while the window or `listen` may be running (sales go on): into
    /// the backups folder (`backups/` beside the ledger, or RECUR_POS_BACKUP_DIR; the last
    /// RECUR_POS_BACKUP_KEEP, default 14, are kept), or into --out FILE. Prints the file.
    Backup {
        /// Write the backup here instead of the backups folder.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Replace the ledger by a backup, after checking it (SQLite integrity, a Recur POS ledger,
    /// a schema this version knows); the replaced ledger is kept beside it
    /// (`ledger.db.replaced-…`). Refused while the window or `listen` has the ledger open.
    /// Exit 5: the file cannot be restored (damaged, not a ledger, newer); 6: the ledger is open.
    Restore {
        /// The backup file (e.g. backups/ledger-20261202T031500Z.db).
        file: std::path::PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Print what support needs, with every secret hidden: version, OS, sandbox or live, the
    /// ledger (path, size, schema, counts), the last backup, listener and tunnel, the last log
    /// lines (from `logs/` in the data folder).
    Diagnostics,
    /// Read every checkout that could still be paid (open, declined, cancelled, earlier ones) once
    /// and apply what Recur says.
    Sweep {
        #[arg(long)]
        json: bool,
    },
    /// This counter and the shop's shared ledger (PostgreSQL): join a shop (the password is read
    /// from standard input and kept in the OS keyring), leave it, or see whether it answers.
    Shop {
        #[command(subcommand)]
        action: ShopAction,
    },
    /// A counter of a shop, headless: follow the shared ledger and print every sale another
    /// counter or the hub writes, as it commits (one JSON document a line with --json), until
    /// stopped. When the database answers again after it was away, the sales written meanwhile
    /// are printed (again); cash sales kept on this counter meanwhile are uploaded.
    Follow {
        #[arg(long)]
        json: bool,
    },
    /// Print on the receipt printer: a paid sale's receipt, the day's report, a test page; or
    /// open the cash drawer, or send a kept job again. Exit 0 once the printer took every byte,
    /// 1 when it cannot be reached within a few seconds (the job is kept: `print retry`).
    Print(PrintArgs),
}

/// `recur-pos print`.
#[derive(Debug, clap::Args)]
pub struct PrintArgs {
    #[command(subcommand)]
    pub what: PrintWhat,
    /// tcp://HOST:PORT (a network printer, port 9100), usb://VID:PID or serial:///dev/ttyUSB0
    /// (default: the printer saved in Settings).
    #[arg(long, global = true, value_name = "URI")]
    pub printer: Option<String>,
    /// Paper width in mm: 58 or 80 (default: Settings, else 80).
    #[arg(long, global = true, value_name = "MM", value_parser = parse_paper)]
    pub width: Option<recur_print::Paper>,
    /// raster (the receipt as an image: any printer, the default) or text (the printer's own
    /// font, Chinese in Big5).
    #[arg(long, global = true, value_parser = parse_print_mode)]
    pub mode: Option<recur_print::PrintMode>,
}

#[derive(Debug, Subcommand)]
pub enum PrintWhat {
    /// The receipt of a paid sale (a second one says REPRINT; the first of a cash sale opens
    /// the drawer).
    Receipt {
        /// The sale id.
        sale_id: String,
    },
    /// The day's report (Z report) of a Taipei day (default today).
    Day {
        /// YYYY-MM-DD (Asia/Taipei).
        #[arg(long, value_parser = parse_date)]
        date: Option<recur_domain::Day>,
    },
    /// A test page: Latin and Chinese as printer text (Big5), Chinese and a QR as an image.
    Test,
    /// Open the cash drawer.
    Drawer,
    /// Send a kept print job again (its id is printed when it fails).
    Retry { job: i64 },
}

/// The day report's flags.
#[derive(Debug, Default, clap::Args)]
pub struct DayArgs {
    /// YYYY-MM-DD (Asia/Taipei).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<recur_domain::Day>,
    /// Close the day (kept in the ledger with its figures).
    #[arg(long)]
    pub close: bool,
    /// With --close: the cash counted in the drawer, in TWD.
    #[arg(long, value_name = "TWD", requires = "close", value_parser = parse_twd, allow_hyphen_values = true)]
    pub counted_cash: Option<recur_domain::Money>,
    /// With --close: who closes (default: the OS user).
    #[arg(long, value_name = "NAME", requires = "close")]
    pub by: Option<String>,
    /// Read the day's Recur sessions and list every difference with the ledger (exit 4 when
    /// there is one; with --close, the day is then not closed).
    #[arg(long)]
    pub check: bool,
    #[arg(long)]
    pub json: bool,
}

/// Which sales: the history's filters, shared by `sales` and `export`.
#[derive(Debug, Default, clap::Args)]
pub struct FilterArgs {
    /// First Taipei day to include, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date)]
    pub from: Option<recur_domain::Day>,
    /// Last Taipei day to include, YYYY-MM-DD (default: the same as --from).
    #[arg(long, value_parser = parse_date)]
    pub to: Option<recur_domain::Day>,
    /// Only sales in this state (OPEN, PAID, FAILED, EXPIRED, CANCELLED, …); repeat for several.
    #[arg(long, value_parser = parse_state)]
    pub state: Vec<recur_domain::SaleState>,
    /// PAYMENT, SUBSCRIPTION or SETUP.
    #[arg(long, value_parser = parse_mode)]
    pub mode: Option<recur_domain::Mode>,
    /// recur or cash.
    #[arg(long, value_parser = parse_tender)]
    pub tender: Option<recur_domain::Tender>,
    /// Only this product id.
    #[arg(long)]
    pub product: Option<String>,
    /// Only sales with a note that needs a look.
    #[arg(long)]
    pub attention: bool,
    /// An id (sale, checkout, order, subscription) or part of a customer's email or name.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only sales made at this shop (RECUR_POS_SHOP of the counter that made them; "" for none).
    #[arg(long, value_name = "NAME")]
    pub shop: Option<String>,
    /// Only sales made at this counter (its RECUR_POS_COUNTER).
    #[arg(long, value_name = "NAME")]
    pub counter: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DevAction {
    /// Fill the ledger RECUR_POS_DB names (it must have no sales) with N realistic sales over
    /// the three years before now: states, tenders, refunds, subscriptions with renewals, and
    /// the webhook journal.
    Seed {
        #[arg(long, value_name = "N")]
        sales: u64,
        /// The same seed makes the same ledger.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ShopAction {
    /// Test the connection to the shop's ledger at URL (postgres://user@host[:port]/db), then
    /// use it from now on. Reads the password from standard input (an empty line: none, or the
    /// one in PGPASSWORD).
    Join { url: String },
    /// Go back to this counter's own ledger file (the shared ledger keeps every sale).
    Leave,
    /// Name the shop this counter's sales are made at and the counter itself, as every sale
    /// from now on records them (saved in settings.json; RECUR_POS_SHOP and RECUR_POS_COUNTER
    /// win). A name left out stays as it is; "" clears it.
    Name {
        #[arg(long)]
        shop: Option<String>,
        #[arg(long)]
        counter: Option<String>,
    },
    /// Where the ledger is, whether it answers, and how many cash sales wait on this counter.
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Read one line from standard input, check it, and store it in the OS keyring.
    Set {
        #[arg(value_enum)]
        key: KeyArg,
        /// Check a secret key against this API base (e.g. a sandbox) and save the base for
        /// later commands (settings.json).
        #[arg(long, value_name = "URL")]
        api_base: Option<String>,
    },
    /// Where each key in use comes from, masked.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Forget both keys in the keyring.
    Clear,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyArg {
    /// Recur's secret key (sk_test_… or sk_live_…), checked with a call to Recur.
    SecretKey,
    /// The webhook endpoint's signing secret (whsec_…), checked by its form.
    WebhookSecret,
}

fn parse_mode(text: &str) -> Result<recur_domain::Mode, String> {
    recur_domain::Mode::parse(text).ok_or_else(|| format!("{text:?} is not PAYMENT, SUBSCRIPTION or SETUP"))
}

/// A shop day (Asia/Taipei).
fn parse_date(text: &str) -> Result<recur_domain::Day, String> {
    recur_domain::Day::parse(text).ok_or_else(|| format!("{text:?} is not a date like 2026-11-29"))
}

/// Whole TWD, never negative.
fn parse_twd(text: &str) -> Result<recur_domain::Money, String> {
    match text.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(recur_domain::Money::new(n)),
        Ok(_) => Err("an amount cannot be negative".to_owned()),
        Err(_) => Err(format!("{text:?} is not a whole amount of TWD")),
    }
}

fn parse_paper(text: &str) -> Result<recur_print::Paper, String> {
    recur_print::Paper::parse(text).ok_or_else(|| format!("{text:?} is not 58 or 80"))
}

fn parse_print_mode(text: &str) -> Result<recur_print::PrintMode, String> {
    recur_print::PrintMode::parse(text).ok_or_else(|| format!("{text:?} is not raster or text"))
}

fn parse_tender(text: &str) -> Result<recur_domain::Tender, String> {
    recur_domain::Tender::parse(&text.trim().to_ascii_lowercase())
        .ok_or_else(|| format!("{text:?} is not recur or cash"))
}

fn parse_sort(text: &str) -> Result<recur_ledger::Sort, String> {
    recur_ledger::Sort::parse(&text.to_ascii_lowercase())
        .ok_or_else(|| format!("{text:?} is not newest, oldest, amount_high or amount_low"))
}

fn parse_cursor(text: &str) -> Result<recur_ledger::Cursor, String> {
    recur_ledger::Cursor::decode(text.trim()).ok_or_else(|| format!("{text:?} is not a cursor printed by `sales`"))
}

fn parse_state(text: &str) -> Result<recur_domain::SaleState, String> {
    recur_domain::SaleState::parse(text).ok_or_else(|| {
        let names: Vec<&str> = recur_domain::SaleState::ALL.iter().map(|s| s.as_str()).collect();
        format!("{text:?} is not a sale state ({})", names.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("recur-pos").chain(args.iter().copied()))
    }

    #[test]
    fn the_fixed_flags_parse() {
        let cli = parse(&[
            "charge",
            "--product",
            "prod_latte",
            "--mode",
            "setup",
            "--email",
            "a@b.tw",
            "--name",
            "N",
            "--wait",
            "--qr",
            "--json",
        ])
        .unwrap();
        match cli.command {
            Command::Charge {
                product,
                mode,
                wait,
                qr,
                json,
                ..
            } => {
                assert_eq!(product, "prod_latte");
                assert_eq!(mode, Some(recur_domain::Mode::Setup));
                assert!(wait && qr && json);
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(matches!(
            parse(&["sales", "--state", "paid", "--json"]).unwrap().command,
            Command::Sales {
                ref filter,
                json: true,
                ..
            } if filter.state == [recur_domain::SaleState::Paid]
        ));
        assert!(matches!(
            parse(&["sale", "01ABC"]).unwrap().command,
            Command::Sale { .. }
        ));
        assert!(matches!(
            parse(&["keys", "set", "secret-key"]).unwrap().command,
            Command::Keys {
                action: KeysAction::Set {
                    key: KeyArg::SecretKey,
                    api_base: None
                }
            }
        ));
        assert!(matches!(
            parse(&["listen", "--tunnel", "fake-tunnel {port}"]).unwrap().command,
            Command::Listen { tunnel: Some(_), .. }
        ));
        match parse(&["day", "--date", "2026-11-30"]).unwrap().command {
            Command::Day(DayArgs { date: Some(d), .. }) => {
                assert_eq!(d.start.to_rfc3339(), "2026-11-29T16:00:00.000Z")
            }
            other => panic!("parsed as {other:?}"),
        }
        match parse(&[
            "print",
            "receipt",
            "01ABC",
            "--printer",
            "tcp://10.0.0.9:9100",
            "--width",
            "58",
            "--mode",
            "text",
        ])
        .unwrap()
        .command
        {
            Command::Print(PrintArgs {
                what: PrintWhat::Receipt { sale_id },
                printer: Some(printer),
                width: Some(recur_print::Paper::Mm58),
                mode: Some(recur_print::PrintMode::Text),
            }) => assert_eq!((sale_id.as_str(), printer.as_str()), ("01ABC", "tcp://10.0.0.9:9100")),
            other => panic!("parsed as {other:?}"),
        }
        assert!(matches!(
            parse(&["print", "day", "--date", "2026-11-30"]).unwrap().command,
            Command::Print(PrintArgs {
                what: PrintWhat::Day { date: Some(_) },
                width: None,
                mode: None,
                ..
            })
        ));
        assert!(matches!(
            parse(&["print", "--width", "80", "test"]).unwrap().command,
            Command::Print(PrintArgs {
                what: PrintWhat::Test,
                width: Some(recur_print::Paper::Mm80),
                ..
            })
        ));
    }

    #[test]
    fn bad_words_are_refused() {
        for args in [
            &["charge"][..],
            &["charge", "--product", "p", "--mode", "BOGUS"],
            &["sales", "--state", "PAYED"],
            &["refund"],
            &["charge", "--product", "p", "--timeout", "5"],
            &["day", "--date", "2026-13-01"],
            &["export", "--from", "yesterday"],
            &["print", "receipt"],
            &["print", "test", "--width", "76"],
            &["print", "day", "--mode", "pdf"],
            // A key on the command line would show in `ps`: there is no such argument.
            &["keys", "set", "secret-key", "sk_test_x"],
        ] {
            assert!(parse(args).is_err(), "{args:?}");
        }
    }
}
