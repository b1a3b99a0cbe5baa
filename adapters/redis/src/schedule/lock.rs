//! `DistributedLock` on Redis: `SET NX PX` with a unique token, `INCR` of the scope's counter for the
//! fencing token (in the same script, so a token is handed out exactly when the lock is taken), extension
//! and compare-and-delete release by script. Leases are timed by the Redis server's clock.

use crate::connection::Conn;
use crate::error::malformed;
use crate::script::LuaScript;
use async_trait::async_trait;
use domain::InfraError;
use domain::schedule::{DistributedLock, LockGuard, LockKey};
use fred::prelude::Value;
use std::sync::Arc;
use std::time::Duration;

const ACQUIRE: &str = include_str!("../lua/lock_acquire.lua");
const EXTEND: &str = include_str!("../lua/lock_extend.lua");
const RELEASE: &str = include_str!("../lua/lock_release.lua");

/// [`DistributedLock`] on Redis; cheap to clone.
#[derive(Clone)]
pub struct RedisLock {
    conn: Arc<Conn>,
    scripts: Arc<[LuaScript; 3]>,
}

impl RedisLock {
    pub(crate) fn new(conn: Arc<Conn>) -> Self {
        Self { conn, scripts: Arc::new([LuaScript::new(ACQUIRE), LuaScript::new(EXTEND), LuaScript::new(RELEASE)]) }
    }

    fn key(&self, key: &LockKey) -> String {
        self.conn.key(&format!("lock:{}:{}", key.scope(), key.slot()))
    }

    fn fence_key(&self, key: &LockKey) -> String {
        self.conn.key(&format!("lock-fence:{}", key.scope()))
    }
}

/// Whole milliseconds, at least one.
fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX).max(1)
}

fn integer(reply: Value, what: &str) -> Result<i64, InfraError> {
    reply.as_i64().ok_or_else(|| malformed(format!("{what} reply is not an integer")))
}

#[async_trait]
impl DistributedLock for RedisLock {
    async fn acquire(&self, key: &LockKey, lease: Duration) -> Result<Option<LockGuard>, InfraError> {
        let token = uuid::Uuid::now_v7().simple().to_string();
        let keys = [self.key(key), self.fence_key(key)];
        let args = vec![Value::from(token.as_str()), Value::from(millis(lease))];
        let fencing = integer(self.scripts[0].run(&self.conn, &keys, args).await?, "lock acquire")?;
        Ok((fencing > 0).then(|| LockGuard { key: key.clone(), token, fencing: fencing.unsigned_abs() }))
    }

    async fn extend(&self, guard: &LockGuard, lease: Duration) -> Result<bool, InfraError> {
        let args = vec![Value::from(guard.token.as_str()), Value::from(millis(lease))];
        Ok(integer(self.scripts[1].run(&self.conn, &[self.key(&guard.key)], args).await?, "lock extend")? == 1)
    }

    async fn release(&self, guard: &LockGuard) -> Result<bool, InfraError> {
        let args = vec![Value::from(guard.token.as_str())];
        Ok(integer(self.scripts[2].run(&self.conn, &[self.key(&guard.key)], args).await?, "lock release")? == 1)
    }
}
