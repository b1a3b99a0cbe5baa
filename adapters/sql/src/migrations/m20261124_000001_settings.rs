//! `settings`: one row per operator-changed setting; absent keys fall back to their defaults.

use super::dialect::Dialect;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
    UpdatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager).await?;
        manager
            .create_table(
                d.create_table(Settings::Table)
                    .col(ColumnDef::new(Settings::Key).string_len(191).not_null().primary_key())
                    .col(ColumnDef::new(Settings::Value).json().not_null())
                    .col(d.timestamp(Settings::UpdatedAt).not_null())
                    .col(ColumnDef::new(Settings::UpdatedBy).uuid().null())
                    .to_owned(),
            )
            .await
    }
}
