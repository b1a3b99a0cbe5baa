//! Instance heartbeats in a map.

use super::locked;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::schedule::{InstanceInfo, InstanceRegistry, InstanceStatus};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// [`InstanceRegistry`] within one process.
#[derive(Debug, Default)]
pub struct MemoryInstanceRegistry {
    instances: Mutex<BTreeMap<String, Entry>>,
}

#[derive(Debug, Clone)]
struct Entry {
    info: InstanceInfo,
    expires_at: DateTime<Utc>,
    left_at: Option<DateTime<Utc>>,
}

#[async_trait]
impl InstanceRegistry for MemoryInstanceRegistry {
    async fn heartbeat(&self, info: &InstanceInfo, ttl: Duration) -> Result<(), InfraError> {
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        let entry = Entry { info: info.clone(), expires_at: info.last_seen + ttl, left_at: None };
        locked(&self.instances).insert(info.id.clone(), entry);
        Ok(())
    }

    async fn list(&self, now: DateTime<Utc>) -> Result<Vec<InstanceStatus>, InfraError> {
        Ok(locked(&self.instances)
            .values()
            .map(|e| InstanceStatus {
                info: e.info.clone(),
                alive: e.left_at.is_none() && now < e.expires_at,
                left_at: e.left_at,
            })
            .collect())
    }

    async fn leave(&self, id: &str, now: DateTime<Utc>) -> Result<(), InfraError> {
        if let Some(e) = locked(&self.instances).get_mut(id) {
            e.left_at = Some(now);
        }
        Ok(())
    }

    async fn forget_before(&self, cutoff: DateTime<Utc>) -> Result<u64, InfraError> {
        let mut instances = locked(&self.instances);
        let before = instances.len();
        instances.retain(|_, e| e.info.last_seen >= cutoff);
        Ok((before - instances.len()) as u64)
    }
}
