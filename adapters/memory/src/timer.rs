//! The [`Timer`] port on Tokio's timer: what every composition uses (the runtime's clock, so tests that
//! pause Tokio time move it too).

use domain::clock::{Sleep, Timer};
use std::time::Duration;

/// Sleeps on the Tokio runtime the caller runs in.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sleeps_for_the_duration_on_the_runtime_clock() {
        let started = tokio::time::Instant::now();
        TokioTimer.sleep(Duration::from_millis(50)).await;
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(50) && took < Duration::from_secs(5), "slept {took:?}");
    }
}
