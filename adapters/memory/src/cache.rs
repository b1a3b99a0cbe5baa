//! The byte cache in a map, with expiry on the monotonic clock.

use async_trait::async_trait;
use domain::InfraError;
use domain::cache::Cache;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// After this many writes, expired entries are dropped, so keys never read again do not pile up.
const SWEEP_EVERY: u32 = 1024;

/// A cache kept in process memory (one instance only).
#[derive(Debug, Default)]
pub struct MemoryCache {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<String, Entry>,
    writes_since_sweep: u32,
}

#[derive(Debug)]
struct Entry {
    value: Vec<u8>,
    expires: Option<Instant>,
}

impl Entry {
    fn is_fresh(&self, now: Instant) -> bool {
        self.expires.is_none_or(|at| at > now)
    }
}

impl MemoryCache {
    fn state(&self) -> MutexGuard<'_, State> {
        crate::locked(&self.state)
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, InfraError> {
        let now = Instant::now();
        let mut state = self.state();
        match state.entries.get(key) {
            Some(entry) if entry.is_fresh(now) => Ok(Some(entry.value.clone())),
            Some(_) => {
                state.entries.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), InfraError> {
        let now = Instant::now();
        // A TTL too large for the clock means "as long as the process lives".
        let entry = Entry { value: value.to_vec(), expires: now.checked_add(ttl) };
        let mut state = self.state();
        state.entries.insert(key.to_owned(), entry);
        state.writes_since_sweep += 1;
        if state.writes_since_sweep >= SWEEP_EVERY {
            state.writes_since_sweep = 0;
            state.entries.retain(|_, entry| entry.is_fresh(now));
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), InfraError> {
        self.state().entries.remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn expired_entries_are_swept_on_writes() {
        let cache = MemoryCache::default();
        cache.set("stale", b"x", Duration::from_millis(1)).await.expect("set");
        tokio::time::sleep(Duration::from_millis(5)).await;
        for i in 0..SWEEP_EVERY {
            cache.set(&format!("k{}", i % 4), b"y", Duration::from_secs(60)).await.expect("set");
        }
        assert!(!cache.state().entries.contains_key("stale"));
        assert_eq!(cache.state().entries.len(), 4);
    }

    #[tokio::test]
    async fn a_huge_ttl_does_not_overflow() {
        let cache = MemoryCache::default();
        cache.set("forever", b"v", Duration::MAX).await.expect("set");
        assert_eq!(cache.get("forever").await.expect("get"), Some(b"v".to_vec()));
    }
}
