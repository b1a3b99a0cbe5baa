//! A clock that moves only when a test says so: the domain's `Clock` port for deterministic time.

use chrono::{DateTime, Duration, SubsecRound, TimeZone, Utc};
use domain::clock::Clock;
use std::sync::Mutex;

/// Time under the test's control. Every service of a [`crate::TestApp`] reads it, so token expiry, session
/// lifetimes, statistics days and cron fire times follow [`ManualClock::advance`] and [`ManualClock::set`].
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock stopped at `start` (truncated to microseconds, the finest every store keeps).
    pub fn at(start: DateTime<Utc>) -> Self {
        Self { now: Mutex::new(start.trunc_subsecs(6)) }
    }

    /// A clock stopped at 2030-01-01T00:00:00Z: a fixed, recognisable default start.
    pub fn fixed() -> Self {
        Self::at(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).single().unwrap_or_default())
    }

    /// Moves time forward (or back, with a negative duration) and returns the new instant.
    pub fn advance(&self, by: Duration) -> DateTime<Utc> {
        let mut now = self.lock();
        *now += by;
        *now
    }

    /// Jumps to `instant` (truncated to microseconds).
    pub fn set(&self, instant: DateTime<Utc>) {
        *self.lock() = instant.trunc_subsecs(6);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A panic while holding the lock cannot leave the instant half-written; keep using it.
        self.now.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stands_still_until_moved() {
        let clock = ManualClock::fixed();
        let start = clock.now();
        assert_eq!(clock.now(), start);
        assert_eq!(clock.advance(Duration::minutes(16)), start + Duration::minutes(16));
        assert_eq!(clock.now(), start + Duration::minutes(16));
        clock.set(start);
        assert_eq!(clock.now(), start);
        assert_eq!(start.to_rfc3339(), "2030-01-01T00:00:00+00:00");
    }
}
