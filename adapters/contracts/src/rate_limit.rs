//! Contract of `domain::rate_limit::RateLimiter`.
//!
//! Checks that need time to pass use periods of a few hundred milliseconds; checks that must not see any
//! replenishment use a minute-long period, so a slow machine cannot make them flaky.

use domain::rate_limit::{Quota, RateDecision, RateLimiter};
use std::time::Duration;

fn quota(limit: u32, period: Duration) -> Quota {
    Quota { limit, period }
}

/// A quota that refills too slowly to matter within one check.
fn slow(limit: u32) -> Quota {
    Quota::per_minute(limit)
}

async fn acquire(limiter: &dyn RateLimiter, key: &str, quota: Quota) -> RateDecision {
    limiter.acquire(key, quota).await.expect("acquire")
}

fn retry_after(decision: RateDecision) -> Duration {
    match decision {
        RateDecision::Limited { retry_after } => retry_after,
        allowed => panic!("expected Limited, got {allowed:?}"),
    }
}

/// A fresh key allows `limit` calls in a burst, counting `remaining` down to 0, then refuses.
pub async fn a_fresh_key_allows_a_burst_of_limit(limiter: &dyn RateLimiter) {
    let key = crate::unique("burst");
    let quota = slow(5);
    for expected in (0..5).rev() {
        assert_eq!(acquire(limiter, &key, quota).await, RateDecision::Allowed { remaining: expected });
    }
    let wait = retry_after(acquire(limiter, &key, quota).await);
    assert!(wait > Duration::ZERO && wait <= quota.emission_interval(), "{wait:?}");
}

/// `retry_after` is positive and at most one emission interval beyond the wait needed (here the wait needed
/// is at most one interval); calling earlier is still refused, calling after it is allowed.
pub async fn retry_after_is_bounded_and_honoured(limiter: &dyn RateLimiter) {
    let key = crate::unique("retry");
    let quota = quota(2, Duration::from_millis(600));
    let interval = quota.emission_interval();
    assert!(matches!(acquire(limiter, &key, quota).await, RateDecision::Allowed { .. }));
    assert!(matches!(acquire(limiter, &key, quota).await, RateDecision::Allowed { .. }));

    let wait = retry_after(acquire(limiter, &key, quota).await);
    assert!(wait > Duration::ZERO, "retry_after must be positive");
    assert!(wait <= interval * 2, "retry_after {wait:?} exceeds the needed wait (<= {interval:?}) plus one interval");
    if wait > Duration::from_millis(100) {
        // Refused calls do not count, and asking again right away is still refused.
        let again = retry_after(acquire(limiter, &key, quota).await);
        assert!(again <= wait, "{again:?} > {wait:?}");
    }

    tokio::time::sleep(wait).await;
    assert!(matches!(acquire(limiter, &key, quota).await, RateDecision::Allowed { .. }), "allowed after {wait:?}");
}

/// After a full period without calls the whole burst is available again.
pub async fn the_burst_refills_over_one_period(limiter: &dyn RateLimiter) {
    let key = crate::unique("refill");
    let quota = quota(3, Duration::from_millis(300));
    for _ in 0..3 {
        assert!(matches!(acquire(limiter, &key, quota).await, RateDecision::Allowed { .. }));
    }
    tokio::time::sleep(quota.period + Duration::from_millis(20)).await;
    assert_eq!(acquire(limiter, &key, quota).await, RateDecision::Allowed { remaining: 2 });
}

/// `peek` answers what `acquire` would answer and consumes nothing.
pub async fn peek_does_not_consume(limiter: &dyn RateLimiter) {
    let key = crate::unique("peek");
    let quota = slow(3);
    for _ in 0..5 {
        assert_eq!(limiter.peek(&key, quota).await.expect("peek"), RateDecision::Allowed { remaining: 2 });
    }
    for expected in [2, 1, 0] {
        assert_eq!(limiter.peek(&key, quota).await.expect("peek"), RateDecision::Allowed { remaining: expected });
        assert_eq!(acquire(limiter, &key, quota).await, RateDecision::Allowed { remaining: expected });
    }
    let peeked = retry_after(limiter.peek(&key, quota).await.expect("peek"));
    let acquired = retry_after(acquire(limiter, &key, quota).await);
    assert!(acquired <= peeked && peeked - acquired < Duration::from_secs(1), "peek {peeked:?}, acquire {acquired:?}");
}

