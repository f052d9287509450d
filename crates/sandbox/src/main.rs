//! `recur-sandbox`: runs the Recur emulator on its own, for developers and outside scripts.
//!
//! Flags are fixed (scripts depend on them); everything else is in the library.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use std::net::IpAddr;

use recur_sandbox::{guess_lan_address, Catalog, EinvoiceMode, Faults, Quirks, Sandbox, SandboxConfig};

const ABOUT: &str = "A faithful, stateful emulator of Recur (recur.tw): REST API under /v1, \
hosted checkout page, signed webhooks with retries, fault injection and a control API under /_sandbox/.";

const AFTER_HELP: &str = "\
TEST CARDS (any future expiry MM/YY, any CVV; spaces and dashes are ignored)
  VISA 4147 6310 0000 0001    succeeds
  JCB  3560 5110 0000 0001    succeeds
DECLINE CARDS (this sandbox's own)
  4000 0000 0000 0002         card_declined       (卡片被拒絕)
  4000 0000 0000 9995         insufficient_funds  (餘額不足)
  4000 0000 0000 0069         expired_card        (卡片已過期)
  any card with a past expiry expired_card
  any other number            card_declined, with a hint to use a test card

ROUTES
  POST /v1/checkout/sessions, GET /v1/checkout/sessions/{id}, GET /v1/products   (Bearer <secret key>)
  GET  /checkout/{id}[?lang=en]   the hosted payment page (zh-TW by default)
  POST /_sandbox/sessions/{id}/pay|cancel|expire, POST|GET /_sandbox/events,
  POST /_sandbox/events/{id}/redeliver, GET /_sandbox/deliveries, GET|POST /_sandbox/faults,
  GET|POST /_sandbox/quirks, POST /_sandbox/webhooks,
  POST /_sandbox/subscriptions/{id}/renew|expire|cancel, POST /_sandbox/refunds,
  GET /_sandbox/subscriptions, GET /_sandbox/orders   (control API: JSON, no auth)

PHONE TEST (--lan ADDR|auto)
  The hosted pages (not /v1, not the control API) also listen on ADDR, and session URLs
  carry it, so a phone on the same network can open the QR code. Off by default.

Webhooks are signed with base64(HMAC-SHA256(webhook secret, raw body)) in X-Recur-Signature.
The catalogue file is the JSON array GET /v1/products answers (see README.md).
Stop with Ctrl-C or SIGTERM; all state is in memory.";

#[derive(Parser, Debug)]
#[command(name = "recur-sandbox", version, about = ABOUT, after_help = AFTER_HELP)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 4010)]
    port: u16,
    /// The secret key requests must send (Authorization: Bearer …).
    #[arg(long, default_value = "sk_test_sandbox")]
    secret_key: String,
    /// An endpoint that receives every event (repeatable).
    #[arg(long = "webhook-url", value_name = "URL")]
    webhook_urls: Vec<String>,
    /// The secret webhook bodies are signed with (the whole string, whsec_ included).
    #[arg(long, default_value = "whsec_sandbox")]
    webhook_secret: String,
    /// A product catalogue (JSON, same shape as GET /v1/products' products array).
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// How long a checkout session stays OPEN, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 1800)]
    session_ttl: u64,
    /// Requests per key per minute before 429 (0 = off).
    #[arg(long, value_name = "N", default_value_t = 100)]
    rate_limit: u32,
    /// Chance (0..1) that an event is delivered twice.
    #[arg(long, default_value_t = 0.0)]
    duplicate_rate: f64,
    /// Deliver the events of one payment in random order.
    #[arg(long)]
    shuffle: bool,
    /// Random delay before each first delivery attempt: MIN or MIN-MAX milliseconds.
    #[arg(long, value_name = "MIN[-MAX]", value_parser = parse_delay)]
    delay_ms: Option<(u64, u64)>,
    /// Chance (0..1) that a first delivery attempt is dropped (then retried).
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Chance (0..1) that a /v1 request is answered 500 (after being processed).
    #[arg(long = "api-500-rate", default_value_t = 0.0)]
    api_500_rate: f64,
    /// Chance (0..1) that a /v1 request is answered 429 with Retry-After: 1.
    #[arg(long = "api-429-rate", default_value_t = 0.0)]
    api_429_rate: f64,
    /// Sleep this many milliseconds before answering each /v1 request.
    #[arg(long, default_value_t = 0)]
    api_slow_ms: u64,
    /// Chance (0..1) that a /v1 request is answered 200 with a body that is not JSON.
    #[arg(long, default_value_t = 0.0)]
    api_garbage_rate: f64,
    /// Seed for fault randomness (reproducible runs).
    #[arg(long)]
    seed: Option<u64>,
    /// Phone-test mode: also serve the hosted pages on this LAN address ("auto" = guess it).
    #[arg(long, value_name = "ADDR|auto", value_parser = parse_lan)]
    lan: Option<LanAddr>,
    /// Answer session bodies in camelCase (default: snake_case, as Recur's newest material).
    #[arg(long)]
    camel_case: bool,
    /// E-invoices after payments and refunds: on, off, or fail (send einvoice.issue_failed).
    #[arg(long, value_name = "on|off|fail", default_value = "on", value_parser = parse_einvoice)]
    einvoice: EinvoiceMode,
    /// Payment events carry no metadata (as reported for payment links).
    #[arg(long)]
    omit_metadata: bool,
    /// After a declined first subscription payment, also send a checkout.completed that is not paid.
    #[arg(long)]
    completed_after_decline: bool,
}

