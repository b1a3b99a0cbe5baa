//! Scheduler instances: who is running the cron, and who stopped heartbeating.

use crate::error::InfraError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// What an instance says about itself in every heartbeat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceInfo {
    /// Unique id (`cron.instance_id`, or `<host>-<pid>`).
    pub id: String,
    /// Host name.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// exchange version.
    pub version: String,
    /// When the scheduler started.
    pub started_at: DateTime<Utc>,
    /// When this heartbeat was sent.
    pub last_seen: DateTime<Utc>,
    /// Runs this instance has started since it started.
    pub tasks_run: u64,
}

/// An instance as the web page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceStatus {
    /// Its last heartbeat.
    pub info: InstanceInfo,
    /// True while its last heartbeat is younger than the TTL it announced, and it did not leave.
    pub alive: bool,
    /// When it stopped gracefully, if it did.
    pub left_at: Option<DateTime<Utc>>,
}

/// Registry of scheduler instances.
///
/// Contract (checked by `adapter_contracts::instances`):
/// - `heartbeat` MUST store `info` (replacing the instance's previous one) and make it alive until
///   `info.last_seen + ttl`; a heartbeat after `leave` makes it alive again.
/// - `list` MUST return every instance heard of and not yet forgotten, alive or dead as of `now`, ordered by
///   id. An instance is dead once `now` is at or past `last_seen + ttl`, or once it left.
/// - `leave` marks an instance dead at once (graceful stop) and keeps it listed.
/// - `forget_before` MUST remove instances whose last heartbeat is before `cutoff` and return how many.
/// - Every method MUST return `InfraError::Unavailable` when the backend cannot be reached.
#[async_trait]
pub trait InstanceRegistry: Send + Sync {
    /// Says "I am alive" for `ttl`.
    async fn heartbeat(&self, info: &InstanceInfo, ttl: Duration) -> Result<(), InfraError>;
    /// Every known instance with its liveness at `now`.
    async fn list(&self, now: DateTime<Utc>) -> Result<Vec<InstanceStatus>, InfraError>;
    /// Marks an instance as stopped.
    async fn leave(&self, id: &str, now: DateTime<Utc>) -> Result<(), InfraError>;
    /// Forgets instances silent since before `cutoff`.
    async fn forget_before(&self, cutoff: DateTime<Utc>) -> Result<u64, InfraError>;
}
