//! An in-process GCRA rate limiter, the same algorithm as the Redis script, on the monotonic clock.
//!
//! Not `governor`: its limiters fix one quota at construction (ours come per call), and it has no way to
//! look without consuming (`peek`) or to forget one key (`reset`). GCRA itself is a dozen lines.

use async_trait::async_trait;
use domain::InfraError;
use domain::rate_limit::{Quota, RateDecision, RateLimiter};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// After this many decisions, keys whose state has fully decayed are dropped, bounding the map.
const SWEEP_EVERY: u32 = 4096;

/// Rate limits kept in process memory (one instance only).
#[derive(Debug, Default)]
pub struct MemoryRateLimiter {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Key -> theoretical arrival time of its next request. A key absent or in the past is fresh.
    tat: HashMap<String, Instant>,
    since_sweep: u32,
}

/// One GCRA decision at `now` for a key whose TAT is `tat`; returns the decision and the TAT to store if the
/// request is counted.
fn decide(tat: Option<Instant>, now: Instant, quota: Quota) -> (RateDecision, Instant) {
    let interval = quota.emission_interval().max(Duration::from_nanos(1));
    let tat = tat.filter(|t| *t > now).unwrap_or(now);
    let new_tat = tat + interval;
    // The request is allowed when new_tat - period <= now, i.e. new_tat <= now + period.
    let horizon = now + quota.period;
    if new_tat > horizon {
        return (RateDecision::Limited { retry_after: new_tat - horizon }, tat);
    }
    let slack = horizon - new_tat;
    let remaining = u32::try_from(slack.as_nanos() / interval.as_nanos()).unwrap_or(u32::MAX);
    (RateDecision::Allowed { remaining }, new_tat)
}

impl MemoryRateLimiter {
    fn state(&self) -> MutexGuard<'_, State> {
        crate::locked(&self.state)
    }

    fn check(&self, key: &str, quota: Quota, consume: bool) -> RateDecision {
        let now = Instant::now();
        let mut state = self.state();
        let (decision, new_tat) = decide(state.tat.get(key).copied(), now, quota);
        if consume && matches!(decision, RateDecision::Allowed { .. }) {
            state.tat.insert(key.to_owned(), new_tat);
            state.since_sweep += 1;
            if state.since_sweep >= SWEEP_EVERY {
                state.since_sweep = 0;
                state.tat.retain(|_, tat| *tat > now);
            }
        }
        decision
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn acquire(&self, key: &str, quota: Quota) -> Result<RateDecision, InfraError> {
        Ok(self.check(key, quota, true))
    }

    async fn peek(&self, key: &str, quota: Quota) -> Result<RateDecision, InfraError> {
        Ok(self.check(key, quota, false))
    }

    async fn reset(&self, key: &str) -> Result<(), InfraError> {
        self.state().tat.remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcra_allows_the_burst_then_refuses_for_exactly_the_needed_wait() {
        let quota = Quota { limit: 4, period: Duration::from_secs(4) };
        let now = Instant::now();
        let mut tat = None;
        for expected in [3, 2, 1, 0] {
            let (decision, next) = decide(tat, now, quota);
            assert_eq!(decision, RateDecision::Allowed { remaining: expected });
            tat = Some(next);
        }
        assert_eq!(decide(tat, now, quota).0, RateDecision::Limited { retry_after: Duration::from_secs(1) });
        let later = now + Duration::from_millis(1500);
        assert_eq!(decide(tat, later, quota).0, RateDecision::Allowed { remaining: 0 });
        let much_later = now + Duration::from_secs(60);
        assert_eq!(decide(tat, much_later, quota).0, RateDecision::Allowed { remaining: 3 });
    }

    #[tokio::test]
    async fn decayed_keys_are_swept() {
        let limiter = MemoryRateLimiter::default();
        let quota = Quota { limit: 1, period: Duration::from_millis(1) };
        limiter.acquire("old", quota).await.expect("acquire");
        tokio::time::sleep(Duration::from_millis(5)).await;
        for i in 0..SWEEP_EVERY {
            limiter.acquire(&format!("k{}", i % 2), Quota::per_minute(u32::MAX)).await.expect("acquire");
        }
        assert!(!limiter.state().tat.contains_key("old"));
    }
}
