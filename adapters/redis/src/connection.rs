//! Connecting to Redis: options, the connection pool, the subscriber connection, and the [`RedisBackend`] that
//! hands out every adapter of this crate.
//!
//! Nothing here may wait on a down server: every command goes out with fred's per-command fail-fast flag and a
//! timeout, so callers get `InfraError::Unavailable` at once instead of queueing behind a reconnect (see
//! [`reconnect_policy`] for the one short moment where the timeout is what ends the wait).

use crate::bus::{BusShared, RedisEventBus};
use crate::cache::RedisCache;
use crate::health::RedisHealthProbe;
use crate::presence::RedisPresenceStore;
use crate::rate_limit::RedisRateLimiter;
use crate::schedule::{RedisInstanceRegistry, RedisLock, RedisTaskControl};
use crate::sequence::RedisSequenceAllocator;
use crate::sessions::RedisSessionStore;
use fred::clients::WithOptions;
use fred::prelude::{
    ClientLike, Config, ConnectionConfig, Options, PerformanceConfig, Pool, ReconnectPolicy, ServerConfig,
};
use std::sync::Arc;
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

    fn validate(&self) -> Result<(), RedisError> {
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

    fn fred_config(&self, fail_fast_on_first_connect: bool) -> Config {
        Config {
            fail_fast: fail_fast_on_first_connect,
            server: ServerConfig::new_centralized(self.host.clone(), self.port),
            password: self.password.clone().filter(|p| !p.is_empty()),
            database: (self.db != 0).then_some(self.db),
            ..Config::default()
        }
    }

    fn fred_connection(&self) -> ConnectionConfig {
        ConnectionConfig {
            connection_timeout: self.connect_timeout,
            internal_command_timeout: self.command_timeout,
            // A command whose connection died may have run already (a rotation, an acquire): never resend it.
            max_command_attempts: 1,
            ..ConnectionConfig::default()
        }
    }

    fn fred_performance(&self) -> PerformanceConfig {
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
fn reconnect_policy() -> ReconnectPolicy {
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
    pool: Pool,
    pub(crate) subscriber: fred::clients::Client,
    prefix: String,
    options: Options,
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

/// A connected Redis: cheap to clone, and the one place the adapters come from, so they share connections.
#[derive(Clone)]
pub struct RedisBackend {
    conn: Arc<Conn>,
    bus: Arc<BusShared>,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend").field("prefix", &self.conn.prefix).finish_non_exhaustive()
    }
}

/// Connects and waits (at most `connect_timeout`) until the server answers; start-up uses this so a wrong
/// address stops the process with a clear error. Later outages are survived by reconnecting in the background.
pub async fn connect(options: &RedisOptions) -> Result<RedisBackend, RedisError> {
    options.validate()?;
    let backend = build(options, true)?;
    let connect_error = |source| RedisError::Connect { host: options.host.clone(), port: options.port, source };
    let ready = async {
        backend.conn.pool.init().await?;
        backend.conn.subscriber.init().await?;
        Ok::<_, fred::error::Error>(())
    };
    match tokio::time::timeout(options.connect_timeout, ready).await {
        Ok(Ok(())) => Ok(backend),
        Ok(Err(e)) => {
            backend.shutdown().await;
            Err(connect_error(e))
        }
        Err(_) => {
            backend.shutdown().await;
            Err(connect_error(fred::error::Error::new(
                fred::error::ErrorKind::Timeout,
                format!("no connection within {:?}", options.connect_timeout),
            )))
        }
    }
}

/// Starts connecting in the background and returns at once; until the server answers every call fails
/// fast with `Unavailable`. For processes that must come up while Redis is down. Needs a Tokio runtime.
pub fn connect_lazy(options: &RedisOptions) -> Result<RedisBackend, RedisError> {
    options.validate()?;
    let backend = build(options, false)?;
    let _pool_task = backend.conn.pool.connect();
    let _subscriber_task = backend.conn.subscriber.connect();
    Ok(backend)
}

fn build(options: &RedisOptions, fail_fast_on_first_connect: bool) -> Result<RedisBackend, RedisError> {
    let config = options.fred_config(fail_fast_on_first_connect);
    let pool = Pool::new(
        config.clone(),
        Some(options.fred_performance()),
        Some(options.fred_connection()),
        Some(reconnect_policy()),
        options.pool_size,
    )
    .map_err(|e| RedisError::Config(e.details().to_owned()))?;
    let subscriber = fred::clients::Client::new(
        config,
        Some(options.fred_performance()),
        Some(options.fred_connection()),
        Some(reconnect_policy()),
    );
    let conn = Arc::new(Conn {
        pool,
        subscriber,
        prefix: options.key_prefix.clone(),
        options: Options {
            fail_fast: true,
            max_attempts: Some(1),
            timeout: Some(options.command_timeout),
            ..Options::default()
        },
    });
    let bus = BusShared::start(conn.clone());
    Ok(RedisBackend { conn, bus })
}

impl RedisBackend {
    /// Sessions and refresh-token families.
    pub fn sessions(&self) -> RedisSessionStore {
        RedisSessionStore::new(self.conn.clone())
    }

    /// The GCRA limiter, shared by every instance using this server and prefix.
    pub fn rate_limiter(&self) -> RedisRateLimiter {
        RedisRateLimiter::new(self.conn.clone())
    }

    /// The byte cache.
    pub fn cache(&self) -> RedisCache {
        RedisCache::new(self.conn.clone())
    }

    /// Fan-out to every instance; all handles from one backend share its subscriber connection.
    pub fn event_bus(&self) -> RedisEventBus {
        RedisEventBus::new(self.bus.clone())
    }

    /// The scheduler's tick lock, shared by every instance on this server and prefix.
    pub fn lock(&self) -> RedisLock {
        RedisLock::new(self.conn.clone())
    }

    /// Scheduler instance heartbeats.
    pub fn instances(&self) -> RedisInstanceRegistry {
        RedisInstanceRegistry::new(self.conn.clone())
    }

    /// Paused tasks.
    pub fn task_control(&self) -> RedisTaskControl {
        RedisTaskControl::new(self.conn.clone())
    }

    /// Per-conversation chat seqs, shared by every instance using this server and prefix.
    pub fn sequence_allocator(&self) -> RedisSequenceAllocator {
        RedisSequenceAllocator::new(self.conn.clone())
    }

    /// Who is online, shared by every instance using this server and prefix.
    pub fn presence_store(&self) -> RedisPresenceStore {
        RedisPresenceStore::new(self.conn.clone())
    }

    /// Readiness check (`PING`).
    pub fn health_probe(&self) -> RedisHealthProbe {
        RedisHealthProbe::new(self.conn.clone())
    }

    /// The prefix in front of every key and channel.
    pub fn key_prefix(&self) -> &str {
        self.conn.prefix()
    }

    /// Closes the connections; adapters handed out before fail with `Unavailable` afterwards.
    pub async fn shutdown(&self) {
        self.bus.stop();
        let _ = self.conn.pool.quit().await;
        let _ = self.conn.subscriber.quit().await;
    }

    #[cfg(feature = "testing")]
    pub(crate) fn conn(&self) -> &Arc<Conn> {
        &self.conn
    }
}
