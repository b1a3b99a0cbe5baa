//! Retrying writes that lost a lock race (MariaDB deadlock or lock-wait timeout, SQLite busy), so callers
//! never see a failure that only meant "try again". Only whole units of work are retried: a statement
//! outside a transaction, or a transaction from `BEGIN` to `COMMIT`.

use crate::error::{Failure, classify};
use sea_orm::DbErr;
use std::future::Future;
use std::time::Duration;

/// Attempts per unit of work; a deadlock victim almost always wins the second round.
const ATTEMPTS: u32 = 6;

/// Errors that may carry a retryable database failure.
pub(crate) trait MaybeRetryable {
    /// True when running the same unit of work again may succeed.
    fn is_retryable(&self) -> bool;
}

impl MaybeRetryable for DbErr {
    fn is_retryable(&self) -> bool {
        classify(self) == Failure::Retryable
    }
}

/// Runs `work` until it succeeds, fails for a reason other than a lock race, or runs out of attempts.
pub(crate) async fn retrying<T, E, F, Fut>(mut work: F) -> Result<T, E>
where
    E: MaybeRetryable + std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut attempt = 1;
    loop {
        match work().await {
            Err(e) if e.is_retryable() && attempt < ATTEMPTS => {
                tracing::debug!(attempt, error = %e, "database lock conflict, retrying");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Exponential backoff with jitter, so two deadlock victims do not collide again in lockstep.
fn backoff(attempt: u32) -> Duration {
    let base = 5u64 << attempt.min(6);
    let jitter = u64::from(uuid::Uuid::now_v7().as_u128() as u8) % base.max(1);
    Duration::from_millis(base + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug)]
    struct Flaky(bool);
    impl MaybeRetryable for Flaky {
        fn is_retryable(&self) -> bool {
            self.0
        }
    }
    impl std::fmt::Display for Flaky {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "flaky({})", self.0)
        }
    }

    #[tokio::test]
    async fn retries_lock_races_until_success() {
        let calls = AtomicU32::new(0);
        let out: Result<u32, Flaky> = retrying(|| async {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n < 3 { Err(Flaky(true)) } else { Ok(n) }
        })
        .await;
        assert_eq!(out.unwrap(), 3);
    }

    #[tokio::test]
    async fn gives_up_on_other_errors_and_after_the_last_attempt() {
        let calls = AtomicU32::new(0);
        let out: Result<(), Flaky> = retrying(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Flaky(false))
        })
        .await;
        assert!(out.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = AtomicU32::new(0);
        let out: Result<(), Flaky> = retrying(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Flaky(true))
        })
        .await;
        assert!(out.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), ATTEMPTS);
    }
}
