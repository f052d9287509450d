//! Opening the counter for a subcommand: exactly as the window does (a `Station`: keys from the
//! environment, then the keyring, else the embedded sandbox), saying on stderr what a person
//! at a terminal should know (the keyring could not be read, the sandbox is in use).

use std::sync::Arc;

use recur_pos_app::{AppError, Plan, Station};
use recur_pos_core::Counter;

/// Opens the counter, saying on stderr when it runs on the embedded sandbox.
pub(crate) async fn open(station: &Arc<Station>, plan: Plan) -> Result<Arc<Counter>, AppError> {
    let counter = station.open(plan).await?;
    if let Some(error) = station.keys().keyring_error {
        eprintln!("note: the OS keyring could not be read ({error}); only keys in the environment are used");
    }
    if let Some(lan) = counter.lan_base_url() {
        eprintln!("phone test: phones on this network can open the checkout at {lan}");
    }
    if let Some(sandbox) = counter.sandbox() {
        eprintln!(
            "note: no Recur key is set (environment or keyring): using the embedded sandbox at {} \
             (it stops when this command ends)",
            sandbox.base_url()
        );
    }
    Ok(counter)
}
