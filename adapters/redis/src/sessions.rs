//! Sessions and rotating refresh-token families in Redis.
//!
//! Layout under the prefix: `session:{sid}` (hash, expires with the session), `session:{sid}:tokens` (every
//! token hash the family ever had), `session-token:{hash}` (token -> sid), `user-sessions:{uid}` (the user's
//! sids), `session-expiry` (sorted set "sid|uid" by expiry, unix ms). Token keys have no TTL: a rotated-away
//! token must keep naming its family for as long as that family lives, and every refresh extends that life.
//! Expired families are collected by a few at every `create` and in bulk by `purge_expired`.
//! Every state change runs in one Lua script, so concurrent callers (and instances) never interleave.
//! Times are stored as unix microseconds; finer precision is dropped.

use crate::connection::Conn;
use crate::error::{infra, malformed};
use crate::script::LuaScript;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::ids::{SessionId, UserId};
use domain::session::{Rotation, Session, SessionStore, TokenHash};
use fred::prelude::{HashesInterface, Value};
use std::collections::HashMap;
use std::sync::Arc;

const GC: &str = include_str!("lua/session_gc.lua");
const CREATE: &str = concat!(include_str!("lua/session_gc.lua"), include_str!("lua/session_create.lua"));
const PURGE: &str = concat!(include_str!("lua/session_gc.lua"), include_str!("lua/session_purge.lua"));
const ROTATE: &str = include_str!("lua/session_rotate.lua");
const REVOKE: &str = include_str!("lua/session_revoke.lua");
const REVOKE_ALL: &str = include_str!("lua/session_revoke_all.lua");
const LIST: &str = include_str!("lua/session_list.lua");

/// How many expired families one `purge_expired` round drops; rounds repeat until none are left.
const PURGE_BATCH: i64 = 500;

/// [`SessionStore`] on Redis; cheap to clone.
#[derive(Clone)]
pub struct RedisSessionStore {
    conn: Arc<Conn>,
    scripts: Arc<Scripts>,
}

struct Scripts {
    create: LuaScript,
    rotate: LuaScript,
    revoke: LuaScript,
    revoke_all: LuaScript,
    list: LuaScript,
    purge: LuaScript,
}

impl RedisSessionStore {
    pub(crate) fn new(conn: Arc<Conn>) -> Self {
        debug_assert!(CREATE.starts_with(GC) && PURGE.starts_with(GC));
        let scripts = Scripts {
            create: LuaScript::new(CREATE),
            rotate: LuaScript::new(ROTATE),
            revoke: LuaScript::new(REVOKE),
            revoke_all: LuaScript::new(REVOKE_ALL),
            list: LuaScript::new(LIST),
            purge: LuaScript::new(PURGE),
        };
        Self { conn, scripts: Arc::new(scripts) }
    }

    fn session_key(&self, id: SessionId) -> String {
        self.conn.key(&format!("session:{id}"))
    }

    fn token_key(&self, token: &TokenHash) -> String {
        self.conn.key(&format!("session-token:{}", token.to_hex()))
    }

    fn user_key(&self, user: UserId) -> String {
        self.conn.key(&format!("user-sessions:{user}"))
    }

    fn expiry_index_key(&self) -> String {
        self.conn.key("session-expiry")
    }
}

fn micros(at: DateTime<Utc>) -> String {
    at.timestamp_micros().to_string()
}

fn millis(at: DateTime<Utc>) -> String {
    at.timestamp_millis().to_string()
}

/// The hash fields of a session, as `create` writes them.
fn fields(session: &Session, token: &TokenHash) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("user", session.user_id.to_string()),
        ("created", micros(session.created_at)),
        ("used", micros(session.last_used_at)),
        ("expires", micros(session.expires_at)),
        ("gen", session.generation.to_string()),
        ("token", token.to_hex()),
    ];
    if let Some(revoked) = session.revoked_at {
        fields.push(("revoked", micros(revoked)));
    }
    if let Some(ua) = &session.user_agent {
        fields.push(("ua", ua.clone()));
    }
    if let Some(ip) = &session.ip {
        fields.push(("ip", ip.clone()));
    }
    fields
}