/// `--lan`: an address, or "auto".
#[derive(Clone, Copy, Debug)]
enum LanAddr {
    Auto,
    Ip(IpAddr),
}

fn parse_lan(text: &str) -> Result<LanAddr, String> {
    if text.trim().eq_ignore_ascii_case("auto") {
        return Ok(LanAddr::Auto);
    }
    text.trim()
        .parse()
        .map(LanAddr::Ip)
        .map_err(|e| format!("{text:?}: {e}"))
}

fn parse_einvoice(text: &str) -> Result<EinvoiceMode, String> {
    EinvoiceMode::parse(text).ok_or_else(|| format!("{text:?}: expected on, off or fail"))
}

fn parse_delay(text: &str) -> Result<(u64, u64), String> {
    let parse = |t: &str| t.trim().parse::<u64>().map_err(|e| format!("{t:?}: {e}"));
    match text.split_once('-') {
        Some((min, max)) => {
            let (min, max) = (parse(min)?, parse(max)?);
            if min > max {
                return Err(format!("MIN {min} is above MAX {max}"));
            }
            Ok((min, max))
        }
        None => parse(text).map(|ms| (ms, ms)),
    }
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "recur_sandbox=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let sandbox = match config_from(args).and_then(|c| Sandbox::start(c).map_err(|e| e.to_string())) {
        Ok(sandbox) => sandbox,
        Err(message) => {
            eprintln!("recur-sandbox: {message}");
            std::process::exit(2);
        }
    };
    println!("Recur sandbox running at {}", sandbox.base_url());
    println!("  API base:        {}/v1", sandbox.base_url());
    if let Some(lan) = sandbox.lan_base_url() {
        println!("  phone test:      hosted pages also at {lan}/checkout/…");
    }
    println!("  secret key:      {}", sandbox.secret_key());
    println!("  webhook secret:  {}", sandbox.webhook_secret());
    for url in sandbox.webhook_urls() {
        println!("  webhook:         {url}");
    }
    println!("  test cards:      VISA 4147 6310 0000 0001, JCB 3560 5110 0000 0001 (see --help)");
    // The default SIGINT/SIGTERM action ends the process; all state is in memory, so there
    // is nothing to flush.
    loop {
        std::thread::park();
    }
}

fn config_from(args: Args) -> Result<SandboxConfig, String> {
    let catalog = match &args.catalog {
        Some(path) => Catalog::from_json_file(path).map_err(|e| e.to_string())?,
        None => Catalog::builtin(),
    };
    let faults = Faults {
        duplicate_rate: args.duplicate_rate,
        shuffle: args.shuffle,
        delay_ms: args.delay_ms.unwrap_or((0, 0)),
        drop_rate: args.drop_rate,
        api_500_rate: args.api_500_rate,
        api_429_rate: args.api_429_rate,
        api_slow_ms: args.api_slow_ms,
        api_garbage_rate: args.api_garbage_rate,
    };
    let lan = match args.lan {
        None => None,
        Some(LanAddr::Ip(ip)) => Some(ip),
        Some(LanAddr::Auto) => Some(guess_lan_address().ok_or("--lan auto: this PC has no LAN address to use")?),
    };
    let quirks = Quirks {
        camel_case: args.camel_case,
        einvoice: args.einvoice,
        omit_metadata: args.omit_metadata,
        completed_after_decline: args.completed_after_decline,
    };
    Ok(SandboxConfig {
        lan,
        quirks,
        port: args.port,
        secret_key: args.secret_key,
        webhook_urls: args.webhook_urls,
        webhook_secret: args.webhook_secret,
        catalog,
        session_ttl: Duration::from_secs(args.session_ttl.max(1)),
        rate_limit_per_min: (args.rate_limit > 0).then_some(args.rate_limit),
        faults,
        seed: args.seed,
        ..SandboxConfig::default()
    })
}
