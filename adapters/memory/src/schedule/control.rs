//! Paused tasks in a map.

use super::locked;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::schedule::{PauseState, TaskControl, TaskName};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// [`TaskControl`] within one process.
#[derive(Debug, Default)]
pub struct MemoryTaskControl {
    paused: Mutex<BTreeMap<TaskName, PauseState>>,
}

#[async_trait]
impl TaskControl for MemoryTaskControl {
    async fn pause(&self, task: &TaskName, by: &str, at: DateTime<Utc>) -> Result<bool, InfraError> {
        let mut paused = locked(&self.paused);
        if paused.contains_key(task) {
            return Ok(false);
        }
        paused.insert(task.clone(), PauseState { task: task.clone(), paused_at: at, paused_by: by.to_owned() });
        Ok(true)
    }

    async fn resume(&self, task: &TaskName) -> Result<bool, InfraError> {
        Ok(locked(&self.paused).remove(task).is_some())
    }

    async fn is_paused(&self, task: &TaskName) -> Result<bool, InfraError> {
        Ok(locked(&self.paused).contains_key(task))
    }

    async fn paused(&self) -> Result<Vec<PauseState>, InfraError> {
        Ok(locked(&self.paused).values().cloned().collect())
    }
}
