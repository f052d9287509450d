//! The real OS keyring. The README's test command runs a throwaway GNOME keyring
//! (`scripts/with-keyring.sh`); without one these tests fail rather than skip, because a
//! keyring that silently is not there is exactly what they exist to catch.

use std::process::Command;

use recur_domain::Secret;
use recur_secrets::{KeyringStore, SecretStore, SecretsError};

#[test]
fn the_os_keyring_keeps_the_contract() {
    let store = KeyringStore::with_service(format!("tw.recur.pos.test.{}", std::process::id()));
    if let Err(SecretsError::Unavailable(why)) = store.get("probe") {
        panic!("no Secret Service here ({why}): run the tests with scripts/test.sh (it starts a throwaway keyring)");
    }
    super::contract::check(&store, "kr");
}

#[test]
fn no_keyring_means_a_clear_error_and_nothing_on_disk() {
    let home = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let output = Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            "keyring::child_without_a_keyring",
            "--nocapture",
        ])
        .env("RECUR_SECRETS_CHILD", "1")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/recur-pos-test-bus")
        .env_remove("DISPLAY")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "the child test ran: {stdout}");
    let written: Vec<_> = walk(home.path());
    assert!(
        written.is_empty(),
        "nothing may be written as a fallback, found {written:?}"
    );
}

/// Runs only as the child of the test above, with no reachable D-Bus.
#[test]
#[ignore = "run by no_keyring_means_a_clear_error_and_nothing_on_disk"]
fn child_without_a_keyring() {
    assert!(std::env::var_os("RECUR_SECRETS_CHILD").is_some(), "run only as a child");
    let store = KeyringStore::with_service("tw.recur.pos.test.nokeyring");
    let secret = Secret::new("sk_test_must_not_leak_9999");
    let results = [
        store.set("recur-secret-key", &secret),
        store.get("recur-secret-key").map(|_| ()),
    ];
    for result in results {
        let err = result.expect_err("there is no keyring");
        assert_eq!(err.code(), "keyring_unavailable", "{err}");
        assert!(
            !err.to_string().contains(secret.expose()),
            "the secret never appears in an error"
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}
