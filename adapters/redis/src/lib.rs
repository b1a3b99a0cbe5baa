//! Redis adapters on fred: sessions, rate limits, cache, event bus, chat seq allocation, presence, the
//! scheduler's tick locks, instance heartbeats and paused tasks, and the readiness probe.
//!
//! Everything is reached through [`connect`] (or [`connect_lazy`]), which returns a [`RedisBackend`] that
//! hands out the adapters over one shared connection pool; each factory is named after its port
//! (`session_store`, `distributed_lock`, `instance_registry`...). Every key and channel carries the configured
//! prefix. Commands never queue behind a reconnect: while Redis is down they fail at once with
//! `InfraError::Unavailable` (backend `redis`), and the clients reconnect by themselves. Only a command issued
//! in the instant a dropped connection is being noticed may wait, at most `command_timeout`.
//! Requires a single Redis 5+ server (scripts read `TIME` before writing, and derive some key names
//! inside Lua, which a cluster would refuse).

mod backend;
mod bus;
mod cache;
mod connection;
mod delivery;
mod error;
mod health;
mod presence;
mod rate_limit;
mod schedule;
mod script;
mod sequence;
mod sessions;
#[cfg(feature = "testing")]
pub mod testing;

pub use backend::{RedisBackend, connect, connect_lazy};
pub use bus::RedisEventBus;
pub use cache::RedisCache;
pub use connection::{RedisError, RedisOptions};
pub use health::RedisHealthProbe;
pub use presence::RedisPresenceStore;
pub use rate_limit::RedisRateLimiter;
pub use schedule::{RedisInstanceRegistry, RedisLock, RedisTaskControl};
pub use sequence::RedisSequenceAllocator;
pub use sessions::RedisSessionStore;
