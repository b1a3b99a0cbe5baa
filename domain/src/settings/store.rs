//! The settings store port: raw persistence of setting rows, validation stays in the domain.

use crate::error::InfraError;
use crate::ids::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// One persisted setting as the store keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredSetting {
    /// The setting's dotted name.
    pub key: String,
    /// The JSON value, already validated by [`super::SettingKey::parse`].
    pub value: Value,
    /// When it was last written.
    pub updated_at: DateTime<Utc>,
    /// Who wrote it; `None` for system writes.
    pub updated_by: Option<UserId>,
}

/// Persistence for settings rows.
///
/// Contract (checked by `adapter_contracts::settings`):
/// - `load_all` MUST return every stored row exactly as last `put`, including keys the domain no longer
///   knows (callers ignore those), and an empty list for an empty store.
/// - `put` MUST insert or replace the row for `setting.key` atomically: a concurrent `load_all` sees the
///   old row or the new one, never neither. Values round-trip unchanged (unicode included).
/// - `put_many` MUST write all rows or none (one transaction), so a form that changes several settings
///   never leaves half of them applied.
/// - `delete` MUST remove the row; deleting an absent key is not an error.
/// - Every method MUST return `InfraError::Unavailable` when the backend cannot be reached.
/// - `updated_at` round-trips to the microsecond (MariaDB keeps `DATETIME(6)`); finer precision may be dropped.
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// All stored rows, in no particular order.
    async fn load_all(&self) -> Result<Vec<StoredSetting>, InfraError>;
    /// Inserts or replaces one row.
    async fn put(&self, setting: &StoredSetting) -> Result<(), InfraError>;
    /// Inserts or replaces several rows, all or nothing.
    async fn put_many(&self, settings: &[StoredSetting]) -> Result<(), InfraError>;
    /// Removes one row so the key falls back to its default.
    async fn delete(&self, key: &str) -> Result<(), InfraError>;
}
