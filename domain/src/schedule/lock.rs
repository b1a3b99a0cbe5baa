//! The distributed lock port: one holder per key at a time, leases that expire, and fencing tokens.

use super::name::TaskName;
use crate::error::InfraError;
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt;
use std::time::Duration;

/// What a lock is taken on: a `scope` (the task) and a `slot` within it (a tick's fire time, `running`...).
///
/// Fencing tokens increase per scope, so they also order acquisitions across the slots of one task.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LockKey {
    scope: String,
    slot: String,
}

impl LockKey {
    /// The key of one tick: `task:2026-11-24T10:05:00Z`. Every instance derives the same key from the same
    /// tick, whatever its start time or small clock drift, because fire times come from the expression.
    pub fn tick(task: &TaskName, fire_time: DateTime<Utc>) -> Self {
        Self { scope: task.as_str().to_owned(), slot: fire_time.to_rfc3339_opts(SecondsFormat::Secs, true) }
    }

    /// The key held while any run of the task is going (overlap policy `Skip`).
    pub fn running(task: &TaskName) -> Self {
        Self { scope: task.as_str().to_owned(), slot: "running".to_owned() }
    }

    /// Any other key within a task's scope, e.g. `manual-<µs>` for a manual run.
    pub fn custom(task: &TaskName, slot: &str) -> Self {
        Self { scope: task.as_str().to_owned(), slot: slot.to_owned() }
    }

    /// The scope (task name): fencing tokens increase per scope.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The slot within the scope.
    pub fn slot(&self) -> &str {
        &self.slot
    }
}

impl fmt::Display for LockKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scope, self.slot)
    }
}

/// Proof of holding a lock: the key, a token unique to this acquisition, and its fencing token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockGuard {
    /// The key held.
    pub key: LockKey,
    /// Unique to this acquisition; only it can extend or release the lock.
    pub token: String,
    /// Strictly greater than every fencing token handed out before in the same scope; written into run
    /// records so a holder whose lease expired cannot overwrite the work of the one after it.
    pub fencing: u64,
}

/// A lease-based mutual exclusion lock shared by every scheduler instance.
///
/// Contract (checked by `adapter_contracts::lock`):
/// - `acquire` MUST return a guard when the key is free (never held, released, or its lease passed) and
///   `None` while another guard holds it. Of concurrent acquires of a free key exactly one succeeds.
/// - Every guard's `token` is unique; its `fencing` is strictly greater than every fencing token handed out
///   before for any key of the same scope, also after keys expired.
/// - `extend` MUST push the lease to `lease` from now and return true only if `guard` still holds the key;
///   otherwise return false and change nothing.
/// - `release` MUST delete the key only if `guard` still holds it (compare-and-delete) and say whether it
///   did; it never frees a lock someone else took over.
/// - A lease runs out by itself: once `lease` has passed without `extend`, `acquire` succeeds for others.
/// - Every method MUST return `InfraError::Unavailable` when the backend cannot be reached; callers then
///   treat the lock as not held (they never run unlocked).
#[async_trait]
pub trait DistributedLock: Send + Sync {
    /// Takes the lock for `lease`, or returns `None` if it is held.
    async fn acquire(&self, key: &LockKey, lease: Duration) -> Result<Option<LockGuard>, InfraError>;
    /// Keeps holding the lock for another `lease`.
    async fn extend(&self, guard: &LockGuard, lease: Duration) -> Result<bool, InfraError>;
    /// Gives the lock up.
    async fn release(&self, guard: &LockGuard) -> Result<bool, InfraError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn tick_keys_name_the_task_and_the_fire_time() {
        let task = TaskName::parse("purge").unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 10, 5, 0).unwrap();
        assert_eq!(LockKey::tick(&task, t).to_string(), "purge:2026-11-24T10:05:00Z");
        assert_eq!(LockKey::running(&task).to_string(), "purge:running");
        assert_eq!(LockKey::tick(&task, t).scope(), "purge");
    }
}
