//! `InstanceRegistry` on Redis: one hash `cron:instances`, instance id -> JSON heartbeat with its deadline.
//! Dead instances stay listed (an operator wants to see who died) until `forget_before` drops them.

use crate::connection::Conn;
use crate::error::{infra, malformed};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::schedule::{InstanceInfo, InstanceRegistry, InstanceStatus};
use fred::prelude::HashesInterface;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// [`InstanceRegistry`] on Redis; cheap to clone.
#[derive(Clone)]
pub struct RedisInstanceRegistry {
    conn: Arc<Conn>,
}

impl RedisInstanceRegistry {
    pub(crate) fn new(conn: Arc<Conn>) -> Self {
        Self { conn }
    }

    fn key(&self) -> String {
        self.conn.key("cron:instances")
    }

    async fn all(&self) -> Result<Vec<Entry>, InfraError> {
        let all: HashMap<String, String> = self.conn.cmd().hgetall(self.key()).await.map_err(infra)?;
        let mut entries = all
            .values()
            .map(|v| serde_json::from_str::<Entry>(v).map_err(|e| malformed(format!("instance heartbeat: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(entries)
    }

    async fn put(&self, entry: &Entry) -> Result<(), InfraError> {
        let json = serde_json::to_string(entry).map_err(|e| malformed(format!("instance heartbeat: {e}")))?;
        self.conn.cmd().hset::<(), _, _>(self.key(), (entry.id.as_str(), json)).await.map_err(infra)
    }
}

/// The stored form, times in unix microseconds.
#[derive(Serialize, Deserialize)]
struct Entry {
    id: String,
    host: String,
    pid: u32,
    version: String,
    started_at: i64,
    last_seen: i64,
    tasks_run: u64,
    expires_at: i64,
    left_at: Option<i64>,
}

fn time(micros: i64) -> Result<DateTime<Utc>, InfraError> {
    DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(|| malformed("instance time out of range"))
}

impl Entry {
    fn status(&self, now: DateTime<Utc>) -> Result<InstanceStatus, InfraError> {
        let info = InstanceInfo {
            id: self.id.clone(),
            host: self.host.clone(),
            pid: self.pid,
            version: self.version.clone(),
            started_at: time(self.started_at)?,
            last_seen: time(self.last_seen)?,
            tasks_run: self.tasks_run,
        };
        let left_at = self.left_at.map(time).transpose()?;
        Ok(InstanceStatus { info, alive: left_at.is_none() && now.timestamp_micros() < self.expires_at, left_at })
    }
}

#[async_trait]
impl InstanceRegistry for RedisInstanceRegistry {
    async fn heartbeat(&self, info: &InstanceInfo, ttl: Duration) -> Result<(), InfraError> {
        let last_seen = info.last_seen.timestamp_micros();
        let entry = Entry {
            id: info.id.clone(),
            host: info.host.clone(),
            pid: info.pid,
            version: info.version.clone(),
            started_at: info.started_at.timestamp_micros(),
            last_seen,
            tasks_run: info.tasks_run,
            expires_at: last_seen.saturating_add(i64::try_from(ttl.as_micros()).unwrap_or(i64::MAX)),
            left_at: None,
        };
        self.put(&entry).await
    }

    async fn list(&self, now: DateTime<Utc>) -> Result<Vec<InstanceStatus>, InfraError> {
        self.all().await?.iter().map(|e| e.status(now)).collect()
    }

    async fn leave(&self, id: &str, now: DateTime<Utc>) -> Result<(), InfraError> {
        let current: Option<String> = self.conn.cmd().hget(self.key(), id).await.map_err(infra)?;
        let Some(json) = current else { return Ok(()) };
        let mut entry: Entry =
            serde_json::from_str(&json).map_err(|e| malformed(format!("instance heartbeat: {e}")))?;
        entry.left_at = Some(now.timestamp_micros());
        self.put(&entry).await
    }

    async fn forget_before(&self, cutoff: DateTime<Utc>) -> Result<u64, InfraError> {
        let old: Vec<String> =
            self.all().await?.into_iter().filter(|e| e.last_seen < cutoff.timestamp_micros()).map(|e| e.id).collect();
        if old.is_empty() {
            return Ok(0);
        }
        let removed: i64 = self.conn.cmd().hdel(self.key(), old).await.map_err(infra)?;
        Ok(removed.unsigned_abs())
    }
}
