//! Presence in Redis. Layout under the prefix: `presence:user:{uid}` (zset connection -> deadline),
//! `presence:users` (zset user -> their latest deadline: the user index), `presence:conns` (zset
//! "uid|conn" -> deadline, for counts). Deadlines are unix microseconds computed from the `now` each call
//! passes, as the port's contract says, so instances must keep their clocks in sync (NTP): a skew of `s`
//! moves expiry by `s`.
//!
//! A user's offline transition is reported by the one call that removes them from the user index, a
//! `disconnect` of their last live connection or a `sweep` after their latest deadline, each a Lua script:
//! so exactly once across every instance. `sweep` works through the index in batches.

use crate::connection::Conn;
use crate::error::{infra, malformed};
use crate::script::LuaScript;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::chat::{ConnectionId, PresenceChange, PresenceStore};
use domain::ids::UserId;
use fred::prelude::{SortedSetsInterface, Value};
use std::sync::Arc;
use std::time::Duration;

const CONNECT: &str = include_str!("lua/presence_connect.lua");
const HEARTBEAT: &str = include_str!("lua/presence_heartbeat.lua");
const DISCONNECT: &str = include_str!("lua/presence_disconnect.lua");
const SWEEP: &str = include_str!("lua/presence_sweep.lua");
const COUNTS: &str = include_str!("lua/presence_counts.lua");

/// Users one sweep script looks at; sweeps repeat until a batch comes back short.
const SWEEP_BATCH: i64 = 500;

/// [`PresenceStore`] on Redis, shared by every instance using the server and prefix; cheap to clone.
#[derive(Clone)]
pub struct RedisPresenceStore {
    conn: Arc<Conn>,
    scripts: Arc<Scripts>,
}

struct Scripts {
    connect: LuaScript,
    heartbeat: LuaScript,
    disconnect: LuaScript,
    sweep: LuaScript,
    counts: LuaScript,
}

fn micros(at: DateTime<Utc>) -> String {
    at.timestamp_micros().to_string()
}

fn deadline(now: DateTime<Utc>, ttl: Duration) -> String {
    let ttl = i64::try_from(ttl.as_micros()).unwrap_or(i64::MAX);
    now.timestamp_micros().saturating_add(ttl).to_string()
}

fn flag(reply: &Value, what: &str) -> Result<bool, InfraError> {
    match reply.as_i64() {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        _ => Err(malformed(format!("{what} reply is not 0 or 1"))),
    }
}

fn user_id(raw: Value) -> Result<UserId, InfraError> {
    let text = raw.into_string().ok_or_else(|| malformed("user id in a presence reply is not a string"))?;
    text.parse().map_err(|_| malformed(format!("presence index holds a non-UUID user: {text:?}")))
}

impl RedisPresenceStore {
    pub(crate) fn new(conn: Arc<Conn>) -> Self {
        let scripts = Scripts {
            connect: LuaScript::new(CONNECT),
            heartbeat: LuaScript::new(HEARTBEAT),
            disconnect: LuaScript::new(DISCONNECT),
            sweep: LuaScript::new(SWEEP),
            counts: LuaScript::new(COUNTS),
        };
        Self { conn, scripts: Arc::new(scripts) }
    }

    fn user_prefix(&self) -> String {
        self.conn.key("presence:user:")
    }

    fn users_key(&self) -> String {
        self.conn.key("presence:users")
    }

    fn conns_key(&self) -> String {
        self.conn.key("presence:conns")
    }

    /// The three keys every per-connection script takes.
    fn keys(&self, user: UserId) -> [String; 3] {
        [format!("{}{user}", self.user_prefix()), self.users_key(), self.conns_key()]
    }
}

#[async_trait]
impl PresenceStore for RedisPresenceStore {
    async fn connect(
        &self,
        user: UserId,
        conn: ConnectionId,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<PresenceChange, InfraError> {
        let args = vec![
            Value::from(user.to_string()),
            Value::from(conn.to_string()),
            Value::from(micros(now)),
            Value::from(deadline(now, ttl)),
        ];
        let reply = self.scripts.connect.run(&self.conn, &self.keys(user), args).await?;
        Ok(if flag(&reply, "connect")? { PresenceChange::CameOnline } else { PresenceChange::Unchanged })
    }

    async fn heartbeat(
        &self,
        user: UserId,
        conn: ConnectionId,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, InfraError> {
        let args = vec![
            Value::from(user.to_string()),
            Value::from(conn.to_string()),
            Value::from(micros(now)),
            Value::from(deadline(now, ttl)),
        ];
        let reply = self.scripts.heartbeat.run(&self.conn, &self.keys(user), args).await?;
        flag(&reply, "heartbeat")
    }

    async fn disconnect(
        &self,
        user: UserId,
        conn: ConnectionId,
        now: DateTime<Utc>,
    ) -> Result<PresenceChange, InfraError> {
        let args = vec![Value::from(user.to_string()), Value::from(conn.to_string()), Value::from(micros(now))];
        let reply = self.scripts.disconnect.run(&self.conn, &self.keys(user), args).await?;
        Ok(if flag(&reply, "disconnect")? { PresenceChange::WentOffline } else { PresenceChange::Unchanged })
    }

    async fn online(&self, users: &[UserId], now: DateTime<Utc>) -> Result<Vec<UserId>, InfraError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let members: Vec<String> = users.iter().map(ToString::to_string).collect();
        let scores: Vec<Option<f64>> = self.conn.cmd().zmscore(self.users_key(), members).await.map_err(infra)?;
        if scores.len() != users.len() {
            return Err(malformed("ZMSCORE answered for a different number of users"));
        }
        // Deadlines are integers below 2^53 microseconds, so the f64 scores are exact.
        let now = now.timestamp_micros() as f64;
        Ok(users.iter().zip(scores).filter(|(_, s)| s.is_some_and(|d| d > now)).map(|(u, _)| *u).collect())
    }

    async fn counts(&self, now: DateTime<Utc>) -> Result<(u64, u64), InfraError> {
        let keys = [self.users_key(), self.conns_key()];
        let reply = self.scripts.counts.run(&self.conn, &keys, vec![Value::from(micros(now))]).await?;
        match reply {
            Value::Array(items) if items.len() == 2 => match (items[0].as_i64(), items[1].as_i64()) {
                (Some(users), Some(conns)) => Ok((users.unsigned_abs(), conns.unsigned_abs())),
                _ => Err(malformed("non-integer presence counts")),
            },
            _ => Err(malformed("presence counts reply is not a pair")),
        }
    }

    async fn sweep(&self, now: DateTime<Utc>) -> Result<Vec<UserId>, InfraError> {
        let keys = [self.users_key(), self.conns_key()];
        let mut offline = Vec::new();
        loop {
            let args = vec![Value::from(micros(now)), Value::from(self.user_prefix()), Value::from(SWEEP_BATCH)];
            let reply = self.scripts.sweep.run(&self.conn, &keys, args).await?;
            let (looked_at, gone) = match reply {
                Value::Array(mut items) if items.len() == 2 => {
                    let gone = items.pop().unwrap_or(Value::Null);
                    (items[0].as_i64().ok_or_else(|| malformed("non-integer sweep count"))?, gone)
                }
                _ => return Err(malformed("sweep reply is not a pair")),
            };
            match gone {
                Value::Array(users) => {
                    for u in users {
                        offline.push(user_id(u)?);
                    }
                }
                Value::Null => {}
                _ => return Err(malformed("sweep reply without a user list")),
            }
            if looked_at < SWEEP_BATCH {
                return Ok(offline);
            }
        }
    }
}
