//! The JSON of Settings' "several counters" card and of a connection test to the shop's
//! ledger. A database address crosses only without its password (the password goes from the
//! form to the keyring and nowhere else).

use serde::Serialize;

/// This counter, the ledger it writes, and whether Settings may change that.
#[derive(Clone, Debug, Serialize)]
pub struct ShopDto {
    /// The shop and this counter as its sales record them (blank: not set).
    pub shop: String,
    pub counter: String,
    /// `RECUR_POS_SHOP` / `RECUR_POS_COUNTER` set them: Settings cannot change them.
    pub shop_from_env: bool,
    pub counter_from_env: bool,
    /// The open counter writes the shop's shared ledger (false: a file of its own).
    pub shared: bool,
    /// The shared ledger's address without its password (joined, or `RECUR_POS_DB`'s).
    pub at: Option<String>,
    /// `RECUR_POS_DB` names the ledger: Settings can neither join nor leave.
    pub from_env: bool,
    /// Settings joined a shop (settings.json names it): "Leave" is offered.
    pub joined: bool,
    /// The counter runs on the embedded sandbox, which belongs to one counter: joining needs
    /// Recur's keys (or a standalone sandbox) first.
    pub embedded: bool,
    pub reachable: bool,
    /// Cash sales kept on this counter until the database is back.
    pub waiting: u64,
}

/// What a connection test found at the shop's ledger.
#[derive(Clone, Debug, Serialize)]
pub struct ShopCheckDto {
    /// `postgres://user@host:port/db`, without the password.
    pub at: String,
    /// `live` or `sandbox`; `None` for a new, empty shared ledger.
    pub environment: Option<String>,
    pub sales: u64,
}

impl From<&recur_pos_app::shop::ShopCheck> for ShopCheckDto {
    fn from(c: &recur_pos_app::shop::ShopCheck) -> ShopCheckDto {
        ShopCheckDto {
            at: c.at.clone(),
            environment: c.environment.clone(),
            sales: c.sales,
        }
    }
}
