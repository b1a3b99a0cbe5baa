//! A GCRA rate limiter in Redis: one Lua script per decision, timed by the server's clock (`TIME`), so every
//! instance sharing the server agrees on limits whatever their own clocks say.

use crate::connection::Conn;
use crate::error::{infra, malformed};
use crate::script::LuaScript;
use async_trait::async_trait;
use domain::InfraError;
use domain::rate_limit::{Quota, RateDecision, RateLimiter};
use fred::prelude::{KeysInterface, Value};
use std::sync::Arc;
use std::time::Duration;

const GCRA: &str = include_str!("lua/gcra.lua");

/// [`RateLimiter`] on Redis; cheap to clone.
#[derive(Clone)]
pub struct RedisRateLimiter {
    conn: Arc<Conn>,
    script: Arc<LuaScript>,
}

impl RedisRateLimiter {
    pub(crate) fn new(conn: Arc<Conn>) -> Self {
        Self { conn, script: Arc::new(LuaScript::new(GCRA)) }
    }

    fn key(&self, key: &str) -> String {
        self.conn.key(&format!("rate:{key}"))
    }

    async fn decide(&self, key: &str, quota: Quota, consume: bool) -> Result<RateDecision, InfraError> {
        let micros = |d: Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX).max(1);
        let args = vec![
            Value::from(micros(quota.emission_interval())),
            Value::from(micros(quota.period)),
            Value::from(if consume { "1" } else { "0" }),
        ];
        let reply = self.script.run(&self.conn, &[self.key(key)], args).await?;
        let (allowed, amount) = match reply {
            Value::Array(items) if items.len() == 2 => match (items[0].as_i64(), items[1].as_i64()) {
                (Some(allowed), Some(amount)) => (allowed, amount),
                _ => return Err(malformed("non-integer GCRA reply")),
            },
            _ => return Err(malformed("GCRA reply is not a pair")),
        };
        Ok(if allowed == 1 {
            RateDecision::Allowed { remaining: u32::try_from(amount.max(0)).unwrap_or(u32::MAX) }
        } else {
            RateDecision::Limited { retry_after: Duration::from_micros(amount.max(1).unsigned_abs()) }
        })
    }
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn acquire(&self, key: &str, quota: Quota) -> Result<RateDecision, InfraError> {
        self.decide(key, quota, true).await
    }

    async fn peek(&self, key: &str, quota: Quota) -> Result<RateDecision, InfraError> {
        self.decide(key, quota, false).await
    }

    async fn reset(&self, key: &str) -> Result<(), InfraError> {
        self.conn.cmd().del::<(), _>(self.key(key)).await.map_err(infra)
    }
}
