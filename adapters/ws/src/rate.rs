//! Per-connection token bucket: `rate` frames per second with a burst of `rate`. Local to one connection's
//! task, so no locking; never sleeps, it only says yes or no.

use std::time::Instant;

/// A token bucket.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket of `rate` tokens refilling at `rate` per second.
    pub fn new(rate: u32) -> Self {
        let rate = f64::from(rate.max(1));
        Self { rate, tokens: rate, last: Instant::now() }
    }

    /// Takes one token at `now` if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_of_rate_passes_then_refills_with_time() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(5);
        assert_eq!((0..10).filter(|_| bucket.try_take(start)).count(), 5);
        assert!(!bucket.try_take(start));
        assert!(bucket.try_take(start + Duration::from_millis(200)), "one token after 1/5 s");
        assert!(!bucket.try_take(start + Duration::from_millis(200)));
        assert_eq!(
            (0..10).filter(|_| bucket.try_take(start + Duration::from_secs(10))).count(),
            5,
            "capped at the burst"
        );
    }
}
