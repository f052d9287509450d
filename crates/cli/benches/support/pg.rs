//! The PostgreSQL the benchmarks put the shop's shared ledger on, beside the SQLite file: a
//! cluster of the benchmark's own (`scripts/pg.sh` in a folder under /tmp, on a free port,
//! removed at the end), or the server `RECUR_POS_BENCH_PG` names (an admin URL; the benchmark
//! makes databases of its own there and drops them). `RECUR_POS_BENCH_PG=none` leaves
//! PostgreSQL out (SQLite figures only).
//!
//! The cluster is the tests' (scripts/pg.sh: fsync on, synchronous commit, 64 MB of shared
//! buffers): a small shop server's settings, not a tuned one. Not here: what is measured.

// Each benchmark uses a part of it (only the ingest copies a database).
#![allow(dead_code)]

use std::sync::Mutex;

#[path = "../../../app/tests/it/own_pg.rs"]
mod own_pg;

pub struct BenchPg {
    admin: String,
    /// Dropped last: the cluster goes with every database in it.
    _cluster: Option<own_pg::OwnCluster>,
    made: Mutex<Vec<String>>,
}

impl BenchPg {
    /// The server to use, or `None` when `RECUR_POS_BENCH_PG=none`.
    pub fn start() -> Option<BenchPg> {
        match std::env::var("RECUR_POS_BENCH_PG").ok().filter(|v| !v.is_empty()) {
            Some(v) if v == "none" => None,
            Some(url) => Some(BenchPg {
                admin: url,
                _cluster: None,
                made: Mutex::new(Vec::new()),
            }),
            None => {
                let cluster = own_pg::OwnCluster::start("bench");
                Some(BenchPg {
                    admin: cluster.url(),
                    _cluster: Some(cluster),
                    made: Mutex::new(Vec::new()),
                })
            }
        }
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("the benchmark's PostgreSQL ({}) does not answer: {e}", self.shown()))
    }

    /// The admin URL without its password.
    pub fn shown(&self) -> String {
        let mut url = url::Url::parse(&self.admin).expect("a URL");
        let _ = url.set_password(None);
        url.to_string()
    }

    fn url_of(&self, database: &str) -> String {
        let mut url = url::Url::parse(&self.admin).expect("a URL");
        url.set_path(database);
        url.to_string()
    }

    /// A new empty database (dropped at the end); its URL.
    pub fn create(&self, name: &str) -> String {
        self.create_from(name, None)
    }

    /// A new database copied from `template` (which must have no session open); its URL.
    pub fn copy(&self, template: &str, name: &str) -> String {
        self.create_from(name, Some(template))
    }

    fn create_from(&self, name: &str, template: Option<&str>) -> String {
        let name = format!("{name}_{}", std::process::id());
        let mut client = self.client();
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop an old database");
        let template = template.map(|t| format!(" TEMPLATE {t}_{}", std::process::id()));
        client
            .batch_execute(&format!("CREATE DATABASE {name}{}", template.unwrap_or_default()))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        self.made.lock().unwrap().push(name.clone());
        self.url_of(&name)
    }

    /// Drops a database made by [`BenchPg::create`] or [`BenchPg::copy`] now.
    pub fn drop_database(&self, name: &str) {
        let name = format!("{name}_{}", std::process::id());
        self.client()
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop a database");
        self.made.lock().unwrap().retain(|n| *n != name);
    }

    /// What autovacuum does to a table a minute or so after a bulk load (statistics for the
    /// planner, the visibility map for index-only scans), done now so no figure depends on when
    /// it happens to run.
    pub fn vacuum_analyze(&self, url: &str) {
        let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
        client.batch_execute("VACUUM ANALYZE").expect("VACUUM ANALYZE");
    }

    /// The size of a database, in bytes.
    pub fn size(&self, url: &str) -> u64 {
        let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
        let row = client
            .query_one("SELECT pg_database_size(current_database())", &[])
            .expect("size");
        row.get::<_, i64>(0) as u64
    }
}

impl Drop for BenchPg {
    fn drop(&mut self) {
        if self._cluster.is_some() {
            return;
        }
        let made = std::mem::take(self.made.get_mut().unwrap());
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            for name in made {
                let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}
