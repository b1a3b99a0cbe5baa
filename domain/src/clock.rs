//! Time as a port, so that tests and cron simulations can move it by hand.

use chrono::{DateTime, SubsecRound, Utc};

/// Source of the current time. Every use case asks it instead of calling `Utc::now()` directly.
pub trait Clock: Send + Sync {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock; what production uses. Microsecond precision, the finest every store keeps, so a value
/// returned to a client right after a write equals the one read back later.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// A pause that resolves after a duration.
pub type Sleep = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'static>>;

/// Waiting, as a port: use cases that keep a lease alive while they work (a seq reservation during a
/// store write) wait through this instead of naming an async runtime.
pub trait Timer: Send + Sync {
    /// Resolves after `duration`.
    fn sleep(&self, duration: std::time::Duration) -> Sleep;
}
