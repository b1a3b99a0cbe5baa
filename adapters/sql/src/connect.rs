//! Opening the pool: SQLite with WAL, foreign keys and a busy timeout; MySQL/MariaDB in utf8mb4, UTC and
//! strict mode (an over-long value is an error, never silently truncated).
//! Also creates a missing MySQL database for `exchange migrate` on a fresh server.

use crate::audit::SqlAuditLog;
use crate::conversations::SqlConversationStore;
use crate::daily_stats::SqlDailyStats;
use crate::error::SqlError;
use crate::groups::SqlGroupStore;
use crate::health::SqlHealthProbe;
use crate::messages::SqlMessageStore;
use crate::options::{SqlDriver, SqlOptions};
use crate::runs::SqlRunStore;
use crate::settings::SqlSettingsStore;
use crate::users::SqlUserRepository;
use sea_orm::sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::sqlx::{self, ConnectOptions as _, Executor as _};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, SqlxMySqlConnector, SqlxSqliteConnector};
use std::time::Duration;

/// Shortest time an SQLite writer waits for another writer before giving up with `SQLITE_BUSY`.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// An open connection pool; hands out the adapters that share it.
#[derive(Clone, Debug)]
pub struct SqlDatabase {
    conn: DatabaseConnection,
}

impl SqlDatabase {
    /// Wraps a sea-orm connection opened elsewhere (e.g. by a test that needs special options).
    pub fn from_connection(conn: DatabaseConnection) -> Self {
        Self { conn }
    }

    /// The sea-orm connection, for migrations and for later adapters of this crate.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Which engine this is.
    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// The settings store on this pool.
    pub fn settings_store(&self) -> SqlSettingsStore {
        SqlSettingsStore::new(self.conn.clone())
    }

    /// The user repository on this pool.
    pub fn user_repository(&self) -> SqlUserRepository {
        SqlUserRepository::new(self.conn.clone())
    }

    /// The audit log on this pool.
    pub fn audit_log(&self) -> SqlAuditLog {
        SqlAuditLog::new(self.conn.clone())
    }

    /// The scheduler's run history on this pool.
    pub fn run_store(&self) -> SqlRunStore {
        SqlRunStore::new(self.conn.clone())
    }

    /// The daily statistics rows on this pool.
    pub fn daily_stats_store(&self) -> SqlDailyStats {
        SqlDailyStats::new(self.conn.clone())
    }

    /// The chat message store on this pool (the embedded default and CI keep messages here).
    pub fn message_store(&self) -> SqlMessageStore {
        SqlMessageStore::new(self.conn.clone())
    }

    /// Groups and memberships on this pool.
    pub fn group_store(&self) -> SqlGroupStore {
        SqlGroupStore::new(self.conn.clone())
    }

    /// Direct conversations and read positions on this pool.
    pub fn conversation_store(&self) -> SqlConversationStore {
        SqlConversationStore::new(self.conn.clone())
    }

    /// The readiness probe for this pool.
    pub fn health_probe(&self) -> SqlHealthProbe {
        SqlHealthProbe::new(self.conn.clone())
    }

    /// Closes every connection, for graceful shutdown; adapters handed out earlier then fail as unavailable.
    pub async fn close(&self) -> Result<(), SqlError> {
        self.conn.close_by_ref().await.map_err(SqlError::Statement)
    }
}

/// Opens the pool described by `options` and checks that one connection works.
pub async fn connect(options: &SqlOptions) -> Result<SqlDatabase, SqlError> {
    let conn = match options.driver {
        SqlDriver::Sqlite => connect_sqlite(options).await?,
        SqlDriver::MySql => connect_mysql(options, &options.database).await?,
    };
    tracing::debug!(driver = options.driver.as_str(), "database pool open");
    Ok(SqlDatabase { conn })
}

