//! `SettingsStore` over SQL: an upsert per `put`, so concurrent readers see the old row or the new one, and
//! one multi-row upsert per `put_many`, so a batch is applied whole or not at all.

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

fn to_active(setting: &StoredSetting) -> entity::ActiveModel {
    entity::ActiveModel {
        key: Set(setting.key.clone()),
        value: Set(setting.value.clone()),
        updated_at: Set(to_micros(setting.updated_at)),
        updated_by: Set(setting.updated_by.map(|id| id.as_uuid())),
    }
}

/// On a key collision, take every column from the row being written.
fn upsert() -> OnConflict {
    OnConflict::column(Column::Key).update_columns([Column::Value, Column::UpdatedAt, Column::UpdatedBy]).to_owned()
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
        let row = to_active(setting);
        retrying(|| Entity::insert(row.clone()).on_conflict(upsert()).exec_without_returning(&self.db))
            .await
            .map_err(infra)?;
        Ok(())
    }

    async fn put_many(&self, settings: &[StoredSetting]) -> Result<(), InfraError> {
        if settings.is_empty() {
            return Ok(());
        }
        let rows: Vec<entity::ActiveModel> = settings.iter().map(to_active).collect();
        // One statement: both engines apply a single INSERT … ON CONFLICT/DUPLICATE KEY atomically.
        retrying(|| Entity::insert_many(rows.clone()).on_conflict(upsert()).exec_without_returning(&self.db))
            .await
            .map_err(infra)?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), InfraError> {
        retrying(|| Entity::delete_by_id(key.to_owned()).exec(&self.db)).await.map_err(infra)?;
        Ok(())
    }
}
