//! What a task does when a run fails, when the previous run is still going, and when ticks were missed.

use std::time::Duration;

/// Retries of a failed (or timed-out) run, within the same tick and under the same lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = never retry).
    pub max_retries: u32,
    /// Wait before the first retry.
    pub initial_backoff: Duration,
    /// Each further wait is the previous one times this factor.
    pub multiplier: u32,
    /// No wait is longer than this.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// No retries: a failed run stays failed until the next tick.
    pub const NEVER: RetryPolicy =
        RetryPolicy { max_retries: 0, initial_backoff: Duration::ZERO, multiplier: 1, max_backoff: Duration::ZERO };

    /// `max_retries` retries with exponential backoff from `initial`, doubling, capped at 10 minutes.
    pub fn exponential(max_retries: u32, initial: Duration) -> Self {
        Self { max_retries, initial_backoff: initial, multiplier: 2, max_backoff: Duration::from_secs(600) }
    }

    /// The wait before attempt `attempt` (2 = first retry); `None` when that attempt is not allowed.
    pub fn backoff_before(&self, attempt: u32) -> Option<Duration> {
        if attempt < 2 || attempt > self.max_retries.saturating_add(1) {
            return None;
        }
        let factor = self.multiplier.max(1).saturating_pow(attempt - 2);
        Some(self.initial_backoff.saturating_mul(factor).min(self.max_backoff.max(self.initial_backoff)))
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::NEVER
    }
}

/// What happens to a tick while the task's previous run is still going, anywhere in the cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OverlapPolicy {
    /// Skip the tick (recorded as skipped): at most one run of the task at a time. The default.
    #[default]
    Skip,
    /// Run anyway: runs of different ticks may overlap.
    Allow,
}

/// What happens to ticks that no instance fired on time (every instance was down, or too busy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MisfirePolicy {
    /// Forget them; the next tick runs as usual. The default.
    #[default]
    Skip,
    /// Run once, late, for the most recent missed tick, when a scheduler starts within `window` of it.
    RunOnce {
        /// How old a missed tick may be and still be caught up.
        window: Duration,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stops() {
        let p = RetryPolicy::exponential(3, Duration::from_secs(1));
        assert_eq!(p.backoff_before(1), None);
        assert_eq!(p.backoff_before(2), Some(Duration::from_secs(1)));
        assert_eq!(p.backoff_before(3), Some(Duration::from_secs(2)));
        assert_eq!(p.backoff_before(4), Some(Duration::from_secs(4)));
        assert_eq!(p.backoff_before(5), None);
        assert_eq!(RetryPolicy::NEVER.backoff_before(2), None);
        let capped = RetryPolicy { max_backoff: Duration::from_secs(3), ..p };
        assert_eq!(capped.backoff_before(4), Some(Duration::from_secs(3)));
    }
}
