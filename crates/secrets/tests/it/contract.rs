//! What every [`SecretStore`] must do, as one table-driven check.

use recur_domain::Secret;
use recur_secrets::{SecretStore, SecretsError};

/// Runs the contract against `store`, using names unique to `prefix` so runs never collide.
pub fn check(store: &dyn SecretStore, prefix: &str) {
    let a = format!("{prefix}-a");
    let b = format!("{prefix}-b");
    store.delete(&a).expect("delete before start");
    store.delete(&b).expect("delete before start");

    assert_eq!(store.get(&a).expect("get absent"), None, "a fresh name holds nothing");
    let steps: [(&str, &str, Option<&str>); 4] = [
        ("set", "sk_test_first1234", Some("sk_test_first1234")),
        ("set", "sk_live_second5678", Some("sk_live_second5678")),
        ("delete", "", None),
        ("delete", "", None),
    ];
    for (op, value, expected) in steps {
        match op {
            "set" => store.set(&a, &Secret::new(value)).expect("set"),
            _ => store.delete(&a).expect("delete (twice is fine)"),
        }
        let got = store.get(&a).expect("get");
        assert_eq!(got.as_ref().map(Secret::expose), expected, "after {op} {value}");
    }

    store.set(&a, &Secret::new("whsec_one")).expect("set a");
    store.set(&b, &Secret::new("whsec_two")).expect("set b");
    assert_eq!(
        store.get(&a).unwrap().unwrap().expose(),
        "whsec_one",
        "names are independent"
    );
    assert_eq!(store.get(&b).unwrap().unwrap().expose(), "whsec_two");
    store.delete(&a).unwrap();
    store.delete(&b).unwrap();

    for bad in ["", "Upper", "has space", "../etc"] {
        let err = store.get(bad).expect_err(bad);
        assert!(matches!(err, SecretsError::InvalidName(_)), "{bad}: {err:?}");
        assert_eq!(err.code(), "keyring_invalid_name");
    }
}
