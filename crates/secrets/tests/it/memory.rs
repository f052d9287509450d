use recur_domain::Secret;
use recur_secrets::{MemoryStore, SecretStore, SecretsError};

#[test]
fn memory_store_keeps_the_contract() {
    super::contract::check(&MemoryStore::new(), "mem");
}

#[test]
fn an_unavailable_store_fails_every_call_with_a_clear_code() {
    let store = MemoryStore::unavailable();
    let results = [
        store.get("recur-secret-key").map(|_| ()),
        store.set("recur-secret-key", &Secret::new("sk_test_x")),
        store.delete("recur-secret-key"),
    ];
    for result in results {
        let err = result.expect_err("no keyring");
        assert!(matches!(err, SecretsError::Unavailable(_)));
        assert_eq!(err.code(), "keyring_unavailable");
        assert!(
            err.to_string().contains("RECUR_SECRET_KEY"),
            "says what to do instead: {err}"
        );
    }
}

#[test]
fn every_error_has_its_own_code_a_person_is_told() {
    let errors = [
        SecretsError::Unavailable(String::new()),
        SecretsError::Locked(String::new()),
        SecretsError::Corrupt(String::new()),
        SecretsError::InvalidName(String::new()),
    ];
    let codes: Vec<&str> = errors.iter().map(|e| e.error_code().as_str()).collect();
    assert_eq!(
        codes,
        [
            "keyring_unavailable",
            "keyring_locked",
            "keyring_corrupt",
            "keyring_invalid_name"
        ]
    );
}
