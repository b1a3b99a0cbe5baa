//! Presence: a user is online while at least one of their connections is alive on any instance.

use crate::error::InfraError;
use crate::ids::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::fmt;
use std::time::Duration;
use uuid::Uuid;

/// One WebSocket connection, unique across instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub Uuid);

impl ConnectionId {
    /// A fresh id.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Whether a connect or disconnect changed the user's presence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresenceChange {
    /// First live connection: the user came online.
    CameOnline,
    /// Last live connection gone: the user went offline.
    WentOffline,
    /// Other connections remain (or remained): nothing to announce.
    Unchanged,
}

/// Live connections per user, with expiry so a crashed instance's users go offline by themselves.
///
/// Contract (checked by `adapter_contracts::presence`):
/// - `connect` registers a connection alive until `now + ttl` and returns `CameOnline` exactly when the
///   user had no live connection (concurrent connects of one user: exactly one `CameOnline`).
/// - `heartbeat` extends a live connection to `now + ttl` and returns false if it is unknown or expired.
/// - `disconnect` removes a connection and returns `WentOffline` exactly when it was the last live one.
/// - A connection not heartbeated expires at its deadline: `online` stops listing the user, and the next
///   `sweep` at or after the deadline returns the user exactly once across all callers and instances.
/// - `online` returns the subset of `users` that are online at `now`, in the given order.
#[async_trait]
pub trait PresenceStore: Send + Sync {
    /// Registers a connection.
    async fn connect(
        &self,
        user: UserId,
        conn: ConnectionId,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<PresenceChange, InfraError>;
    /// Keeps a connection alive.
    async fn heartbeat(
        &self,
        user: UserId,
        conn: ConnectionId,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, InfraError>;
    /// Removes a connection.
    async fn disconnect(
        &self,
        user: UserId,
        conn: ConnectionId,
        now: DateTime<Utc>,
    ) -> Result<PresenceChange, InfraError>;
    /// Which of `users` are online.
    async fn online(&self, users: &[UserId], now: DateTime<Utc>) -> Result<Vec<UserId>, InfraError>;
    /// Users online and live connections, for statistics.
    async fn counts(&self, now: DateTime<Utc>) -> Result<(u64, u64), InfraError>;
    /// Drops expired connections; returns the users who went offline because of it.
    async fn sweep(&self, now: DateTime<Utc>) -> Result<Vec<UserId>, InfraError>;
}
