//! Connections to the configured servers.

use super::WiringError;
use crate::config::MongoConfig;
use crate::config::{AppConfig, DatabaseConfig, DatabaseDriver, RedisConfig};
use adapter_mongo::{MongoBackend, MongoOptions};
use adapter_redis::{RedisBackend, RedisOptions};
use adapter_sql::{SqlDatabase, SqlDriver, SqlOptions};
use std::path::PathBuf;
use std::time::Duration;

/// The open connections the adapters share.
pub struct Backends {
    /// The SQL database (always configured: SQLite by default).
    pub sql: SqlDatabase,
    /// Redis, when the `redis` section is present.
    pub redis: Option<RedisBackend>,
    /// MongoDB, when the `mongodb` section is present: the chat message store lives there then.
    pub mongo: Option<MongoBackend>,
}

/// The SQL adapter's options for the `database` section.
pub fn sql_options(c: &DatabaseConfig) -> SqlOptions {
    let mut options = match c.driver {
        DatabaseDriver::Sqlite => SqlOptions::sqlite(PathBuf::from(&c.path)),
        DatabaseDriver::Mysql => SqlOptions::mysql(&c.host, c.port, &c.username, &c.password, &c.database),
    };
    options.max_connections = c.max_connections;
    options.min_connections = c.min_connections;
    options.connect_timeout = Duration::from_secs(c.connect_timeout_secs);
    debug_assert!(matches!(options.driver, SqlDriver::Sqlite | SqlDriver::MySql));
    options
}

/// The Redis adapter's options for the `redis` section.
pub fn redis_options(c: &RedisConfig) -> RedisOptions {
    RedisOptions {
        host: c.host.clone(),
        port: c.port,
        password: (!c.password.is_empty()).then(|| c.password.clone()),
        db: c.db,
        pool_size: c.pool_size,
        key_prefix: c.key_prefix.clone(),
        ..RedisOptions::default()
    }
}

/// The MongoDB adapter's options for the `mongodb` section.
pub fn mongo_options(c: &MongoConfig) -> MongoOptions {
    MongoOptions::new(c.uri.clone(), c.database.clone())
}

impl Backends {
    /// Opens the database (creating a MySQL database and running migrations when `auto_migrate` is on)
    /// and starts connecting to Redis in the background, so the process comes up even while Redis is down
    /// (readiness reports it).
    pub async fn connect(config: &AppConfig) -> Result<Self, WiringError> {
        let options = sql_options(&config.database);
        if config.database.driver == DatabaseDriver::Mysql && config.database.auto_migrate {
            adapter_sql::create_mysql_database(&options).await?;
        }
        let sql = adapter_sql::connect(&options).await?;
        if config.database.auto_migrate {
            adapter_sql::migrate(&sql).await?;
        }
        let redis = match &config.redis {
            Some(r) => Some(adapter_redis::connect_lazy(&redis_options(r))?),
            None => None,
        };
        // Messages are the one thing MongoDB holds: a wrong address stops start-up with a clear error
        // instead of failing every send later.
        let mongo = match &config.mongodb {
            Some(m) => Some(adapter_mongo::connect(&mongo_options(m)).await?),
            None => None,
        };
        Ok(Self { sql, redis, mongo })
    }

    /// Closes pools; called by the lifecycle after everything else stopped.
    pub async fn close(&self) {
        if let Some(mongo) = &self.mongo {
            mongo.shutdown().await;
        }
        if let Some(redis) = &self.redis {
            redis.shutdown().await;
        }
        if let Err(err) = self.sql.close().await {
            tracing::warn!(error = %err, "closing the database pool failed");
        }
    }
}
