//! Contract of `domain::schedule::DistributedLock`.
//!
//! Leases in these checks are short (hundreds of milliseconds) so that expiry is seen by polling within a
//! bound, never by sleeping and hoping.

use domain::schedule::{DistributedLock, LockKey, TaskName};
use std::time::{Duration, Instant};

fn task() -> TaskName {
    TaskName::parse(&crate::unique("t").replace('-', "_")).expect("task name")
}

fn key(task: &TaskName, slot: &str) -> LockKey {
    LockKey::custom(task, slot)
}

const LONG: Duration = Duration::from_secs(30);

/// A free key is acquired; while held, a second acquire gets `None`; after release it is free again.
pub async fn acquire_excludes_until_released(lock: &dyn DistributedLock) {
    let k = key(&task(), "slot");
    let first = lock.acquire(&k, LONG).await.expect("acquire").expect("a free key is acquired");
    assert_eq!(first.key, k);
    assert!(lock.acquire(&k, LONG).await.expect("acquire").is_none(), "a held key is refused");
    assert!(lock.release(&first).await.expect("release"), "the holder releases");
    let second = lock.acquire(&k, LONG).await.expect("acquire").expect("a released key is free");
    assert_ne!(second.token, first.token, "tokens are unique");
    assert!(second.fencing > first.fencing, "fencing tokens increase: {} then {}", first.fencing, second.fencing);
}

/// Of many concurrent acquires of one free key, exactly one wins.
pub async fn concurrent_acquires_have_one_winner(lock: &dyn DistributedLock) {
    let k = key(&task(), "race");
    let attempts = (0..16).map(|_| lock.acquire(&k, LONG));
    let results = futures::future::join_all(attempts).await;
    let winners = results.into_iter().map(|r| r.expect("acquire")).filter(Option::is_some).count();
    assert_eq!(winners, 1);
}

/// Only the holder releases or extends; a stale guard changes nothing.
pub async fn only_the_holder_extends_or_releases(lock: &dyn DistributedLock) {
    let k = key(&task(), "holder");
    let short = Duration::from_millis(300);
    let old = lock.acquire(&k, short).await.expect("acquire").expect("free");
    let deadline = Instant::now() + Duration::from_secs(10);
    let new = loop {
        if let Some(g) = lock.acquire(&k, LONG).await.expect("acquire") {
            break g;
        }
        assert!(Instant::now() < deadline, "the lease never ran out");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(new.fencing > old.fencing);
    assert!(!lock.extend(&old, LONG).await.expect("extend"), "an expired holder cannot extend");
    assert!(!lock.release(&old).await.expect("release"), "an expired holder cannot release");
    assert!(lock.acquire(&k, LONG).await.expect("acquire").is_none(), "the new holder still holds it");
    assert!(lock.extend(&new, LONG).await.expect("extend"), "the holder extends");
    assert!(lock.release(&new).await.expect("release"));
    assert!(!lock.release(&new).await.expect("release twice"), "a second release is a no-op");
}

/// `extend` keeps a lease alive past its original end.
pub async fn extend_keeps_the_lock(lock: &dyn DistributedLock) {
    let k = key(&task(), "extend");
    let lease = Duration::from_millis(400);
    let guard = lock.acquire(&k, lease).await.expect("acquire").expect("free");
    let until = Instant::now() + Duration::from_millis(1200);
    while Instant::now() < until {
        assert!(lock.extend(&guard, lease).await.expect("extend"), "still the holder");
        assert!(lock.acquire(&k, lease).await.expect("acquire").is_none(), "extended lease still excludes");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(lock.release(&guard).await.expect("release"));
}

/// Fencing tokens increase across different keys of one scope, and keys of other scopes are independent.
pub async fn fencing_increases_per_scope(lock: &dyn DistributedLock) {
    let t = task();
    let mut last = 0;
    for i in 0..5 {
        let g = lock.acquire(&key(&t, &format!("tick{i}")), LONG).await.expect("acquire").expect("free");
        assert!(g.fencing > last, "token {} after {last}", g.fencing);
        last = g.fencing;
    }
    let other = task();
    assert!(lock.acquire(&key(&other, "tick0"), LONG).await.expect("acquire").is_some(), "scopes are independent");
}

/// Expands to one `#[tokio::test]` per check of the lock contract; `$make` builds a lock.
#[macro_export]
macro_rules! lock_suite {
    ($make:expr) => {
        mod lock_contract {
            #[allow(unused_imports)]
            use super::*;

            $crate::__checks!($make; lock;
                acquire_excludes_until_released,
                concurrent_acquires_have_one_winner,
                only_the_holder_extends_or_releases,
                extend_keeps_the_lock,
                fencing_increases_per_scope,
            );
        }
    };
}