fn parse_time(fields: &HashMap<String, String>, name: &str) -> Result<DateTime<Utc>, InfraError> {
    let raw = fields.get(name).ok_or_else(|| malformed(format!("session without {name}")))?;
    raw.parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(|| malformed(format!("session {name} is not a time: {raw:?}")))
}

/// Rebuilds a session from its hash; `None` if the hash is empty (gone).
fn parse_session(id: SessionId, fields: &HashMap<String, String>) -> Result<Option<Session>, InfraError> {
    if fields.is_empty() {
        return Ok(None);
    }
    let user = fields.get("user").ok_or_else(|| malformed("session without user"))?;
    let user_id = user.parse().map_err(|_| malformed(format!("session user is not a UUID: {user:?}")))?;
    let generation =
        fields.get("gen").and_then(|g| g.parse().ok()).ok_or_else(|| malformed("session without a generation"))?;
    Ok(Some(Session {
        id,
        user_id,
        created_at: parse_time(fields, "created")?,
        last_used_at: parse_time(fields, "used")?,
        expires_at: parse_time(fields, "expires")?,
        revoked_at: if fields.contains_key("revoked") { Some(parse_time(fields, "revoked")?) } else { None },
        generation,
        user_agent: fields.get("ua").cloned(),
        ip: fields.get("ip").cloned(),
    }))
}

fn text(value: Value) -> Result<String, InfraError> {
    value.into_string().ok_or_else(|| malformed("expected a string in a script reply"))
}

fn array(value: Value) -> Result<Vec<Value>, InfraError> {
    match value {
        Value::Array(items) => Ok(items),
        Value::Null => Ok(Vec::new()),
        other => Err(malformed(format!("expected an array, got {:?}", other.kind()))),
    }
}

/// A flat `field, value, field, value` reply (Lua's `HGETALL`) as a map.
fn field_map(value: Value) -> Result<HashMap<String, String>, InfraError> {
    let mut items = array(value)?.into_iter();
    let mut map = HashMap::new();
    while let Some(field) = items.next() {
        let value = items.next().ok_or_else(|| malformed("odd number of hash items"))?;
        map.insert(text(field)?, text(value)?);
    }
    Ok(map)
}

fn session_from_reply(sid: Value, fields: Value) -> Result<Session, InfraError> {
    let sid = text(sid)?;
    let id = sid.parse().map_err(|_| malformed(format!("session id is not a UUID: {sid:?}")))?;
    parse_session(id, &field_map(fields)?)?.ok_or_else(|| malformed("script returned an empty session"))
}

