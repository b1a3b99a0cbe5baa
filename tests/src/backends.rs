//! The real servers behind a test: a fresh MariaDB database and a Redis key prefix of its own, removed when
//! the value drops. Several `exchange` processes given the same `SharedBackends` form one cluster.

use crate::ServerBuilder;
use adapter_redis::testing::TestRedis;
use adapter_sql::testing::TestDatabase;

/// Which composition a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Composition {
    /// SQLite file and in-memory adapters: the embedded default.
    Embedded,
    /// MariaDB and Redis: the production shape.
    MariaDbRedis,
}

/// A MariaDB database and a Redis prefix reserved for one test.
pub struct SharedBackends {
    db: TestDatabase,
    redis: TestRedis,
}

impl SharedBackends {
    /// Creates a migrated database and a fresh prefix; fails (never skips) if a server is unreachable.
    pub async fn start() -> Self {
        let db = TestDatabase::mysql().await.unwrap_or_else(|e| panic!("MariaDB for e2e tests: {e}"));
        let redis = TestRedis::start().await;
        Self { db, redis }
    }

    /// Points a server at these backends.
    pub fn apply(&self, builder: ServerBuilder) -> ServerBuilder {
        builder.envs(database_env(&self.db)).envs(redis_env(&self.redis))
    }

    /// The Redis prefix, for tests that work on the same keys as the servers (a second instance of an
    /// adapter in the test process).
    pub fn redis(&self) -> &TestRedis {
        &self.redis
    }

    /// The MariaDB database, for tests that seed rows through the SQL adapter (e.g. chat groups).
    pub fn database(&self) -> &TestDatabase {
        &self.db
    }

    /// The same settings as `(key, value)` pairs, for one-shot commands such as `init-admin`.
    pub fn env(&self) -> Vec<(String, String)> {
        self.apply(ServerBuilder::new()).env_pairs()
    }
}

/// The `EXCHANGE__DATABASE__…` settings that point a server at the MariaDB database `db`.
pub fn database_env(db: &TestDatabase) -> Vec<(String, String)> {
    let sql = db.options();
    vec![
        ("EXCHANGE__DATABASE__DRIVER".into(), "mysql".into()),
        ("EXCHANGE__DATABASE__HOST".into(), sql.host.clone()),
        ("EXCHANGE__DATABASE__PORT".into(), sql.port.to_string()),
        ("EXCHANGE__DATABASE__USERNAME".into(), sql.username.clone()),
        ("EXCHANGE__DATABASE__PASSWORD".into(), sql.password.clone()),
        ("EXCHANGE__DATABASE__DATABASE".into(), sql.database.clone()),
    ]
}

/// The `EXCHANGE__REDIS__…` settings that point a server at `redis` (its host, port and own key prefix).
pub fn redis_env(redis: &TestRedis) -> Vec<(String, String)> {
    let r = redis.options();
    vec![
        ("EXCHANGE__REDIS__HOST".into(), r.host.clone()),
        ("EXCHANGE__REDIS__PORT".into(), r.port.to_string()),
        ("EXCHANGE__REDIS__KEY_PREFIX".into(), r.key_prefix.clone()),
    ]
}

/// A server on `composition`, with the guards that keep its backends alive.
pub struct World {
    /// The running server.
    pub server: crate::Server,
    /// Environment a one-shot command needs to reach the same backends.
    pub env: Vec<(String, String)>,
    _backends: Option<SharedBackends>,
}

impl World {
    /// Starts a server on `composition`, with `builder`'s extra settings.
    pub async fn start(composition: Composition, builder: ServerBuilder) -> Self {
        match composition {
            Composition::Embedded => {
                let server = builder.spawn().await;
                Self { server, env: Vec::new(), _backends: None }
            }
            Composition::MariaDbRedis => {
                let backends = SharedBackends::start().await;
                let server = backends.apply(builder).spawn().await;
                let env = backends.env();
                Self { server, env, _backends: Some(backends) }
            }
        }
    }

    /// The server's SQL database (its SQLite file, or the test's MariaDB database), for tests that seed or
    /// inspect rows through the SQL adapter, as a migration from the Go platform would leave them.
    pub async fn sql(&self) -> adapter_sql::SqlDatabase {
        match &self._backends {
            Some(backends) => backends.database().db().clone(),
            None => adapter_sql::connect(&adapter_sql::SqlOptions::sqlite(self.server.dir().join("data/test.db")))
                .await
                .expect("open the server's SQLite file"),
        }
    }

    /// Runs `exchange <args>` against the same backends (and, for SQLite, the same file).
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        crate::run_once(self.server.dir(), args, &env)
    }
}
