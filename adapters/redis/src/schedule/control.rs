//! `TaskControl` on Redis: one hash `cron:paused`, task -> `<unix µs>|<who>`; `HSETNX` keeps the first pause.

use crate::connection::Conn;
use crate::error::{infra, malformed};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::schedule::{PauseState, TaskControl, TaskName};
use fred::prelude::HashesInterface;
use std::collections::HashMap;
use std::sync::Arc;

/// [`TaskControl`] on Redis; cheap to clone.
#[derive(Clone)]
pub struct RedisTaskControl {
    conn: Arc<Conn>,
}

impl RedisTaskControl {
    pub(crate) fn new(conn: Arc<Conn>) -> Self {
        Self { conn }
    }

    fn key(&self) -> String {
        self.conn.key("cron:paused")
    }
}

fn parse(task: &str, value: &str) -> Result<PauseState, InfraError> {
    let (micros, by) = value.split_once('|').ok_or_else(|| malformed(format!("pause state of {task}")))?;
    let micros: i64 = micros.parse().map_err(|_| malformed(format!("pause time of {task}")))?;
    Ok(PauseState {
        task: TaskName::parse(task).map_err(|_| malformed(format!("paused task name {task:?}")))?,
        paused_at: DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(|| malformed("pause time range"))?,
        paused_by: by.to_owned(),
    })
}

#[async_trait]
impl TaskControl for RedisTaskControl {
    async fn pause(&self, task: &TaskName, by: &str, at: DateTime<Utc>) -> Result<bool, InfraError> {
        let value = format!("{}|{by}", at.timestamp_micros());
        let set: i64 = self.conn.cmd().hsetnx(self.key(), task.as_str(), value).await.map_err(infra)?;
        Ok(set == 1)
    }

    async fn resume(&self, task: &TaskName) -> Result<bool, InfraError> {
        let removed: i64 = self.conn.cmd().hdel(self.key(), task.as_str()).await.map_err(infra)?;
        Ok(removed > 0)
    }

    async fn is_paused(&self, task: &TaskName) -> Result<bool, InfraError> {
        self.conn.cmd().hexists(self.key(), task.as_str()).await.map_err(infra)
    }

    async fn paused(&self) -> Result<Vec<PauseState>, InfraError> {
        let all: HashMap<String, String> = self.conn.cmd().hgetall(self.key()).await.map_err(infra)?;
        let mut states = all.iter().map(|(task, value)| parse(task, value)).collect::<Result<Vec<_>, _>>()?;
        states.sort_by(|a, b| a.task.cmp(&b.task));
        Ok(states)
    }
}
