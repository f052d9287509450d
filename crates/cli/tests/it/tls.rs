//! TLS to the shop's PostgreSQL: with `sslmode=require` the server's certificate is verified —
//! against the system's roots, or a shop's own CA named by `RECUR_POS_DB_CA` — and a server the
//! counter cannot verify is refused with words that say so.

use std::path::Path;

use crate::support::{cli, keyring_service};

/// A cluster of this test's own that also serves TLS (scripts/pg.sh with RECUR_POS_PG_TLS=1),
/// beside the shared test cluster, which stays plain: a client that does not know this
/// cluster's CA is refused by it, and every other test's client would be. Left running for the
/// next run, as the shared one is. Returns (admin URL, the CA's file).
fn tls_cluster() -> (String, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/pg.sh");
    let pg = |command: &str| {
        let out = std::process::Command::new("bash")
            .arg(script)
            .arg(command)
            .env("RECUR_POS_PG_DIR", "/tmp/recur-pos-pg-tls")
            .env("RECUR_POS_PG_PORT", "55433")
            .env("RECUR_POS_PG_TLS", "1")
            .output()
            .expect("scripts/pg.sh runs");
        assert!(
            out.status.success(),
            "scripts/pg.sh {command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    pg("start");
    let env = pg("env");
    let value = |name: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .unwrap_or_else(|| panic!("scripts/pg.sh env names {name}: {env}"))
            .to_owned()
    };
    (value("RECUR_POS_TEST_PG"), value("RECUR_POS_TEST_PG_CA"))
}

/// A database of its own on `admin`'s cluster, dropped afterwards.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    fn new(admin: &str) -> Database {
        let name = format!("recur_cli_tls_{}", std::process::id());
        let mut client = postgres::Client::connect(admin, postgres::NoTls).expect("the TLS test cluster");
        // One statement each: neither may run inside the implicit transaction of a batch.
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("an old test database dropped");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("a test database");
        let mut url = url::Url::parse(admin).expect("a URL");
        url.set_path(&name);
        Database {
            admin: admin.to_owned(),
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
    let (admin, ca) = tls_cluster();
    assert!(Path::new(&ca).exists(), "{ca} is missing: scripts/pg.sh start makes it");
    let database = Database::new(&admin);
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
