//! How to reach the database: the adapter's own options, so it never depends on bootstrap's config types.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Which engine to talk to; the two are kept behaviourally identical by the same contract suites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlDriver {
    /// MySQL 8 or MariaDB 10.6+, over TCP.
    MySql,
    /// An SQLite file, the embedded default.
    Sqlite,
}

impl SqlDriver {
    /// Name used in logs and error messages.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::MySql => "mysql",
            Self::Sqlite => "sqlite",
        }
    }
}

/// Everything [`crate::connect`] needs. Fields that do not apply to the chosen driver are ignored.
#[derive(Clone, PartialEq, Eq)]
pub struct SqlOptions {
    /// Engine.
    pub driver: SqlDriver,
    /// MySQL host name or address.
    pub host: String,
    /// MySQL port.
    pub port: u16,
    /// MySQL user.
    pub username: String,
    /// MySQL password; empty means none. Never printed by `Debug`.
    pub password: String,
    /// MySQL database (schema) name; empty connects to none, as [`crate::create_mysql_database`] does.
    pub database: String,
    /// SQLite file; its directory and the file are created when missing.
    pub path: PathBuf,
    /// Pool ceiling.
    pub max_connections: u32,
    /// Connections kept open while idle.
    pub min_connections: u32,
    /// Longest wait to open or borrow a connection; also SQLite's busy timeout floor.
    pub connect_timeout: Duration,
}

impl SqlOptions {
    /// Options for an SQLite file with the default pool.
    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        Self { driver: SqlDriver::Sqlite, path: path.into(), ..Self::defaults() }
    }

    /// Options for a MySQL/MariaDB database with the default pool.
    pub fn mysql(
        host: impl Into<String>,
        port: u16,
        username: impl Into<String>,
        password: impl Into<String>,
        database: impl Into<String>,
    ) -> Self {
        Self {
            driver: SqlDriver::MySql,
            host: host.into(),
            port,
            username: username.into(),
            password: password.into(),
            database: database.into(),
            ..Self::defaults()
        }
    }

    fn defaults() -> Self {
        Self {
            driver: SqlDriver::Sqlite,
            host: String::new(),
            port: 3306,
            username: String::new(),
            password: String::new(),
            database: String::new(),
            path: PathBuf::new(),
            max_connections: 8,
            min_connections: 1,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

impl fmt::Debug for SqlOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("SqlOptions");
        s.field("driver", &self.driver);
        match self.driver {
            SqlDriver::MySql => s
                .field("host", &self.host)
                .field("port", &self.port)
                .field("username", &self.username)
                .field("password", &if self.password.is_empty() { "" } else { "***" })
                .field("database", &self.database),
            SqlDriver::Sqlite => s.field("path", &self.path),
        };
        s.field("max_connections", &self.max_connections)
            .field("min_connections", &self.min_connections)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let opts = SqlOptions::mysql("db", 3306, "app", "s3cret-pw", "exchange");
        let shown = format!("{opts:?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("***") && shown.contains("exchange"), "{shown}");
    }
}
