//! `SettingsStore` over SQL: an upsert per `put`, so concurrent readers see the old row or the new one.

use super::entity::{self, Column, Entity};
use crate::error::infra;
use crate::retry::retrying;
use crate::time::to_micros;
use async_trait::async_trait;
use domain::InfraError;
use domain::ids::UserId;
use domain::settings::{SettingsStore, StoredSetting};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};

/// Settings kept in the `settings` table.
#[derive(Clone, Debug)]
pub struct SqlSettingsStore {
    db: DatabaseConnection,
}

impl SqlSettingsStore {
    /// Uses `db`, which must have been migrated.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn from_row(row: entity::Model) -> StoredSetting {
    StoredSetting { key: row.key, value: row.value, updated_at: row.updated_at, updated_by: row.updated_by.map(UserId) }
}

#[async_trait]
impl SettingsStore for SqlSettingsStore {
    async fn load_all(&self) -> Result<Vec<StoredSetting>, InfraError> {
        let rows = Entity::find().all(&self.db).await.map_err(infra)?;
        Ok(rows.into_iter().map(from_row).collect())
    }

    async fn put(&self, setting: &StoredSetting) -> Result<(), InfraError> {
        let row = entity::ActiveModel {
            key: Set(setting.key.clone()),
            value: Set(setting.value.clone()),
            updated_at: Set(to_micros(setting.updated_at)),
            updated_by: Set(setting.updated_by.map(|id| id.as_uuid())),
        };
        let upsert = OnConflict::column(Column::Key)
            .update_columns([Column::Value, Column::UpdatedAt, Column::UpdatedBy])
            .to_owned();
        retrying(|| Entity::insert(row.clone()).on_conflict(upsert.clone()).exec_without_returning(&self.db))
            .await
            .map_err(infra)?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), InfraError> {
        retrying(|| Entity::delete_by_id(key.to_owned()).exec(&self.db)).await.map_err(infra)?;
        Ok(())
    }
}