/// `reset` forgets the key: the next call starts a fresh burst. Resetting an unknown key is fine.
pub async fn reset_forgets_the_key(limiter: &dyn RateLimiter) {
    let key = crate::unique("reset");
    let quota = slow(2);
    acquire(limiter, &key, quota).await;
    acquire(limiter, &key, quota).await;
    retry_after(acquire(limiter, &key, quota).await);
    limiter.reset(&key).await.expect("reset");
    assert_eq!(acquire(limiter, &key, quota).await, RateDecision::Allowed { remaining: 1 });
    limiter.reset(&crate::unique("never-used")).await.expect("reset unknown");
}

/// Exhausting one key leaves others untouched.
pub async fn keys_are_independent(limiter: &dyn RateLimiter) {
    let (a, b) = (crate::unique("a"), crate::unique("b"));
    let quota = slow(1);
    acquire(limiter, &a, quota).await;
    retry_after(acquire(limiter, &a, quota).await);
    assert_eq!(acquire(limiter, &b, quota).await, RateDecision::Allowed { remaining: 0 });
}

/// Many concurrent acquires on a fresh key: exactly `limit` are allowed.
pub async fn concurrent_acquires_allow_exactly_limit(limiter: &dyn RateLimiter) {
    let key = crate::unique("concurrent");
    let quota = slow(10);
    let calls = (0..60).map(|_| limiter.acquire(&key, quota));
    let decisions = futures::future::join_all(calls).await;
    let allowed = decisions.iter().filter(|d| matches!(d, Ok(RateDecision::Allowed { .. }))).count();
    let limited = decisions.iter().filter(|d| matches!(d, Ok(RateDecision::Limited { .. }))).count();
    assert_eq!((allowed, limited), (10, 50), "{decisions:?}");
}

/// Expands to one `#[tokio::test]` per check of the rate-limit contract; `$make` builds a limiter
/// (any expression evaluating to a future of something that derefs to a `RateLimiter`).
#[macro_export]
macro_rules! rate_limit_suite {
    ($make:expr) => {
        mod rate_limit_contract {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn a_fresh_key_allows_a_burst_of_limit() {
                let limiter = $make.await;
                $crate::rate_limit::a_fresh_key_allows_a_burst_of_limit(&*limiter).await;
            }

            #[tokio::test]
            async fn retry_after_is_bounded_and_honoured() {
                let limiter = $make.await;
                $crate::rate_limit::retry_after_is_bounded_and_honoured(&*limiter).await;
            }

            #[tokio::test]
            async fn the_burst_refills_over_one_period() {
                let limiter = $make.await;
                $crate::rate_limit::the_burst_refills_over_one_period(&*limiter).await;
            }

            #[tokio::test]
            async fn peek_does_not_consume() {
                let limiter = $make.await;
                $crate::rate_limit::peek_does_not_consume(&*limiter).await;
            }

            #[tokio::test]
            async fn reset_forgets_the_key() {
                let limiter = $make.await;
                $crate::rate_limit::reset_forgets_the_key(&*limiter).await;
            }

            #[tokio::test]
            async fn keys_are_independent() {
                let limiter = $make.await;
                $crate::rate_limit::keys_are_independent(&*limiter).await;
            }

            #[tokio::test]
            async fn concurrent_acquires_allow_exactly_limit() {
                let limiter = $make.await;
                $crate::rate_limit::concurrent_acquires_allow_exactly_limit(&*limiter).await;
            }
        }
    };
}
