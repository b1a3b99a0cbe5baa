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
        Ok(self.rows.lock().expect("settings map poisoned").values().cloned().collect())
    }

    async fn put(&self, setting: &StoredSetting) -> Result<(), InfraError> {
        self.rows.lock().expect("settings map poisoned").insert(setting.key.clone(), setting.clone());
        Ok(())
    }

    async fn put_many(&self, settings: &[StoredSetting]) -> Result<(), InfraError> {
        let mut rows = self.rows.lock().expect("settings map poisoned");
        for setting in settings {
            rows.insert(setting.key.clone(), setting.clone());
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), InfraError> {
        self.rows.lock().expect("settings map poisoned").remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    adapter_contracts::settings_suite!(async { Arc::new(MemorySettingsStore::default()) });
}
