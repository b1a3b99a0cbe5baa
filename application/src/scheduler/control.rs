//! What the operator's use cases need from a running scheduler, and what a registered task is to them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::schedule::{CronExpr, MisfirePolicy, OverlapPolicy, RetryPolicy, TaskName};
use std::time::Duration;

/// A registered task as operators see it: its checked name, schedule and policies.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskDefinition {
    /// Its name.
    pub name: TaskName,
    /// What it does, for operators.
    pub description: String,
    /// When it fires.
    pub expr: CronExpr,
    /// Its timeout (the task's own, or the default).
    pub timeout: Duration,
    /// Retries within a tick.
    pub retry: RetryPolicy,
    /// Overlapping runs.
    pub overlap: OverlapPolicy,
    /// Missed ticks.
    pub misfire: MisfirePolicy,
}

/// Why a manual run was refused.
#[derive(Debug, thiserror::Error)]
pub enum RunNowError {
    /// No task has this name.
    #[error("no task named {0}")]
    UnknownTask(String),
    /// The scheduler is shutting down.
    #[error("the scheduler is shutting down")]
    ShuttingDown,
    /// The task's overlap policy is `skip` and its previous run is still going.
    #[error("{0} is still running")]
    StillRunning(String),
    /// The lock backend failed, so the run could not be started safely.
    #[error(transparent)]
    Unavailable(#[from] InfraError),
}

/// The scheduler of this process, as its operators drive it.
///
/// Contract: `tasks` MUST list every registered task by name and `task` MUST find exactly those;
/// `run_now` MUST start the run through the lock port and the run records (trigger `manual`, not subject to
/// pause) and return the time recorded as its fire time, or refuse with `UnknownTask`, `ShuttingDown`,
/// `StillRunning` (overlap `skip` and the previous run still going) or `Unavailable` (never run unlocked).
#[async_trait]
pub trait SchedulerControl: Send + Sync {
    /// Every registered task, by name.
    fn tasks(&self) -> Vec<TaskDefinition>;
    /// One task.
    fn task(&self, name: &TaskName) -> Option<TaskDefinition>;
    /// Starts a manual run of `name` on this instance.
    async fn run_now(&self, name: &TaskName) -> Result<DateTime<Utc>, RunNowError>;
}
