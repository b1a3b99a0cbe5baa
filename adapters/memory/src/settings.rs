//! Settings rows in a map.

use async_trait::async_trait;
use domain::InfraError;
use domain::settings::{SettingsStore, StoredSetting};
use std::collections::HashMap;
use std::sync::Mutex;

/// Settings kept in process memory.
#[derive(Debug, Default)]
pub struct MemorySettingsStore {
    rows: Mutex<HashMap<String, StoredSetting>>,
}

#[async_trait]
impl SettingsStore for MemorySettingsStore {
    async fn load_all(&self) -> Result<Vec<StoredSetting>, InfraError> {
        Ok(crate::locked(&self.rows).values().cloned().collect())
    }

    async fn put(&self, setting: &StoredSetting) -> Result<(), InfraError> {
        crate::locked(&self.rows).insert(setting.key.clone(), setting.clone());
        Ok(())
    }

    async fn put_many(&self, settings: &[StoredSetting]) -> Result<(), InfraError> {
        let mut rows = crate::locked(&self.rows);
        for setting in settings {
            rows.insert(setting.key.clone(), setting.clone());
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), InfraError> {
        crate::locked(&self.rows).remove(key);
        Ok(())
    }
}
