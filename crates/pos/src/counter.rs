//! [`Counter`]: the use cases of a shop counter, in the order that keeps money exact.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use recur_client::{ClientConfig, CreateCheckout, Environment, Product, RecurClient};
use recur_domain::fact::Fact;
use recur_domain::{CauseKind, CheckoutId, Failure, Mode, Money, ProductId, SaleState, Timestamp, TxnId};
use recur_ledger::{Cause, Ledger, NewCheckout, NewSale, Sale, SaleDetail, SaleFilter};
use recur_sandbox::{Sandbox, SandboxConfig};
use tokio::sync::broadcast;

use crate::config::{Backend, Config};
use crate::error::PosError;
use crate::session_fact::fact_from_session;

/// The shared ledger's `ledger_meta` key for the hub's public base URL.
const HUB_PUBLIC_URL: &str = "hub_public_url";

/// What the counter tells whoever listens (the window maps each to one UI event).
// A few events a minute: the size of a sale in the largest variant costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum CoreEvent {
    /// A sale was created or changed state; carries the sale as it is now.
    SaleChanged(Sale),
    /// The catalogue was refreshed.
    CatalogueChanged,
    /// A webhook delivery was journaled (the event journal view refreshes).
    JournalChanged,
    /// Some changes were not announced (a burst overflowed): views reload what they show.
    Resync,
    /// The shop's shared ledger went away or came back (see [`Counter::shared_status`]).
    SharedLedger(crate::shared_status::SharedStatus),
}

/// A cashier's request to charge a product.
#[derive(Clone, Debug, Default)]
pub struct ChargeRequest {
    pub product_id: String,
    /// `None`: follow the product (one-off → PAYMENT, subscription → SUBSCRIPTION).
    pub mode: Option<Mode>,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
}

pub struct Counter {
    ledger: Arc<Ledger>,
    /// On the shared ledger: where cash sales wait while the database is away (see `shared`).
    pub(crate) outbox: Option<Ledger>,
    /// On the shared ledger: whether the database answers, as last heard.
    pub(crate) shared: Mutex<crate::shared_status::SharedStatus>,
    client: RecurClient,
    /// Kept alive for as long as the counter runs when no key is configured.
    sandbox: Option<Sandbox>,
    config: Config,
    catalogue: Mutex<Option<Vec<Product>>>,
    events: broadcast::Sender<CoreEvent>,
    /// Where return pages are served: the tunnel's public URL, else the local listener.
    public_base: Mutex<Option<String>>,
    listener_base: Mutex<Option<String>>,
}

