//! Operator control state shared by every instance: which tasks are paused.

use super::name::TaskName;
use crate::error::InfraError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A paused task: who paused it and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PauseState {
    /// The task.
    pub task: TaskName,
    /// When it was paused.
    pub paused_at: DateTime<Utc>,
    /// Who paused it (username).
    pub paused_by: String,
}

/// Which tasks are paused, as one state every instance reads before running a tick.
///
/// Contract (checked by `adapter_contracts::control`):
/// - `pause` MUST mark the task paused and return true, or return false (keeping the first pause's time and
///   author) if it already was.
/// - `resume` MUST unmark it and return whether it was paused.
/// - `is_paused` and `paused` MUST reflect every `pause`/`resume` made before them, by any instance.
/// - Every method MUST return `InfraError::Unavailable` when the backend cannot be reached.
#[async_trait]
pub trait TaskControl: Send + Sync {
    /// Pauses a task.
    async fn pause(&self, task: &TaskName, by: &str, at: DateTime<Utc>) -> Result<bool, InfraError>;
    /// Resumes a task.
    async fn resume(&self, task: &TaskName) -> Result<bool, InfraError>;
    /// Whether a task is paused.
    async fn is_paused(&self, task: &TaskName) -> Result<bool, InfraError>;
    /// Every paused task.
    async fn paused(&self) -> Result<Vec<PauseState>, InfraError>;
}
