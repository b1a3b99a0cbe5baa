//! Registration: turning a [`Task`] into a checked [`RegisteredTask`], refusing bad names, bad schedules
//! and duplicates with an error that names the task.

use crate::task::Task;
use application::scheduler::TaskDefinition;
use domain::ValidationError;
use domain::schedule::TaskName;
use std::sync::Arc;
use std::time::Duration;

/// Why a task was refused at registration; the process stops with this message.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// `name()` is not a valid task name.
    #[error("task name {name:?} is invalid: {source}")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        #[source]
        source: ValidationError,
    },
    /// `schedule()` is not a valid cron expression with seconds.
    #[error("task `{task}` has an invalid schedule: {source} (expected `sec min hour day month weekday [year]`)")]
    InvalidSchedule {
        /// The task.
        task: String,
        /// What is wrong with it.
        #[source]
        source: ValidationError,
    },
    /// Another task already has this name.
    #[error("task `{0}` is registered twice")]
    Duplicate(String),
    /// `timeout()` returned zero.
    #[error("task `{0}` has a zero timeout")]
    ZeroTimeout(String),
}

/// A task with its checked name, schedule and policies (its [`TaskDefinition`], which it derefs to).
pub struct RegisteredTask {
    /// Name, schedule and policies.
    pub definition: TaskDefinition,
    pub(crate) task: Arc<dyn Task>,
}

impl std::ops::Deref for RegisteredTask {
    type Target = TaskDefinition;

    fn deref(&self) -> &TaskDefinition {
        &self.definition
    }
}

impl std::fmt::Debug for RegisteredTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisteredTask").field("name", &self.name).field("expr", &self.expr).finish_non_exhaustive()
    }
}

/// Checks a task; `default_timeout` applies when it names none.
pub(crate) fn check<T: Task>(task: T, default_timeout: Duration) -> Result<RegisteredTask, RegisterError> {
    let name = TaskName::parse(task.name())
        .map_err(|source| RegisterError::InvalidName { name: task.name().to_owned(), source })?;
    let expr = task
        .schedule()
        .expr()
        .cloned()
        .map_err(|source| RegisterError::InvalidSchedule { task: name.to_string(), source: source.clone() })?;
    let timeout = task.timeout().unwrap_or(default_timeout);
    if timeout.is_zero() {
        return Err(RegisterError::ZeroTimeout(name.to_string()));
    }
    let definition = TaskDefinition {
        description: task.description().to_owned(),
        expr,
        timeout,
        retry: task.retry(),
        overlap: task.overlap(),
        misfire: task.misfire(),
        name,
    };
    Ok(RegisteredTask { definition, task: Arc::new(task) })
}