/// A webhook secret for one run of the embedded sandbox: 32 random bytes, never written down,
/// so no one who read ours (or the standalone sandbox's well-known `whsec_sandbox`) can sign a
/// delivery the listener takes while the counter runs on the sandbox.
fn fresh_webhook_secret() -> Result<String, PosError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| PosError::Sandbox(format!("no randomness for a webhook secret: {e}")))?;
    Ok(format!(
        "whsec_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

impl Counter {
    /// Opens the ledger and connects to Recur, or starts the embedded sandbox when no key is set.
    pub fn open(config: Config) -> Result<Counter, PosError> {
        let environment = match &config.backend {
            Backend::EmbeddedSandbox => Environment::Sandbox,
            Backend::Remote { secret_key, .. } => recur_client::environment_of(secret_key.expose())?,
        };
        let origin = recur_ledger::Origin::new(&config.shop, &config.counter).map_err(PosError::InvalidInput)?;
        let location = config.db_path.to_string_lossy().into_owned();
        if config.shared_ledger() && config.backend == Backend::EmbeddedSandbox {
            // The embedded sandbox lives and dies with one process: the hub and the other
            // counters could never read its checkouts.
            return Err(PosError::InvalidInput(
                "a shop's shared ledger needs Recur's keys (or a sandbox started on its own, RECUR_API_BASE): \
                 the embedded sandbox belongs to one counter"
                    .into(),
            ));
        }
        let password = config.db_password.as_ref().map(|p| p.expose().to_owned());
        // A counter of a shop (it has an outbox) starts even while the shop's database is away:
        // it takes cash into the outbox and says so; the rest waits for the database.
        let counter_of_a_shop = config.shared_ledger() && config.outbox_path.is_some();
        let mut away = None;
        let ledger = match Ledger::open_at(&location, password.as_deref(), origin.clone()) {
            Err(recur_ledger::LedgerError::Unreachable { at, why }) if counter_of_a_shop => {
                tracing::warn!(%at, "the shop's ledger cannot be reached at start; cash waits in the outbox");
                away = Some(format!("{at}: {why}"));
                Ledger::open_shared_later(&location, password.as_deref(), origin.clone())?
            }
            other => other?,
        };
        let ledger = Arc::new(ledger);
        // Before anything can write: a live ledger never opens for the sandbox, nor the reverse.
        // (A shop's ledger that is away is claimed when it answers, before the outbox goes up.)
        if away.is_none() {
            ledger.claim_environment(environment.as_str())?;
        }
        let outbox = match (&config.outbox_path, ledger.is_shared()) {
            (Some(path), true) => {
                let outbox = Ledger::open_as(path, origin)?;
                outbox.claim_environment(environment.as_str())?;
                Some(outbox)
            }
            _ => None,
        };
        let (sandbox, base_url, key) = match &config.backend {
            Backend::EmbeddedSandbox => {
                let sandbox = Sandbox::start(SandboxConfig {
                    port: 0,
                    lan: config.lan,
                    webhook_secret: fresh_webhook_secret()?,
                    ..SandboxConfig::default()
                })
                .map_err(|e| PosError::Sandbox(e.to_string()))?;
                let base = sandbox.base_url();
                let key = recur_domain::Secret::new(sandbox.secret_key());
                (Some(sandbox), base, key)
            }
            Backend::Remote { base_url, secret_key } => (None, base_url.clone(), secret_key.clone()),
        };
        let client = RecurClient::new(ClientConfig::new(base_url, key))?;
        let (events, _) = broadcast::channel(256);
        Ok(Counter {
            ledger,
            outbox,
            // It answered just now (the open connected and claimed it), or it is away.
            shared: Mutex::new(crate::shared_status::SharedStatus {
                reachable: away.is_none(),
                why: away,
                ..Default::default()
            }),
            client,
            sandbox,
            config,
            catalogue: Mutex::new(None),
            events,
            public_base: Mutex::new(None),
            listener_base: Mutex::new(None),
        })
    }

    pub(crate) fn client(&self) -> &RecurClient {
        &self.client
    }

    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.sandbox.as_ref()
    }

    pub fn is_embedded_sandbox(&self) -> bool {
        self.sandbox.is_some()
    }

    /// In phone-test mode, where phones reach the embedded sandbox's checkout pages
    /// (`http://192.168.1.20:PORT`).
    pub fn lan_base_url(&self) -> Option<String> {
        self.sandbox.as_ref()?.lan_base_url()
    }

    pub fn environment(&self) -> Environment {
        self.client.environment()
    }

    pub fn api_base(&self) -> &str {
        self.client.base_url()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.events.subscribe()
    }

    /// The catalogue, from memory unless `refresh` or never loaded.
    pub async fn products(&self, refresh: bool) -> Result<Vec<Product>, PosError> {
        if !refresh {
            if let Some(cached) = self.catalogue.lock().expect("catalogue lock").clone() {
                return Ok(cached);
            }
        }
        let products = self.client.all_products().await?;
        *self.catalogue.lock().expect("catalogue lock") = Some(products.clone());
        let _ = self.events.send(CoreEvent::CatalogueChanged);
        Ok(products)
    }

    /// Records the sale, then creates its checkout at Recur with the sale's id in `metadata`.
    ///
    /// Bad input changes nothing. If Recur fails after the sale is recorded, the sale stays in
    /// the ledger as FAILED with the reason ([`PosError::CreateFailed`]).
    pub async fn charge(&self, req: ChargeRequest) -> Result<Sale, PosError> {
        let email = clean_email(req.customer_email.as_deref())?;
        let name = req.customer_name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        let urls = self.return_urls()?;
        let product = self.find_product(&req.product_id).await?;
        let mode = mode_for(&product, req.mode)?;
        let amount = if mode == Mode::Setup {
            Money::ZERO
        } else {
            product.price
        };
        let new = NewSale {
            product_id: product.id.clone(),
            product_name: product.name.clone(),
            mode,
            amount,
            currency: product.currency.clone(),
            customer_email: email,
            customer_name: name,
        };
        let sale = self.ledger.create_sale(new, Timestamp::now())?;
        self.notify(&sale);
        self.create_checkout_for(sale, urls).await
    }

    /// "New QR": a new checkout for a FAILED or EXPIRED sale. The old checkout stays mapped to
    /// this sale, so a late payment on it can only ever credit this sale.
    pub async fn new_checkout(&self, id: &TxnId) -> Result<Sale, PosError> {
        let sale = self.sale(id)?.sale;
        if !matches!(sale.state, SaleState::Failed | SaleState::Expired | SaleState::Draft) {
            return Err(PosError::InvalidInput(format!(
                "only a failed or expired sale gets a new checkout; this one is {}",
                sale.state
            )));
        }
        let urls = self.return_urls()?;
        self.create_checkout_for(sale, urls).await
    }

    async fn create_checkout_for(&self, sale: Sale, urls: (String, String)) -> Result<Sale, PosError> {
        let request = CreateCheckout {
            product_id: sale.product_id.clone(),
            mode: Some(sale.mode),
            success_url: urls.0,
            cancel_url: urls.1,
            customer_email: sale.customer_email.clone(),
            customer_name: sale.customer_name.clone(),
            metadata: BTreeMap::from([("transaction_id".to_owned(), sale.id.as_str().to_owned())]),
        };
        match self.client.create_checkout(&request).await {
            Ok(session) => {
                let checkout = NewCheckout {
                    checkout_id: session.id.clone(),
                    url: session.url.clone(),
                    expires_at: session.expires_at,
                };
                let sale = self.ledger.attach_checkout(&sale.id, checkout, Timestamp::now())?;
                self.notify(&sale);
                Ok(sale)
            }
            Err(source) => {
                tracing::warn!(sale = %sale.id, code = source.code(), error = %source, "checkout create failed");
                let failed = if sale.state == SaleState::Draft {
                    let failure = Failure::CreateFailed {
                        error: crate::error::recur_code(&source),
                    };
                    self.ledger.mark_create_failed(&sale.id, &failure, Timestamp::now())?
                } else {
                    sale
                };
                self.notify(&failed);
                Err(PosError::CreateFailed {
                    sale: Box::new(failed),
                    source,
                })
            }
        }
    }

    /// The cashier cancels a sale that has not been paid.
    pub fn cancel(&self, id: &TxnId) -> Result<Sale, PosError> {
        self.sale(id)?;
        let sale = self.ledger.cancel_sale(id, Timestamp::now())?;
        self.notify(&sale);
        Ok(sale)
    }

    /// Reads the sale's current checkout from Recur and applies what it says.
    pub async fn read_session(&self, id: &TxnId) -> Result<Sale, PosError> {
        let sale = self.sale(id)?.sale;
        let Some(checkout_id) = sale.checkout_id.clone() else {
            return Ok(sale);
        };
        self.read_checkout(id, &checkout_id).await
    }

    /// Reads one checkout of the sale (its current one or an earlier one) and applies it.
    pub async fn read_checkout(&self, id: &TxnId, checkout_id: &CheckoutId) -> Result<Sale, PosError> {
        let session = self.client.get_checkout(checkout_id).await?;
        let now = Timestamp::now();
        if let Some(fact) = fact_from_session(&session, now) {
            self.apply(&fact, CauseKind::SessionRead, Some(checkout_id.as_str()), now)?;
        }
        Ok(self.sale(id)?.sale)
    }

    /// Applies a fact to the ledger and tells listeners about the sale it touched.
    pub fn apply(
        &self,
        fact: &Fact,
        kind: CauseKind,
        reference: Option<&str>,
        now: Timestamp,
    ) -> Result<recur_ledger::Applied, PosError> {
        let cause = Cause {
            kind,
            reference: reference.map(str::to_owned),
        };
        let applied = self.ledger.apply_fact(fact, &cause, now)?;
        if let recur_ledger::Applied::Changed { sale, .. } | recur_ledger::Applied::Recorded { sale } = &applied {
            if let Ok(detail) = self.sale(sale) {
                self.notify(&detail.sale);
            }
        }
        Ok(applied)
    }

    /// Reads every open sale's session once; returns how many sales changed.
    pub async fn sweep_open(&self) -> Result<usize, PosError> {
        Ok(self.sweep().await?.changed)
    }

    /// The tunnel's public base URL (`https://x.trycloudflare.com`), once known: customers'
    /// return pages then point at it.
    pub fn set_public_base(&self, url: Option<String>) {
        let url = url.map(|u| u.trim_end_matches('/').to_owned());
        // The hub of a shop tells its counters, which have no tunnel of their own, where the
        // customer's return pages are (the last address it had: a restarting tunnel keeps it).
        if let (Some(url), true) = (&url, self.ledger.is_shared()) {
            if let Err(e) = self.ledger.set_meta(HUB_PUBLIC_URL, url) {
                tracing::warn!(code = e.code(), "the hub's public address could not be shared");
            }
        }
        *self.public_base.lock().expect("public base lock") = url;
    }

    pub(crate) fn set_listener_base(&self, url: Option<String>) {
        *self.listener_base.lock().expect("listener base lock") = url;
    }

    pub fn sales(&self, filter: &SaleFilter) -> Result<Vec<Sale>, PosError> {
        Ok(self.ledger.sales(filter)?)
    }

    pub fn sale(&self, id: &TxnId) -> Result<SaleDetail, PosError> {
        self.ledger
            .sale(id)?
            .ok_or_else(|| PosError::SaleNotFound(id.to_string()))
    }

    pub(crate) fn notify(&self, sale: &Sale) {
        self.emit(CoreEvent::SaleChanged(sale.clone()));
    }

    /// Whether anything (a window, a Pay screen's watch) hears [`CoreEvent`]s now.
    pub(crate) fn has_listeners(&self) -> bool {
        self.events.receiver_count() > 0
    }

    pub(crate) fn emit(&self, event: CoreEvent) {
        // No receiver is fine (the CLI does not listen).
        let _ = self.events.send(event);
    }

    pub(crate) async fn find_product(&self, id: &str) -> Result<Product, PosError> {
        let id = id.trim();
        if id.is_empty() {
            return Err(PosError::InvalidInput("a product id is required".into()));
        }
        let wanted = ProductId::new(id);
        let mut products = self.products(false).await?;
        if !products.iter().any(|p| p.id == wanted) {
            products = self.products(true).await?;
        }
        let product = products
            .into_iter()
            .find(|p| p.id == wanted)
            .ok_or_else(|| PosError::ProductNotFound(id.to_owned()))?;
        if !product.active {
            return Err(PosError::ProductInactive { product: id.to_owned() });
        }
        Ok(product)
    }

    /// Success and cancel pages: configured; else the listener's pages through the tunnel;
    /// else, against a sandbox, the local listener's or the sandbox's own pages. Live Recur
    /// accepts only HTTPS, so a live key with none of these is an error.
    fn return_urls(&self) -> Result<(String, String), PosError> {
        let sandbox = self.is_embedded_sandbox() || is_loopback(self.api_base());
        let public = self.public_base.lock().expect("public base lock").clone();
        // A counter of a shop returns the customer to the hub's pages.
        let public = match public {
            None if self.ledger.is_shared() => self.ledger.meta(HUB_PUBLIC_URL).ok().flatten(),
            known => known,
        };
        let listener = self.listener_base.lock().expect("listener base lock").clone();
        let pages = |base: &str| {
            (
                format!("{base}/return/success?session_id={{CHECKOUT_SESSION_ID}}"),
                format!("{base}/return/cancel?session_id={{CHECKOUT_SESSION_ID}}"),
            )
        };
        // A phone paying in phone-test mode cannot reach our loopback listener: it returns to
        // the sandbox's own pages on the LAN address.
        let phone = self.sandbox.as_ref().and_then(Sandbox::lan_base_url);
        let derived = match (public, listener) {
            _ if phone.is_some() => phone.map(|base| {
                (
                    format!("{base}/_sandbox/return/success?session_id={{CHECKOUT_SESSION_ID}}"),
                    format!("{base}/_sandbox/return/cancel?session_id={{CHECKOUT_SESSION_ID}}"),
                )
            }),
            (Some(public), _) => Some(pages(&public)),
            (None, Some(local)) if sandbox => Some(pages(&local)),
            _ if sandbox => {
                let base = self.api_base().trim_end_matches('/');
                Some((
                    format!("{base}/_sandbox/return/success?session_id={{CHECKOUT_SESSION_ID}}"),
                    format!("{base}/_sandbox/return/cancel?session_id={{CHECKOUT_SESSION_ID}}"),
                ))
            }
            _ => None,
        };
        let success = self
            .config
            .success_url
            .clone()
            .or_else(|| derived.as_ref().map(|d| d.0.clone()));
        let cancel = self.config.cancel_url.clone().or_else(|| derived.map(|d| d.1));
        match (success, cancel) {
            (Some(s), Some(c)) => Ok((s, c)),
            _ => Err(PosError::NoReturnUrl),
        }
    }
}

/// The mode a product is sold in: one-off products as PAYMENT, subscriptions as SUBSCRIPTION;
/// SETUP (save the card only) is allowed for either when asked for explicitly.
pub fn mode_for(product: &Product, requested: Option<Mode>) -> Result<Mode, PosError> {
    let natural = if product.product_type.eq_ignore_ascii_case("SUBSCRIPTION") {
        Mode::Subscription
    } else {
        Mode::Payment
    };
    match requested {
        None => Ok(natural),
        Some(Mode::Setup) => Ok(Mode::Setup),
        Some(mode) if mode == natural => Ok(mode),
        Some(mode) => Err(PosError::ModeNotAllowed {
            mode: mode.to_string(),
            product_type: product.product_type.clone(),
        }),
    }
}

pub(crate) fn clean_email(email: Option<&str>) -> Result<Option<String>, PosError> {
    let Some(email) = email.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !host.starts_with('.'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(Some(email.to_owned()))
    } else {
        Err(PosError::InvalidInput(format!("{email:?} is not an email address")))
    }
}

fn is_loopback(base: &str) -> bool {
    url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]" || h == "::1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use recur_domain::Currency;

    #[test]
    fn the_embedded_sandbox_signs_with_a_fresh_secret_of_its_own_each_run() {
        let dir = tempfile::tempdir().unwrap();
        let open = |name: &str| {
            let db = dir.path().join(name);
            Counter::open(Config::from_lookup(|var| match var {
                "RECUR_POS_DB" => Some(db.to_string_lossy().into_owned()),
                // A live shop's secret in the environment must not open the sandbox's listener.
                "RECUR_WEBHOOK_SECRET" => Some("whsec_configured_for_live".to_owned()),
                _ => None,
            }))
            .expect("the counter opens on the embedded sandbox")
        };
        let (a, b) = (open("a.db"), open("b.db"));
        let secret = |c: &Counter| c.webhook_secret().expect("a secret").expose().to_owned();
        let (sa, sb) = (secret(&a), secret(&b));
        assert!(a.is_embedded_sandbox() && b.is_embedded_sandbox());
        assert_ne!(sa, sb, "one secret per run");
        for s in [&sa, &sb] {
            assert!(s.starts_with("whsec_") && s.len() == 6 + 64, "{s}");
            assert_ne!(s, "whsec_sandbox", "not the well-known one");
            assert_ne!(s, "whsec_configured_for_live");
        }
        assert_eq!(
            sa,
            a.sandbox().unwrap().webhook_secret(),
            "the listener takes what the sandbox signs with"
        );
    }

    fn product(kind: &str) -> Product {
        Product {
            id: ProductId::new("p"),
            name: "p".into(),
            description: None,
            product_type: kind.into(),
            price: Money::new(100),
            currency: Currency::twd(),
            billing_period: None,
            trial_days: None,
            active: true,
        }
    }

    #[test]
    fn mode_follows_the_product_and_setup_is_explicit() {
        let cases = [
            ("ONE_TIME", None, Some(Mode::Payment)),
            ("ONE_TIME", Some(Mode::Payment), Some(Mode::Payment)),
            ("ONE_TIME", Some(Mode::Setup), Some(Mode::Setup)),
            ("ONE_TIME", Some(Mode::Subscription), None),
            ("SUBSCRIPTION", None, Some(Mode::Subscription)),
            ("SUBSCRIPTION", Some(Mode::Setup), Some(Mode::Setup)),
            ("SUBSCRIPTION", Some(Mode::Payment), None),
        ];
        for (kind, requested, expected) in cases {
            assert_eq!(
                mode_for(&product(kind), requested).ok(),
                expected,
                "{kind} {requested:?}"
            );
        }
    }

    #[test]
    fn emails_are_checked_not_guessed() {
        assert_eq!(clean_email(None).unwrap(), None);
        assert_eq!(clean_email(Some("  ")).unwrap(), None);
        assert_eq!(clean_email(Some(" a@b.tw ")).unwrap().as_deref(), Some("a@b.tw"));
        for bad in ["a", "a@b", "@b.tw", "a b@c.tw", "a@.tw"] {
            assert!(clean_email(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_bases_are_recognised() {
        assert!(is_loopback("http://127.0.0.1:4010"));
        assert!(is_loopback("http://localhost:1/"));
        assert!(!is_loopback("https://api.recur.tw"));
    }
}
