//! Connecting to Redis: options, the connection pool and the subscriber connection every adapter shares
//! ([`Conn`]). The adapters depend on this file; the factory that hands them out ([`crate::RedisBackend`])
//! lives in `backend.rs`, so no adapter depends on the factory.
//!
//! Nothing here may wait on a down server: every command goes out with fred's per-command fail-fast flag and a
//! timeout, so callers get `InfraError::Unavailable` at once instead of queueing behind a reconnect (see
//! [`reconnect_policy`] for the one short moment where the timeout is what ends the wait).

use fred::clients::WithOptions;
use fred::prelude::{
    ClientLike, Config, ConnectionConfig, Options, PerformanceConfig, Pool, ReconnectPolicy, ServerConfig,
};
use std::time::Duration;

/// Everything needed to reach one Redis server; mirrors the `redis` config section plus two timeouts.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// Host name or IP.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Password for `AUTH`; `None` when the server has none.
    pub password: Option<String>,
    /// Logical database selected on every (re)connect.
    pub db: u8,
    /// Connections used for commands (the pub/sub connection comes on top).
    pub pool_size: usize,
    /// Put in front of every key and channel, so deployments and tests can share one server.
    pub key_prefix: String,
    /// How long one TCP connect (and the handshake after it) may take.
    pub connect_timeout: Duration,
    /// How long one command may take before it fails with `Unavailable`.
    pub command_timeout: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 6379,
            password: None,
            db: 0,
            pool_size: 4,
            key_prefix: "exchange:".into(),
            connect_timeout: Duration::from_secs(5),
            command_timeout: Duration::from_secs(2),
        }
    }
}

// Hand-written so the password never reaches a log line.
impl std::fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("db", &self.db)
            .field("pool_size", &self.pool_size)
            .field("key_prefix", &self.key_prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .finish()
    }
}

impl RedisOptions {
    /// Reads `redis://[:password@]host[:port][/db]`, so tests and tools can take one URL; the rest is default.
    pub fn from_url(url: &str) -> Result<Self, RedisError> {
        if !url.starts_with("redis://") {
            return Err(RedisError::Config(format!("{url:?} is not a redis:// URL (TLS is not built in)")));
        }
        let config = Config::from_url_centralized(url)
            .map_err(|e| RedisError::Config(format!("invalid Redis URL {url:?}: {}", e.details())))?;
        let server = match &config.server {
            ServerConfig::Centralized { server } => server.clone(),
            _ => return Err(RedisError::Config(format!("{url:?} is not a single-server Redis URL"))),
        };
        Ok(Self {
            host: server.host.to_string(),
            port: server.port,
            password: config.password.filter(|p| !p.is_empty()),
            db: config.database.unwrap_or(0),
            ..Self::default()
        })
    }

    pub(crate) fn validate(&self) -> Result<(), RedisError> {
        if self.host.trim().is_empty() {
            return Err(RedisError::Config("redis.host must not be empty".into()));
        }
        if self.pool_size == 0 {
            return Err(RedisError::Config("redis.pool_size must be at least 1".into()));
        }
        if self.connect_timeout.is_zero() || self.command_timeout.is_zero() {
            return Err(RedisError::Config("Redis timeouts must be positive".into()));
        }
        Ok(())
    }

    pub(crate) fn fred_config(&self, fail_fast_on_first_connect: bool) -> Config {
        Config {
            fail_fast: fail_fast_on_first_connect,
            server: ServerConfig::new_centralized(self.host.clone(), self.port),
            password: self.password.clone().filter(|p| !p.is_empty()),
            database: (self.db != 0).then_some(self.db),
            ..Config::default()
        }
    }

    pub(crate) fn fred_connection(&self) -> ConnectionConfig {
        ConnectionConfig {
            connection_timeout: self.connect_timeout,
            internal_command_timeout: self.command_timeout,
            // A command whose connection died may have run already (a rotation, an acquire): never resend it.
            max_command_attempts: 1,
            ..ConnectionConfig::default()
        }
    }

    pub(crate) fn fred_performance(&self) -> PerformanceConfig {
        PerformanceConfig {
            default_command_timeout: self.command_timeout,
            // Pub/sub messages wait here for the dispatcher; a short burst must not overflow it.
            broadcast_channel_capacity: 4096,
            ..PerformanceConfig::default()
        }
    }
}

/// Retry forever, at most every two seconds. The first retry comes soon: until it has failed, fred still
/// counts the client as connected, so fail-fast cannot apply yet and commands issued in that moment wait
/// (at most `command_timeout`) instead of failing at once.
pub(crate) fn reconnect_policy() -> ReconnectPolicy {
    let mut policy = ReconnectPolicy::new_exponential(0, 20, 2_000, 2);
    policy.set_jitter(20);
    policy
}

/// Why a Redis backend could not be built; start-up reports it and stops.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    /// The options are unusable (empty host, zero pool, malformed URL).
    #[error("invalid Redis configuration: {0}")]
    Config(String),
    /// The server did not accept a connection in time.
    #[error("cannot connect to Redis at {host}:{port}")]
    Connect {
        /// Host tried.
        host: String,
        /// Port tried.
        port: u16,
        /// What fred reported, or a timeout.
        #[source]
        source: fred::error::Error,
    },
}

/// The shared client state every adapter holds: the command pool, the pub/sub connection and the key prefix.
pub(crate) struct Conn {
    pub(crate) pool: Pool,
    pub(crate) subscriber: fred::clients::Client,
    pub(crate) prefix: String,
    pub(crate) options: Options,
}

impl Conn {
    /// The pool with fail-fast and timeout applied: use this for every command.
    pub(crate) fn cmd(&self) -> WithOptions<Pool> {
        self.pool.with_options(&self.options)
    }

    /// One pooled client (a connected one if any) with the same options, for commands `Pool` lacks (PUBLISH).
    pub(crate) fn client_cmd(&self) -> WithOptions<fred::clients::Client> {
        self.pool.next_connected().with_options(&self.options)
    }

    /// `prefix` + `name`: every key and channel goes through here.
    pub(crate) fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }
}
