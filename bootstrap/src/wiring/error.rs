//! Why the application could not be assembled.

/// A start-up failure, naming the part that failed.
#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    /// A configuration value is unusable by an adapter (bad key material, impossible hasher parameters).
    #[error("config key `{key}`: {message}")]
    Config {
        /// Dotted config key.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The database could not be reached or migrated.
    #[error("database")]
    Database(#[from] adapter_sql::SqlError),
    /// Redis options were refused.
    #[error("redis")]
    Redis(#[from] adapter_redis::RedisError),
    /// MongoDB could not be reached or its indexes created.
    #[error("mongodb")]
    Mongo(#[from] adapter_mongo::MongoError),
    /// A backend refused during wiring.
    #[error(transparent)]
    Infra(#[from] domain::InfraError),
}
