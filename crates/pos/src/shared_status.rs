//! [`SharedStatus`]: what a counter last heard of the shop's shared ledger — below both the
//! counter (its events carry it) and `shared` (which keeps it up to date).

/// Whether the shared ledger answers, and how many cash sales wait on this counter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharedStatus {
    /// The ledger is the shop's shared one (false: a file of this counter's own).
    pub shared: bool,
    pub reachable: bool,
    /// Why not, as the driver said it (for the log and the top bar's tooltip).
    pub why: Option<String>,
    /// Cash sales kept in the outbox until the database is back.
    pub waiting: u64,
}
