//! The factory of this crate's adapters: [`connect`] (or [`connect_lazy`]) builds the one [`RedisBackend`] a
//! process holds, and it hands out every adapter over the same connections.

use crate::bus::{BusShared, RedisEventBus};
use crate::cache::RedisCache;
use crate::connection::{Conn, RedisError, RedisOptions, reconnect_policy};
use crate::health::RedisHealthProbe;
use crate::presence::RedisPresenceStore;
use crate::rate_limit::RedisRateLimiter;
use crate::schedule::{RedisInstanceRegistry, RedisLock, RedisTaskControl};
use crate::sequence::RedisSequenceAllocator;
use crate::sessions::RedisSessionStore;
use fred::prelude::{ClientLike, Options, Pool};
use std::sync::Arc;

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
    pub fn session_store(&self) -> RedisSessionStore {
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
    pub fn distributed_lock(&self) -> RedisLock {
        RedisLock::new(self.conn.clone())
    }

    /// Scheduler instance heartbeats.
    pub fn instance_registry(&self) -> RedisInstanceRegistry {
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
