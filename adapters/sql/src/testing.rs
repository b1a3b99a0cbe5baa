//! Fresh, empty, migrated databases for tests (this crate's contract tests, later the end-to-end tests):
//! a temporary SQLite file, or a throw-away database on the MariaDB/MySQL server named by
//! `EXCHANGE_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`).
//!
//! Many test processes share that server, so every test gets its own database `xt_<unixsecs>_<random>`,
//! dropped again when the [`TestDatabase`] is dropped (panics included). Databases left behind by killed
//! runs are swept: the first MySQL test of a process drops `xt_` databases older than two hours. An
//! unreachable server is an error, never a skipped test. Only behind the `testing` feature.

use crate::connect::{SqlDatabase, connect};
use crate::error::SqlError;
use crate::migrations::migrate;
use crate::options::{SqlDriver, SqlOptions};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tempfile::TempDir;

/// Environment variable naming the MariaDB/MySQL server tests may create databases on.
pub const MYSQL_URL_ENV: &str = "EXCHANGE_TEST_MYSQL_URL";
/// Server used when [`MYSQL_URL_ENV`] is unset: the local MariaDB.
pub const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306";
/// Prefix of every database this module creates; the sweep touches nothing else.
const PREFIX: &str = "xt_";
/// Test databases older than this are assumed abandoned by a killed run.
const STALE_AFTER: Duration = Duration::from_secs(2 * 60 * 60);

static SWEPT: AtomicBool = AtomicBool::new(false);

/// Why a test database could not be provided.
#[derive(Debug, thiserror::Error)]
pub enum TestDbError {
    /// The MySQL server could not be reached; the message says how to point the tests elsewhere.
    #[error(
        "MariaDB/MySQL is not reachable at {url}; start it or set {MYSQL_URL_ENV} (e.g. mysql://root@127.0.0.1:3306)"
    )]
    Unreachable {
        /// The URL tried, without its password.
        url: String,
        /// The connection error.
        #[source]
        source: SqlError,
    },
    /// The URL in [`MYSQL_URL_ENV`] is not `mysql://user[:password]@host[:port]`.
    #[error("{MYSQL_URL_ENV}={0:?} is not a mysql://user[:password]@host[:port] URL")]
    BadUrl(String),
    /// The temporary directory for an SQLite file could not be created.
    #[error("cannot create a temporary directory for the SQLite test database")]
    TempDir(#[source] std::io::Error),
    /// Creating, connecting to or migrating the fresh database failed.
    #[error("cannot prepare the test database")]
    Prepare(#[source] SqlError),
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] TempDir),
    MySql { server: SqlOptions, name: String },
}

/// A migrated, empty database that disappears with this value.
pub struct TestDatabase {
    db: SqlDatabase,
    options: SqlOptions,
    cleanup: Cleanup,
}

impl TestDatabase {
    /// A new SQLite file in a fresh temporary directory (under a sub-directory, so that directory creation
    /// is exercised too).
    pub async fn sqlite() -> Result<Self, TestDbError> {
        let dir = tempfile::tempdir().map_err(TestDbError::TempDir)?;
        let mut options = SqlOptions::sqlite(dir.path().join("data").join("exchange.db"));
        options.max_connections = 4;
        let db = connect(&options).await.map_err(TestDbError::Prepare)?;
        migrate(&db).await.map_err(TestDbError::Prepare)?;
        Ok(Self { db, options, cleanup: Cleanup::Sqlite(dir) })
    }

    /// A new database on the test MySQL server. Fails (never skips) when the server is unreachable.
    pub async fn mysql() -> Result<Self, TestDbError> {
        let server = mysql_server_options()?;
        let classify = |source: SqlError| match source {
            SqlError::Connect { .. } => TestDbError::Unreachable { url: redacted_url(&server), source },
            other => TestDbError::Prepare(other),
        };
        if !SWEPT.swap(true, Ordering::SeqCst) {
            sweep(&server).await.map_err(classify)?;
        }
        let name = fresh_name();
        let options = SqlOptions { database: name.clone(), ..server.clone() };
        crate::connect::create_mysql_database(&options).await.map_err(classify)?;
        // From here on the database exists, so any failure must still drop it.
        let cleanup = Cleanup::MySql { server, name };
        let db = match connect(&options).await {
            Ok(db) => db,
            Err(e) => {
                drop_in_background(&cleanup);
                return Err(TestDbError::Prepare(e));
            }
        };
        let this = Self { db, options, cleanup };
        migrate(&this.db).await.map_err(TestDbError::Prepare)?;
        Ok(this)
    }

    /// The open pool.
    pub fn db(&self) -> &SqlDatabase {
        &self.db
    }

    /// How to reach this database, e.g. to pass to a spawned `exchange` binary.
    pub fn options(&self) -> &SqlOptions {
        &self.options
    }

    /// Builds a port on this database and keeps the database alive exactly as long as the port.
    pub fn hold<T>(self, make: impl FnOnce(&SqlDatabase) -> T) -> Held<T> {
        Held { port: make(&self.db), _db: self }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        drop_in_background(&self.cleanup);
    }
}

/// A port together with the test database under it; derefs to the port.
pub struct Held<T> {
    // Declared first so it is dropped before the database.
    port: T,
    _db: TestDatabase,
}

impl<T> Deref for Held<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.port
    }
}

/// Unwraps a test database, failing the test with the whole cause chain (e.g. why MariaDB is unreachable).
pub fn or_fail(result: Result<TestDatabase, TestDbError>) -> TestDatabase {
    result.unwrap_or_else(|err| {
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message.push_str(&format!("\n  caused by: {cause}"));
            source = cause.source();
        }
        panic!("{message}")
    })
}

