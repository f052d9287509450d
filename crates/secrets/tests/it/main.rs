//! The secret stores against their contract: the in-memory store always, the real OS keyring
//! when a Secret Service is running (required under `scripts/with-keyring.sh`), and a machine
//! with no keyring at all (a child process pointed at a D-Bus that does not exist).

mod contract;
mod keyring;
mod memory;