/// Creates the MySQL database named in `options` if it does not exist yet (utf8mb4), connecting without
/// selecting a database. Returns whether it had to be created. Does nothing for SQLite, whose file
/// [`connect`] creates.
pub async fn create_mysql_database(options: &SqlOptions) -> Result<bool, SqlError> {
    if options.driver != SqlDriver::MySql {
        return Ok(false);
    }
    let name = checked_database_name(&options.database)?;
    let admin = SqlOptions { max_connections: 1, min_connections: 0, ..options.clone() };
    let conn = connect_mysql(&admin, "").await?;
    let result = async {
        let exists = conn
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                DbBackend::MySql,
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                [name.into()],
            ))
            .await?
            .is_some();
        if !exists {
            conn.execute_unprepared(&format!(
                "CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            ))
            .await?;
        }
        Ok(!exists)
    }
    .await
    .map_err(SqlError::Statement);
    let _ = conn.close().await;
    result
}

/// Database names go into DDL unquoted-by-driver, so only plain identifiers are accepted.
pub(crate) fn checked_database_name(name: &str) -> Result<&str, SqlError> {
    let ok = !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(SqlError::InvalidOptions(format!(
            "database name {name:?} must be 1 to 64 ASCII letters, digits or underscores"
        )))
    }
}

async fn connect_sqlite(options: &SqlOptions) -> Result<DatabaseConnection, SqlError> {
    if options.path.as_os_str().is_empty() {
        return Err(SqlError::InvalidOptions("database.path is empty for the sqlite driver".into()));
    }
    if let Some(dir) = options.path.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|source| SqlError::CreateDirectory { path: dir.to_path_buf(), source })?;
    }
    let connect = SqliteConnectOptions::new()
        .filename(&options.path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(SQLITE_BUSY_TIMEOUT.max(options.connect_timeout))
        .disable_statement_logging();
    let pool = SqlitePoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .min_connections(options.min_connections.min(options.max_connections))
        .acquire_timeout(options.connect_timeout)
        .connect_with(connect)
        .await
        .map_err(|source| SqlError::Connect { driver: "sqlite", source })?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

async fn connect_mysql(options: &SqlOptions, database: &str) -> Result<DatabaseConnection, SqlError> {
    let mut connect = MySqlConnectOptions::new()
        .host(&options.host)
        .port(options.port)
        .username(&options.username)
        .charset("utf8mb4")
        .timezone(Some("+00:00".to_owned()))
        .disable_statement_logging();
    if !options.password.is_empty() {
        connect = connect.password(&options.password);
    }
    if !database.is_empty() {
        connect = connect.database(checked_database_name(database)?);
    }
    let pool = MySqlPoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .min_connections(options.min_connections.min(options.max_connections))
        .acquire_timeout(options.connect_timeout)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES')").await?;
                Ok(())
            })
        })
        .connect_with(connect)
        .await
        .map_err(|source: sqlx::Error| SqlError::Connect { driver: "mysql", source })?;
    Ok(SqlxMySqlConnector::from_sqlx_mysql_pool(pool))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_database_names_reach_ddl() {
        assert!(checked_database_name("exchange_2").is_ok());
        for bad in ["", "a`b", "x; DROP DATABASE y", "名字", &"a".repeat(65)] {
            assert!(matches!(checked_database_name(bad), Err(SqlError::InvalidOptions(_))), "{bad}");
        }
    }

    #[tokio::test]
    async fn sqlite_creates_missing_directories_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/deeper/exchange.db");
        let db = connect(&SqlOptions::sqlite(&path)).await.unwrap();
        assert!(path.exists());
        let row = db
            .connection()
            .query_one_raw(sea_orm::Statement::from_string(DbBackend::Sqlite, "PRAGMA journal_mode"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "wal");
        let row = db
            .connection()
            .query_one_raw(sea_orm::Statement::from_string(DbBackend::Sqlite, "PRAGMA foreign_keys"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get_by_index::<i32>(0).unwrap(), 1);
    }

    #[tokio::test]
    async fn unreachable_mysql_fails_to_connect_within_the_timeout() {
        let mut opts = SqlOptions::mysql("127.0.0.1", 1, "root", "", "nope");
        opts.connect_timeout = Duration::from_secs(2);
        let err = connect(&opts).await.unwrap_err();
        assert!(matches!(err, SqlError::Connect { driver: "mysql", .. }), "{err:?}");
        assert!(matches!(domain::InfraError::from(err), domain::InfraError::Unavailable { .. }));
    }
}
