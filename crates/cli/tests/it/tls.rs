//! TLS to the shop's PostgreSQL: with `sslmode=require` the server's certificate is verified —
//! against the system's roots, or a shop's own CA named by `RECUR_POS_DB_CA` — and a server the
//! counter cannot verify is refused with words that say so.

use std::path::Path;

use crate::support::{cli, keyring_service};

/// A database of its own on the test PostgreSQL (scripts/pg.sh), dropped afterwards.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    fn new() -> Database {
        let admin = std::env::var("RECUR_POS_TEST_PG").expect(
            "RECUR_POS_TEST_PG is not set: run the tests with scripts/test.sh (it starts a throwaway PostgreSQL)",
        );
        let name = format!("recur_cli_tls_{}", std::process::id());
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("the test PostgreSQL");
        // One statement each: neither may run inside the implicit transaction of a batch.
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("an old test database dropped");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("a test database");
        let mut url = url::Url::parse(&admin).expect("a URL");
        url.set_path(&name);
        Database {
            admin,
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

#[test]
fn the_shared_ledger_over_tls_verifies_the_server_and_refuses_one_it_cannot() {
    let database = Database::new();
    let ca = std::env::var("RECUR_POS_TEST_PG_CA").expect("scripts/pg.sh env names the cluster's CA");
    assert!(Path::new(&ca).exists(), "{ca} is missing: scripts/pg.sh start makes it");
    let home = tempfile::tempdir().unwrap();
    let keyring = keyring_service();
    let url = format!("{}?sslmode=require", database.url);
    let run = |ca: Option<&str>| {
        let mut cmd = cli(Path::new(&url), &keyring);
        // A shared ledger needs Recur's keys; `sales` never calls Recur (the catalogue load at
        // start-up may fail, which is not fatal).
        cmd.env("RECUR_SECRET_KEY", "sk_test_tls")
            .env("RECUR_API_BASE", "http://127.0.0.1:9")
            .env("RECUR_POS_HOME", home.path())
            .args(["sales", "--json"]);
        match ca {
            Some(ca) => cmd.env("RECUR_POS_DB_CA", ca),
            None => cmd.env_remove("RECUR_POS_DB_CA"),
        };
        cmd.output().expect("recur-pos-cli runs")
    };

    let refused = run(None);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success(),
        "a server signed by an unknown CA was accepted: {stderr}"
    );
    assert!(stderr.contains("ledger_unreachable"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("certificate") || stderr.contains("UnknownIssuer"),
        "the refusal names the certificate: {stderr}"
    );

    let verified = run(Some(&ca));
    assert!(
        verified.status.success(),
        "with the shop's CA the counter opens the ledger over TLS: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let sales: serde_json::Value = serde_json::from_slice(&verified.stdout).expect("one JSON document");
    assert_eq!(sales, serde_json::json!([]), "a new shared ledger has no sales");
}