/// The server named by [`MYSQL_URL_ENV`], with no database selected.
pub fn mysql_server_options() -> Result<SqlOptions, TestDbError> {
    let url = std::env::var(MYSQL_URL_ENV).unwrap_or_else(|_| DEFAULT_MYSQL_URL.to_owned());
    parse_mysql_url(&url).ok_or(TestDbError::BadUrl(url))
}

/// Parses `mysql://user[:password]@host[:port][/ignored]`; user and password may be percent-encoded.
fn parse_mysql_url(url: &str) -> Option<SqlOptions> {
    let rest = url.strip_prefix("mysql://").or_else(|| url.strip_prefix("mariadb://"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((user, host)) => (Some(user), host),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        Some(info) => {
            let (u, p) = info.split_once(':').unwrap_or((info, ""));
            (percent_decode(u)?, percent_decode(p)?)
        }
        None => ("root".to_owned(), String::new()),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (hostport, 3306),
    };
    if host.is_empty() || user.is_empty() {
        return None;
    }
    let mut options = SqlOptions::mysql(host, port, user, password, "");
    options.max_connections = 8;
    options.min_connections = 0;
    Some(options)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn redacted_url(server: &SqlOptions) -> String {
    let password = if server.password.is_empty() { "" } else { ":***" };
    format!("mysql://{}{password}@{}:{}", server.username, server.host, server.port)
}

fn unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `xt_<unixsecs>_<12 random hex digits>`: the random tail of a UUID v7.
fn fresh_name() -> String {
    let random = uuid::Uuid::now_v7().simple().to_string();
    format!("{PREFIX}{}_{}", unix_secs(), &random[20..])
}

/// The creation time embedded in a test database name, if it is one of ours.
fn created_secs(name: &str) -> Option<u64> {
    let rest = name.strip_prefix(PREFIX)?;
    let (secs, random) = rest.split_once('_')?;
    if random.is_empty() || !random.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    secs.parse().ok()
}

async fn admin(server: &SqlOptions) -> Result<SqlDatabase, SqlError> {
    let options = SqlOptions {
        driver: SqlDriver::MySql,
        database: String::new(),
        max_connections: 1,
        min_connections: 0,
        ..server.clone()
    };
    let db = connect(&options).await?;
    // Never wait long on a metadata lock held by a test that died mid-transaction; the sweep retries later.
    db.connection().execute_unprepared("SET SESSION lock_wait_timeout = 5").await.map_err(SqlError::Statement)?;
    Ok(db)
}

async fn drop_database(server: &SqlOptions, name: &str) -> Result<(), SqlError> {
    let name = crate::connect::checked_database_name(name)?;
    let db = admin(server).await?;
    let result = db.connection().execute_unprepared(&format!("DROP DATABASE IF EXISTS `{name}`")).await;
    let _ = db.close().await;
    result.map(|_| ()).map_err(SqlError::Statement)
}

/// Drops a MySQL test database from a helper thread with its own runtime, since `Drop` cannot await and
/// the test's runtime is blocked while we wait.
fn drop_in_background(cleanup: &Cleanup) {
    let Cleanup::MySql { server, name } = cleanup else { return };
    let (server, name) = (server.clone(), name.clone());
    let outcome = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        runtime.block_on(drop_database(&server, &name)).map_err(|e| format!("{e}: {:?}", std::error::Error::source(&e)))
    })
    .join();
    if let Ok(Err(e)) = outcome {
        eprintln!("warning: could not drop test database (the next sweep will): {e}");
    }
}

/// Drops `xt_` databases older than [`STALE_AFTER`], left behind by killed test runs. Only failing to
/// connect is an error (the server is unreachable); a database that cannot be dropped now is left for later.
async fn sweep(server: &SqlOptions) -> Result<(), SqlError> {
    let db = admin(server).await?;
    let rows = db
        .connection()
        .query_all_raw(Statement::from_string(
            DbBackend::MySql,
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'xt\\_%'",
        ))
        .await
        .unwrap_or_default();
    let now = unix_secs();
    for row in rows {
        let Ok(name) = row.try_get_by_index::<String>(0) else { continue };
        let stale = created_secs(&name).is_some_and(|secs| now.saturating_sub(secs) > STALE_AFTER.as_secs());
        if stale && crate::connect::checked_database_name(&name).is_ok() {
            let _ = db.connection().execute_unprepared(&format!("DROP DATABASE IF EXISTS `{name}`")).await;
        }
    }
    let _ = db.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_and_without_credentials() {
        let o = parse_mysql_url("mysql://root@127.0.0.1:3306").unwrap();
        assert_eq!(
            (o.username.as_str(), o.password.as_str(), o.host.as_str(), o.port),
            ("root", "", "127.0.0.1", 3306)
        );
        let o = parse_mysql_url("mysql://app:p%40ss@db.local/ignored?x=1").unwrap();
        assert_eq!(
            (o.username.as_str(), o.password.as_str(), o.host.as_str(), o.port),
            ("app", "p@ss", "db.local", 3306)
        );
        assert!(parse_mysql_url("postgres://x@y").is_none());
        assert!(parse_mysql_url("mysql://root@host:notaport").is_none());
    }

    #[test]
    fn only_our_names_carry_a_creation_time() {
        let name = fresh_name();
        assert!(checked_database_name_ok(&name), "{name}");
        assert!(created_secs(&name).is_some_and(|s| s.abs_diff(unix_secs()) < 5));
        assert_eq!(created_secs("xt_1700000000_abc123"), Some(1_700_000_000));
        assert_eq!(created_secs("exchange"), None);
        assert_eq!(created_secs("xt_notanumber_abc"), None);
        assert_eq!(created_secs("xt_1700000000_"), None);
    }

    fn checked_database_name_ok(name: &str) -> bool {
        crate::connect::checked_database_name(name).is_ok()
    }
}
