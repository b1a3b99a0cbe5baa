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
