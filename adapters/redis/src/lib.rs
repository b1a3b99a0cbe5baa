//! Redis adapters on fred: sessions, rate limits, cache, event bus and the readiness probe.
//!
//! Everything is reached through [`connect`] (or [`connect_lazy`]), which returns a [`RedisBackend`] that
//! hands out the adapters over one shared connection pool. Every key and channel carries the configured
//! prefix. Commands never queue behind a reconnect: while Redis is down they fail at once with
//! `InfraError::Unavailable` (backend `redis`), and the clients reconnect by themselves.
//! Requires Redis 5 or newer (scripts that read `TIME` and then write).

mod bus;
mod cache;
mod connection;
mod delivery;
mod error;
mod health;
mod rate_limit;
mod script;
mod sessions;
#[cfg(feature = "testing")]
pub mod testing;

pub use bus::RedisEventBus;
pub use cache::RedisCache;
pub use connection::{RedisBackend, RedisError, RedisOptions, connect, connect_lazy};
pub use health::RedisHealthProbe;
pub use rate_limit::RedisRateLimiter;
pub use sessions::RedisSessionStore;
