//! Live connections per user in a map, with deadlines decided by the `now` each call passes. A user's entry
//! stays until their offline transition is reported, by `disconnect` or `sweep`, whichever removes it: that
//! is what makes the report happen exactly once. One lock, never held across an `.await`.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use domain::InfraError;
use domain::chat::{ConnectionId, PresenceChange, PresenceStore};
use domain::ids::UserId;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Presence kept in process memory (one instance only).
#[derive(Debug, Default)]
pub struct MemoryPresenceStore {
    /// User -> connection -> deadline (alive while the deadline is after `now`).
    users: Mutex<HashMap<UserId, HashMap<ConnectionId, DateTime<Utc>>>>,
}

impl MemoryPresenceStore {
    fn users(&self) -> MutexGuard<'_, HashMap<UserId, HashMap<ConnectionId, DateTime<Utc>>>> {
        crate::locked(&self.users)
    }
}

/// `now + ttl`, saturating far in the future.
pub(crate) fn deadline(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(ttl).ok().and_then(|d| now.checked_add_signed(d)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[async_trait]
impl PresenceStore for MemoryPresenceStore {
    async fn connect(
        &self,
        user: UserId,
        conn: ConnectionId,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<PresenceChange, InfraError> {
        let mut users = self.users();
        let conns = users.entry(user).or_default();
        conns.retain(|_, d| *d > now);
        let was_online = !conns.is_empty();
        conns.insert(conn, deadline(now, ttl));
        Ok(if was_online { PresenceChange::Unchanged } else { PresenceChange::CameOnline })
    }

    async fn heartbeat(
        &self,
        user: UserId,
        conn: ConnectionId,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, InfraError> {
        let mut users = self.users();
        match users.get_mut(&user).and_then(|c| c.get_mut(&conn)) {
            Some(d) if *d > now => {
                *d = deadline(now, ttl);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn disconnect(
        &self,
        user: UserId,
        conn: ConnectionId,
        now: DateTime<Utc>,
    ) -> Result<PresenceChange, InfraError> {
        let mut users = self.users();
        let Some(conns) = users.get_mut(&user) else { return Ok(PresenceChange::Unchanged) };
        if conns.remove(&conn).is_none() || conns.values().any(|d| *d > now) {
            return Ok(PresenceChange::Unchanged);
        }
        users.remove(&user);
        Ok(PresenceChange::WentOffline)
    }

    async fn online(&self, users: &[UserId], now: DateTime<Utc>) -> Result<Vec<UserId>, InfraError> {
        let map = self.users();
        let live = |u: &UserId| map.get(u).is_some_and(|c| c.values().any(|d| *d > now));
        Ok(users.iter().filter(|u| live(u)).copied().collect())
    }

    async fn counts(&self, now: DateTime<Utc>) -> Result<(u64, u64), InfraError> {
        let map = self.users();
        let (mut online, mut conns) = (0, 0);
        for c in map.values() {
            let live = c.values().filter(|d| **d > now).count() as u64;
            online += u64::from(live > 0);
            conns += live;
        }
        Ok((online, conns))
    }

    async fn sweep(&self, now: DateTime<Utc>) -> Result<Vec<UserId>, InfraError> {
        let mut users = self.users();
        let mut offline = Vec::new();
        users.retain(|user, conns| {
            conns.retain(|_, d| *d > now);
            if conns.is_empty() {
                offline.push(*user);
            }
            !conns.is_empty()
        });
        Ok(offline)
    }
}
