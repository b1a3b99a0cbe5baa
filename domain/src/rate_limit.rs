//! Rate limiting as a port, so limits hold across instances when the store is shared.

use crate::error::InfraError;
use async_trait::async_trait;
use std::time::Duration;

/// At most `limit` requests per `period`, with bursts up to `limit` (GCRA semantics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Quota {
    /// Requests allowed per period; at least 1.
    pub limit: u32,
    /// The window the limit applies to.
    pub period: Duration,
}

impl Quota {
    /// `limit` requests per minute.
    pub fn per_minute(limit: u32) -> Self {
        Self { limit: limit.max(1), period: Duration::from_secs(60) }
    }

    /// Time between two requests at the steady rate.
    pub fn emission_interval(&self) -> Duration {
        self.period / self.limit.max(1)
    }
}

/// Whether a request may go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateDecision {
    /// Go ahead; `remaining` more requests would be allowed right now.
    Allowed {
        /// Requests still allowed right now.
        remaining: u32,
    },
    /// Refused; the next request is allowed after `retry_after`.
    Limited {
        /// Wait at least this long.
        retry_after: Duration,
    },
}

/// A keyed limiter.
///
/// Contract (checked by `adapter_contracts::rate_limit`):
/// - `acquire` MUST allow `quota.limit` calls in a burst for a fresh key, then refuse with a positive
///   `retry_after` no longer than one emission interval beyond the wait actually needed; after waiting that
///   long a call MUST be allowed again. Decisions MUST be atomic across concurrent callers and, for shared
///   stores, across instances.
/// - `peek` MUST answer like `acquire` without consuming anything: exactly what `acquire` would return at that
///   moment (so `Allowed::remaining` counts the peeked request as if it were taken).
/// - `reset` MUST forget the key so the next call starts fresh.
/// - Keys are independent; quotas are passed per call (the same key is always used with the same quota).
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one request against `key` and says whether it may proceed.
    async fn acquire(&self, key: &str, quota: Quota) -> Result<RateDecision, InfraError>;
    /// Says whether a request would be allowed, without counting it.
    async fn peek(&self, key: &str, quota: Quota) -> Result<RateDecision, InfraError>;
    /// Forgets the key.
    async fn reset(&self, key: &str) -> Result<(), InfraError>;
}
