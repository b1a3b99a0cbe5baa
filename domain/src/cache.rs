//! A byte cache with expiry, for values that are expensive to compute and fine to serve slightly stale.

use crate::error::InfraError;
use async_trait::async_trait;
use std::time::Duration;

/// Key/value cache.
///
/// Contract (checked by `adapter_contracts::cache`):
/// - `get` after `set` MUST return the value until `ttl` passes, then `None`.
/// - `delete` MUST make `get` return `None`; deleting an absent key is not an error.
/// - Values are opaque bytes and round-trip unchanged.
#[async_trait]
pub trait Cache: Send + Sync {
    /// The value, if present and not expired.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, InfraError>;
    /// Stores a value for `ttl`.
    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), InfraError>;
    /// Removes a value.
    async fn delete(&self, key: &str) -> Result<(), InfraError>;
}
