//! Waiting for a condition instead of sleeping for a guess: every fault test polls with a generous deadline,
//! so a loaded machine makes it slower, never red.

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every 100 ms until it yields `Some`, and returns that; panics naming `what` and the last
/// observation (from `check`'s `Err`) after `limit`.
pub async fn until<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + limit;
    loop {
        match check().await {
            Ok(value) => return value,
            Err(last) if Instant::now() > deadline => panic!("{what}: not within {limit:?}; last seen: {last}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
