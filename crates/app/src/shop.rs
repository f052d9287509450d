//! "This counter joins a shop": pointing the counter at the shop's shared ledger (PostgreSQL),
//! with a connection test first, and leaving it again; and naming the shop and the counter its
//! sales are recorded at.
//!
//! The URL goes to settings.json without its password; the password to the keyring
//! (`recur-pos-db-password`). Joining is refused — nothing saved — unless the server answers,
//! the ledger there migrates, and it belongs to the environment this counter's keys are for (a
//! live shop's ledger never takes a sandbox counter, nor the reverse). `RECUR_POS_DB` in the
//! environment wins over both, and then Settings cannot change it. Not here: what a counter on
//! a shared ledger does (`recur-pos-core`'s `shared`).

use std::sync::Arc;

use recur_domain::Secret;
use recur_ledger::{is_shared_location, Ledger, Origin};
use recur_pos_core::PosError;
use url::Url;

use crate::env;
use crate::error::AppError;
use crate::keys;
use crate::station::Station;

/// What a connection test found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShopCheck {
    /// `postgres://user@host:port/db`, without the password.
    pub at: String,
    /// `live` or `sandbox`; `None` for a new, empty shared ledger.
    pub environment: Option<String>,
    pub sales: u64,
}

/// The URL without its password, and the password it carried (typed into one field by
/// mistake, it still goes to the keyring, not to settings.json).
pub fn split_password(url: &str) -> Result<(String, Option<Secret>), AppError> {
    let url = url.trim();
    if !is_shared_location(url) {
        return Err(invalid(
            "the shop's ledger is a postgres:// address, e.g. postgres://pos@192.168.1.10/shop",
        ));
    }
    let mut parsed = Url::parse(url).map_err(|_| invalid("that is not a postgres:// address"))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the postgres:// address names no server"));
    }
    let password = parsed.password().map(|p| {
        let decoded = url::form_urlencoded::parse(format!("p={p}").as_bytes())
            .next()
            .map_or_else(|| p.to_owned(), |(_, v)| v.into_owned());
        Secret::new(decoded)
    });
    let _ = parsed.set_password(None);
    Ok((parsed.to_string(), password))
}

/// The shop and counter names as every sale will record them: [`Origin::new`]'s rule (trimmed,
/// bounded, no control characters), checked here before anything is saved.
pub fn origin(shop: &str, counter: &str) -> Result<Origin, AppError> {
    Origin::new(shop, counter).map_err(|why| invalid(&why))
}

fn invalid(why: &str) -> AppError {
    AppError::Pos(PosError::InvalidInput(why.to_owned()))
}