fn integer(value: Value) -> Result<i64, InfraError> {
    value.as_i64().ok_or_else(|| malformed(format!("expected an integer, got {:?}", value.kind())))
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, session: &Session, token: &TokenHash) -> Result<(), InfraError> {
        let keys = [
            self.session_key(session.id),
            format!("{}:tokens", self.session_key(session.id)),
            self.token_key(token),
            self.user_key(session.user_id),
            self.expiry_index_key(),
        ];
        let mut args = vec![
            Value::from(self.conn.prefix()),
            Value::from(session.id.to_string()),
            Value::from(token.to_hex()),
            Value::from(millis(session.expires_at)),
            Value::from(format!("{}|{}", session.id, session.user_id)),
        ];
        for (field, value) in fields(session, token) {
            args.push(Value::from(field));
            args.push(Value::from(value));
        }
        self.scripts.create.run(&self.conn, &keys, args).await.map(drop)
    }

    async fn rotate(
        &self,
        presented: &TokenHash,
        next: &TokenHash,
        now: DateTime<Utc>,
        new_expiry: DateTime<Utc>,
    ) -> Result<Rotation, InfraError> {
        let keys = [self.token_key(presented), self.token_key(next)];
        let args = vec![
            Value::from(self.conn.prefix()),
            Value::from(presented.to_hex()),
            Value::from(next.to_hex()),
            Value::from(micros(now)),
            Value::from(micros(new_expiry)),
            Value::from(millis(new_expiry)),
        ];
        let reply = self.scripts.rotate.run(&self.conn, &keys, args).await?;
        let mut items = array(reply)?.into_iter();
        let status = text(items.next().ok_or_else(|| malformed("empty rotation reply"))?)?;
        let mut session = || -> Result<Session, InfraError> {
            match (items.next(), items.next()) {
                (Some(sid), Some(fields)) => session_from_reply(sid, fields),
                _ => Err(malformed("rotation reply without a session")),
            }
        };
        Ok(match status.as_str() {
            "rotated" => Rotation::Rotated(session()?),
            "reused" => Rotation::Reused(session()?),
            "revoked" => Rotation::Revoked,
            "expired" => Rotation::Expired,
            "unknown" => Rotation::Unknown,
            other => return Err(malformed(format!("unknown rotation status {other:?}"))),
        })
    }

    async fn get(&self, id: SessionId) -> Result<Option<Session>, InfraError> {
        let fields: HashMap<String, String> = self.conn.cmd().hgetall(self.session_key(id)).await.map_err(infra)?;
        parse_session(id, &fields)
    }

    async fn revoke(&self, id: SessionId, now: DateTime<Utc>) -> Result<bool, InfraError> {
        let reply =
            self.scripts.revoke.run(&self.conn, &[self.session_key(id)], vec![Value::from(micros(now))]).await?;
        Ok(integer(reply)? == 1)
    }

    async fn revoke_all_for_user(
        &self,
        user: UserId,
        except: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<u64, InfraError> {
        let args = vec![
            Value::from(self.conn.prefix()),
            Value::from(except.map(|id| id.to_string()).unwrap_or_default()),
            Value::from(micros(now)),
        ];
        let reply = self.scripts.revoke_all.run(&self.conn, &[self.user_key(user)], args).await?;
        u64::try_from(integer(reply)?).map_err(|_| malformed("negative revocation count"))
    }

    async fn list_for_user(&self, user: UserId, now: DateTime<Utc>) -> Result<Vec<Session>, InfraError> {
        let reply =
            self.scripts.list.run(&self.conn, &[self.user_key(user)], vec![Value::from(self.conn.prefix())]).await?;
        let mut items = array(reply)?.into_iter();
        let mut sessions = Vec::new();
        while let (Some(sid), Some(fields)) = (items.next(), items.next()) {
            let session = session_from_reply(sid, fields)?;
            if session.is_live(now) {
                sessions.push(session);
            }
        }
        sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(sessions)
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, InfraError> {
        let keys = [self.expiry_index_key()];
        let mut total = 0u64;
        loop {
            let args = vec![Value::from(self.conn.prefix()), Value::from(millis(now)), Value::from(PURGE_BATCH)];
            let dropped = integer(self.scripts.purge.run(&self.conn, &keys, args).await?)?;
            total += u64::try_from(dropped).map_err(|_| malformed("negative purge count"))?;
            if dropped < PURGE_BATCH {
                return Ok(total);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Session {
        let t = DateTime::from_timestamp_micros(1_800_000_000_123_456).expect("valid time");
        Session {
            id: SessionId::new(),
            user_id: UserId::new(),
            created_at: t,
            last_used_at: t,
            expires_at: t + chrono::Duration::hours(1),
            revoked_at: None,
            generation: 3,
            user_agent: Some("Mozilla/5.0 \"引号\"".into()),
            ip: None,
        }
    }

    #[test]
    fn fields_round_trip() {
        let session = sample();
        let map: HashMap<String, String> =
            fields(&session, &TokenHash([7; 32])).into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        assert_eq!(parse_session(session.id, &map).expect("parses"), Some(session));
    }

    #[test]
    fn empty_hash_is_none_and_garbage_is_unexpected() {
        assert_eq!(parse_session(SessionId::new(), &HashMap::new()).expect("empty is fine"), None);
        let mut map: HashMap<String, String> =
            fields(&sample(), &TokenHash([1; 32])).into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        map.insert("created".into(), "yesterday".into());
        assert!(matches!(parse_session(SessionId::new(), &map), Err(InfraError::Unexpected { .. })));
    }
}
