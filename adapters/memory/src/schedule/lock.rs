//! Leases in a map, timed by the monotonic clock; fencing counters per scope.

use super::locked;
use async_trait::async_trait;
use domain::InfraError;
use domain::schedule::{DistributedLock, LockGuard, LockKey};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// [`DistributedLock`] within one process.
#[derive(Debug, Default)]
pub struct MemoryLock {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    held: HashMap<LockKey, (String, Instant)>,
    fences: HashMap<String, u64>,
}

impl State {
    fn holder(&mut self, key: &LockKey, now: Instant) -> Option<&String> {
        if self.held.get(key).is_some_and(|(_, until)| *until <= now) {
            self.held.remove(key);
        }
        self.held.get(key).map(|(token, _)| token)
    }
}

#[async_trait]
impl DistributedLock for MemoryLock {
    async fn acquire(&self, key: &LockKey, lease: Duration) -> Result<Option<LockGuard>, InfraError> {
        let now = Instant::now();
        let mut state = locked(&self.state);
        if state.holder(key, now).is_some() {
            return Ok(None);
        }
        let fencing = {
            let counter = state.fences.entry(key.scope().to_owned()).or_insert(0);
            *counter += 1;
            *counter
        };
        let token = uuid::Uuid::now_v7().simple().to_string();
        state.held.insert(key.clone(), (token.clone(), now + lease));
        Ok(Some(LockGuard { key: key.clone(), token, fencing }))
    }

    async fn extend(&self, guard: &LockGuard, lease: Duration) -> Result<bool, InfraError> {
        let now = Instant::now();
        let mut state = locked(&self.state);
        if state.holder(&guard.key, now) != Some(&guard.token) {
            return Ok(false);
        }
        state.held.insert(guard.key.clone(), (guard.token.clone(), now + lease));
        Ok(true)
    }

    async fn release(&self, guard: &LockGuard) -> Result<bool, InfraError> {
        let mut state = locked(&self.state);
        if state.holder(&guard.key, Instant::now()) != Some(&guard.token) {
            return Ok(false);
        }
        state.held.remove(&guard.key);
        Ok(true)
    }
}
