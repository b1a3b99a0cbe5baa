//! The run store port: the durable history of runs, and the fence that keeps a stale holder out of it.

use super::name::TaskName;
use super::run::{RunId, RunOutcome, RunQuery, RunRecord, TaskStats};
use crate::error::{Coded, ErrorKind, InfraError};
use crate::page::Page;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Why a run store write was refused.
#[derive(Debug, thiserror::Error)]
pub enum RunStoreError {
    /// The write carries a fencing token older than the one already recorded for that tick (its lock was
    /// lost and taken over), or names no running record with that token.
    #[error("stale fencing token")]
    Stale,
    /// The backend failed.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl Coded for RunStoreError {
    fn code(&self) -> &'static str {
        match self {
            Self::Stale => "cron.stale_fencing_token",
            Self::Infra(e) => e.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Stale => ErrorKind::Conflict,
            Self::Infra(e) => e.kind(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Stale => Vec::new(),
            Self::Infra(e) => e.params(),
        }
    }
}

/// Durable history of runs.
///
/// A *slot* is `(task, fire_time, attempt)`: at most one record per slot is kept.
///
/// Contract (checked by `adapter_contracts::runs`):
/// - `start` MUST store a `Running` record. If the slot already holds a record with a fencing token
///   greater than or equal to the new one, it MUST refuse with `Stale` and change nothing; if it holds one
///   with a smaller token (a skipped tick, or a holder whose lock expired), the new record replaces it.
///   Atomic under concurrent calls: of several starts for one slot, the one with the largest token wins.
/// - `finish` MUST apply the outcome (status, `finished_at`, `duration_ms = finished_at - started_at`,
///   error) only to a `Running` record with that id and that fencing token, and otherwise refuse with
///   `Stale` and change nothing.
/// - `record_skip` MUST insert the skipped record only if its slot is empty, and say whether it did, so
///   that every instance may report the same skipped tick and exactly one record results.
/// - `list` MUST apply every filter, order by fire time newest first (then attempt, then id, newest
///   first) and report the total.
/// - `stats` counts records of the task with fire time at or after `since`: per status, mean and p95
///   duration of finished, not skipped runs (adapters MAY sample only the newest 10,000), and the newest
///   record.
/// - `last_fire` is the newest fire time of the task's `schedule`-triggered records (skips included).
/// - `abandon` MUST mark every `Running` record of `instance` started before `before` as `Failed` with
///   `reason`, finished at `now`, and return how many.
/// - `purge_before` MUST delete records with fire time before `cutoff` and return how many.
/// - Times round-trip to the microsecond. Every method MUST return `InfraError::Unavailable` when the
///   backend cannot be reached.
#[async_trait]
pub trait RunStore: Send + Sync {
    /// Records that a run started.
    async fn start(&self, run: &RunRecord) -> Result<(), RunStoreError>;
    /// Records how a run ended.
    async fn finish(&self, id: RunId, fencing: u64, outcome: &RunOutcome) -> Result<(), RunStoreError>;
    /// Records a skipped tick unless its slot already has a record.
    async fn record_skip(&self, run: &RunRecord) -> Result<bool, InfraError>;
    /// One record.
    async fn get(&self, id: RunId) -> Result<Option<RunRecord>, InfraError>;
    /// One page of history.
    async fn list(&self, query: &RunQuery) -> Result<Page<RunRecord>, InfraError>;
    /// Counters and durations of a task since `since`.
    async fn stats(&self, task: &TaskName, since: DateTime<Utc>) -> Result<TaskStats, InfraError>;
    /// The newest scheduled fire time recorded for a task.
    async fn last_fire(&self, task: &TaskName) -> Result<Option<DateTime<Utc>>, InfraError>;
    /// Fails the running records of an instance that stopped heartbeating.
    async fn abandon(
        &self,
        instance: &str,
        before: DateTime<Utc>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, InfraError>;
    /// Drops history older than `cutoff` (retention).
    async fn purge_before(&self, cutoff: DateTime<Utc>) -> Result<u64, InfraError>;
}
