//! [`MemoryStore`]: secrets in memory, for tests and for code that must not touch the OS.

use std::collections::HashMap;
use std::sync::Mutex;

use recur_domain::Secret;

use crate::{check_name, SecretStore, SecretsError};

/// Forgets everything when dropped. Can be built "unavailable" to test how callers handle a
/// machine with no keyring.
#[derive(Debug, Default)]
pub struct MemoryStore {
    values: Mutex<HashMap<String, Secret>>,
    unavailable: bool,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// A store that fails every call as a machine with no keyring does.
    pub fn unavailable() -> MemoryStore {
        MemoryStore {
            values: Mutex::default(),
            unavailable: true,
        }
    }

    fn check(&self, name: &str) -> Result<(), SecretsError> {
        check_name(name)?;
        if self.unavailable {
            return Err(SecretsError::Unavailable("memory store built unavailable".into()));
        }
        Ok(())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, name: &str) -> Result<Option<Secret>, SecretsError> {
        self.check(name)?;
        Ok(self.values.lock().expect("memory store lock").get(name).cloned())
    }

    fn set(&self, name: &str, value: &Secret) -> Result<(), SecretsError> {
        self.check(name)?;
        self.values
            .lock()
            .expect("memory store lock")
            .insert(name.to_owned(), value.clone());
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), SecretsError> {
        self.check(name)?;
        self.values.lock().expect("memory store lock").remove(name);
        Ok(())
    }
}
