//! The byte cache in Redis: plain `SET .. PX` / `GET` / `DEL` under `cache:` in the prefix.

use crate::connection::Conn;
use crate::error::infra;
use async_trait::async_trait;
use domain::InfraError;
use domain::cache::Cache;
use fred::bytes::Bytes;
use fred::prelude::{Expiration, KeysInterface, Value};
use std::sync::Arc;
use std::time::Duration;

/// [`Cache`] on Redis; cheap to clone.
#[derive(Clone)]
pub struct RedisCache {
    conn: Arc<Conn>,
}

impl RedisCache {
    pub(crate) fn new(conn: Arc<Conn>) -> Self {
        Self { conn }
    }

    fn key(&self, key: &str) -> String {
        self.conn.key(&format!("cache:{key}"))
    }
}

/// Whole milliseconds, rounded up so a sub-millisecond TTL still stores the value briefly instead of failing.
fn ttl_millis(ttl: Duration) -> i64 {
    let nanos = ttl.as_nanos();
    i64::try_from(nanos.div_ceil(1_000_000)).unwrap_or(i64::MAX).max(1)
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, InfraError> {
        let value: Option<Bytes> = self.conn.cmd().get(self.key(key)).await.map_err(infra)?;
        Ok(value.map(|bytes| bytes.to_vec()))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), InfraError> {
        let value = Value::Bytes(Bytes::copy_from_slice(value));
        let expiry = Some(Expiration::PX(ttl_millis(ttl)));
        self.conn.cmd().set::<(), _, _>(self.key(key), value, expiry, None, false).await.map_err(infra)
    }

    async fn delete(&self, key: &str) -> Result<(), InfraError> {
        self.conn.cmd().del::<(), _>(self.key(key)).await.map_err(infra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_rounds_up_to_a_millisecond() {
        assert_eq!(ttl_millis(Duration::from_micros(1)), 1);
        assert_eq!(ttl_millis(Duration::ZERO), 1);
        assert_eq!(ttl_millis(Duration::from_micros(1500)), 2);
        assert_eq!(ttl_millis(Duration::from_secs(3)), 3000);
    }
}
