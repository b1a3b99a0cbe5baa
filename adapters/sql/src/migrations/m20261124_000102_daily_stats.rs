//! `daily_stats`: one row per UTC day, written by the roll-up task, read by the dashboard's charts.

use super::dialect::Dialect;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum DailyStats {
    Table,
    Day,
    UsersTotal,
    UsersNew,
    UsersActive,
    UsersDeleted,
    ComputedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager).await?;
        manager
            .create_table(
                d.create_table(DailyStats::Table)
                    .col(ColumnDef::new(DailyStats::Day).date().not_null().primary_key())
                    .col(ColumnDef::new(DailyStats::UsersTotal).big_integer().not_null())
                    .col(ColumnDef::new(DailyStats::UsersNew).big_integer().not_null())
                    .col(ColumnDef::new(DailyStats::UsersActive).big_integer().not_null())
                    .col(ColumnDef::new(DailyStats::UsersDeleted).big_integer().not_null())
                    .col(d.timestamp(DailyStats::ComputedAt).not_null())
                    .to_owned(),
            )
            .await
    }
}