impl Station {
    /// Connects to the shop's ledger at `url` (with `password`, else one in the URL) and reads
    /// what it holds; changes nothing here. Blocking work runs off the async workers.
    pub async fn check_shop(&self, url: &str, password: Option<Secret>) -> Result<ShopCheck, AppError> {
        let (url, in_url) = split_password(url)?;
        let password = password.or(in_url);
        let keys = keys::read(self.store(), self.env().clone()).await;
        let config = keys.config(self.env(), self.settings());
        if config.backend == recur_pos_core::Backend::EmbeddedSandbox {
            // Refused here, before anything is saved: a counter that joined on the embedded
            // sandbox could not open again (`Counter::open` refuses it) and would be stuck.
            return Err(invalid(
                "a shop's shared ledger needs Recur's keys (or a sandbox started on its own, RECUR_API_BASE): \
                 the embedded sandbox belongs to one counter",
            ));
        }
        let wanted = config.environment_name();
        tokio::task::spawn_blocking(move || {
            let ledger = Ledger::open_shared(&url, password.as_ref().map(Secret::expose), Origin::default())
                .map_err(PosError::from)?;
            let environment = ledger.environment().map_err(PosError::from)?;
            if let Some(found) = environment.as_deref().filter(|found| *found != wanted) {
                return Err(AppError::Pos(PosError::from(
                    recur_ledger::LedgerError::OtherEnvironment {
                        ledger: found.to_owned(),
                        wanted: wanted.to_owned(),
                    },
                )));
            }
            let sales = ledger
                .census()
                .map_err(PosError::from)?
                .sales_by_state
                .iter()
                .map(|(_, n)| n)
                .sum();
            Ok(ShopCheck {
                at: ledger.path().display().to_string(),
                environment,
                sales,
            })
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }

    /// Joins the shop at `url`: tests the connection, keeps the password in the keyring and the
    /// URL in settings.json, and opens the counter on the shared ledger (which takes the
    /// manager's PIN if it has none yet).
    pub async fn join_shop(self: &Arc<Self>, url: &str, password: Option<Secret>) -> Result<ShopCheck, AppError> {
        if self.env().get(env::DB).is_some() {
            return Err(AppError::FromEnvironment(env::DB));
        }
        let (clean, in_url) = split_password(url)?;
        let password = password.or(in_url);
        let check = self.check_shop(&clean, password.clone()).await?;
        match password {
            Some(password) => keys::save_secret(self.store(), recur_secrets::DB_PASSWORD, password).await?,
            None => keys::delete_secret(self.store(), recur_secrets::DB_PASSWORD).await?,
        }
        self.settings().update(|s| s.shared_ledger = Some(clean))?;
        let counter = self.reopen().await?;
        // A shop's ledger with no PIN yet takes the manager's who joined it (the join was
        // theirs to make): it is never left open to whoever sets one first.
        if let Err(e) = self.carry_pin(&counter, "this counter's own ledger") {
            tracing::error!(code = %e.code(), "the manager's PIN could not be carried to the shop's ledger");
        }
        Ok(check)
    }

    /// Names the shop this counter's sales are made at and the counter itself (blank: none),
    /// saved in settings.json; the counter opens again so its next sale carries them. A name the
    /// environment sets (`RECUR_POS_SHOP`, `RECUR_POS_COUNTER`) cannot be changed here, and a
    /// bad name changes nothing. Returns the names now in effect.
    pub async fn name_counter(self: &Arc<Self>, shop: &str, counter: &str) -> Result<(String, String), AppError> {
        let Origin { shop, counter } = origin(shop, counter)?;
        let settings = self.settings();
        let (shop_now, counter_now) = (settings.sale_shop(), settings.sale_counter());
        for (variable, now, wanted) in [(env::SHOP, &shop_now, &shop), (env::COUNTER, &counter_now, &counter)] {
            if now.from_env && now.value != *wanted {
                return Err(AppError::FromEnvironment(variable));
            }
        }
        // A name the environment sets stays as saved (it shows again once the variable is gone).
        settings.update(|s| {
            if !shop_now.from_env {
                s.shop = Some(shop.clone()).filter(|v| !v.is_empty());
            }
            if !counter_now.from_env {
                s.counter = Some(counter.clone()).filter(|v| !v.is_empty());
            }
        })?;
        // An open counter (the window's) opens again; a command line that opened none yet
        // reads the names when it does.
        let changed = shop_now.value != shop || counter_now.value != counter;
        if changed && self.generation() > 0 {
            self.reopen().await?;
        }
        Ok((shop, counter))
    }

    /// Leaves the shop: the counter goes back to its own ledger file (the shared ledger keeps
    /// every sale this counter made there).
    pub async fn leave_shop(self: &Arc<Self>) -> Result<(), AppError> {
        if self.env().get(env::DB).is_some() {
            return Err(AppError::FromEnvironment(env::DB));
        }
        self.settings().update(|s| s.shared_ledger = None)?;
        keys::delete_secret(self.store(), recur_secrets::DB_PASSWORD).await?;
        self.reopen().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_stays_in_the_url() {
        let (url, password) = split_password(" postgres://pos:s%40cret@10.0.0.5:5433/shop?sslmode=require ").unwrap();
        assert_eq!(url, "postgres://pos@10.0.0.5:5433/shop?sslmode=require");
        assert_eq!(password.unwrap().expose(), "s@cret");
        let (url, password) = split_password("postgresql://pos@db.example.com/shop").unwrap();
        assert_eq!(url, "postgresql://pos@db.example.com/shop");
        assert!(password.is_none());
        for bad in ["", "/var/lib/ledger.db", "mysql://x@y/z", "postgres:///shop"] {
            assert!(split_password(bad).is_err(), "{bad:?} was taken");
        }
    }
}
