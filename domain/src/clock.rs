//! Time as a port, so that tests and cron simulations can move it by hand.

use chrono::{DateTime, Utc};

/// Source of the current time. Every use case asks it instead of calling `Utc::now()` directly.
pub trait Clock: Send + Sync {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock; what production uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
