//! Test support for anything that needs a real Redis (this crate's tests, end-to-end tests): a backend on the
//! server named by `EXCHANGE_TEST_REDIS_URL` under a key prefix of its own, and removal of every key under
//! that prefix when the last value using it is dropped. Tests run in parallel on one shared server, so they
//! never touch another prefix and never flush anything.
//!
//! An unreachable server is a test failure with a message saying what to set, never a silent pass. These
//! helpers panic for that reason; they are for tests only (feature `testing`).

use crate::backend::{RedisBackend, connect};
use crate::connection::RedisOptions;
use crate::error::infra;
use domain::InfraError;
use fred::prelude::{ClientLike, KeysInterface, Value};
use fred::types::{ClusterHash, CustomCommand};
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

/// Environment variable naming the test server.
pub const URL_ENV: &str = "EXCHANGE_TEST_REDIS_URL";
/// Where tests look when the variable is unset.
pub const DEFAULT_URL: &str = "redis://127.0.0.1:6379";

/// The test server's URL.
pub fn url() -> String {
    std::env::var(URL_ENV).ok().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| DEFAULT_URL.to_owned())
}

/// A prefix no other test uses.
pub fn unique_prefix() -> String {
    format!("exchange-test:{}:", uuid::Uuid::now_v7().simple())
}

/// Options for the test server with `prefix`, small pool and short timeouts so failures show quickly.
pub fn options(prefix: &str) -> RedisOptions {
    let url = url();
    let mut options =
        RedisOptions::from_url(&url).unwrap_or_else(|e| panic!("{URL_ENV}={url:?} is not a usable Redis URL: {e}"));
    options.key_prefix = prefix.to_owned();
    options.pool_size = 2;
    options.connect_timeout = Duration::from_secs(3);
    options.command_timeout = Duration::from_secs(3);
    options
}

/// Connects with `options` or fails the test saying which server was expected.
pub async fn connect_or_fail(options: &RedisOptions) -> RedisBackend {
    match connect(options).await {
        Ok(backend) => backend,
        Err(e) => panic!(
            "these tests need a Redis server at {} (set {URL_ENV} to use another one): {e} ({:?})",
            url(),
            std::error::Error::source(&e)
        ),
    }
}

/// One test's corner of the shared server: a backend under a fresh prefix, cleaned up when done.
pub struct TestRedis {
    backend: RedisBackend,
    cleanup: Arc<Cleanup>,
}

impl TestRedis {
    /// Connects under a fresh prefix; fails the test if the server is unreachable.
    pub async fn start() -> Self {
        let options = options(&unique_prefix());
        let backend = connect_or_fail(&options).await;
        Self { backend, cleanup: Arc::new(Cleanup { options }) }
    }

    /// The backend under this test's prefix.
    pub fn backend(&self) -> &RedisBackend {
        &self.backend
    }

    /// The options used, prefix included (to build more instances or a deliberately broken one).
    pub fn options(&self) -> &RedisOptions {
        &self.cleanup.options
    }

    /// A second, independent backend (its own connections) on the same prefix: another "instance".
    pub async fn another_instance(&self) -> RedisBackend {
        connect_or_fail(&self.cleanup.options).await
    }

    /// Wraps `value` so that the prefix is cleaned only after it (and every other wrapped value) is dropped.
    pub fn scoped<T>(&self, value: T) -> Scoped<T> {
        Scoped { value, _cleanup: self.cleanup.clone() }
    }
}

/// A value that keeps its test's Redis prefix alive; derefs to the value.
pub struct Scoped<T> {
    value: T,
    _cleanup: Arc<Cleanup>,
}

impl<T> Deref for Scoped<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// Deletes every key under the prefix when dropped, on a thread of its own (Drop cannot await, and the test's
/// runtime may be single-threaded).
struct Cleanup {
    options: RedisOptions,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let options = self.options.clone();
        let outcome = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let backend = connect(&options).await.map_err(|e| e.to_string())?;
                let deleted = delete_prefix(&backend).await.map_err(|e| e.to_string());
                backend.shutdown().await;
                deleted
            })
        })
        .join();
        if !matches!(outcome, Ok(Ok(_))) {
            eprintln!("warning: could not delete Redis keys under {:?}: {outcome:?}", self.options.key_prefix);
        }
    }
}

/// Escapes glob characters so `SCAN MATCH` treats the prefix literally.
fn glob_literal(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('*');
    out
}

/// Every key under the backend's prefix (SCAN, so the server never blocks on it); lets tests check what an
/// adapter left behind.
pub async fn keys_under_prefix(backend: &RedisBackend) -> Result<Vec<String>, InfraError> {
    let conn = backend.conn();
    let pattern = glob_literal(conn.prefix());
    let scan = CustomCommand::new_static("SCAN", ClusterHash::Random, false);
    let mut cursor = "0".to_owned();
    let mut found = Vec::new();
    loop {
        let args = vec![
            Value::from(cursor.as_str()),
            Value::from("MATCH"),
            Value::from(pattern.as_str()),
            Value::from("COUNT"),
            Value::from(1000),
        ];
        let (next, keys): (String, Vec<String>) = conn.cmd().custom(scan.clone(), args).await.map_err(infra)?;
        found.extend(keys);
        if next == "0" {
            return Ok(found);
        }
        cursor = next;
    }
}

/// Deletes every key under the backend's prefix; returns how many. Never point it at a prefix that real data
/// lives under.
pub async fn delete_prefix(backend: &RedisBackend) -> Result<u64, InfraError> {
    let mut deleted = 0u64;
    for chunk in keys_under_prefix(backend).await?.chunks(500) {
        let count: i64 = backend.conn().cmd().del(chunk.to_vec()).await.map_err(infra)?;
        deleted += count.unsigned_abs();
    }
    Ok(deleted)
}

/// How many connections subscribe the bus channel of `topic` on the server (`PUBSUB NUMSUB`); lets tests
/// check that channels are released.
pub async fn bus_subscribers(backend: &RedisBackend, topic: &str) -> Result<i64, InfraError> {
    let channel = backend.conn().key(&format!("bus:{topic}"));
    let numsub = CustomCommand::new_static("PUBSUB", ClusterHash::Random, false);
    let args = vec![Value::from("NUMSUB"), Value::from(channel)];
    let (_, count): (String, i64) = backend.conn().cmd().custom(numsub, args).await.map_err(infra)?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(glob_literal("exchange:"), "exchange:*");
        assert_eq!(glob_literal("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\*");
    }
}
