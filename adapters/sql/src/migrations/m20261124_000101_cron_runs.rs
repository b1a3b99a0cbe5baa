//! `cron_runs`: the scheduler's run history. One row per slot `(task, fire_time, attempt)`, enforced by a
//! unique index, which is what makes a skipped tick recorded once however many instances report it. The
//! other indexes serve the history filters, the dead-instance sweep and retention.

use super::dialect::{Dialect, create_index};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum CronRuns {
    Table,
    Id,
    Task,
    FireTime,
    TriggerKind,
    Attempt,
    Instance,
    Fencing,
    Status,
    StartedAt,
    FinishedAt,
    DurationMs,
    Error,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager).await?;
        manager
            .create_table(
                d.create_table(CronRuns::Table)
                    .col(ColumnDef::new(CronRuns::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(CronRuns::Task).string_len(64).not_null())
                    .col(d.timestamp(CronRuns::FireTime).not_null())
                    .col(ColumnDef::new(CronRuns::TriggerKind).string_len(16).not_null())
                    .col(ColumnDef::new(CronRuns::Attempt).integer().not_null())
                    .col(ColumnDef::new(CronRuns::Instance).string_len(191).not_null())
                    .col(ColumnDef::new(CronRuns::Fencing).big_integer().not_null())
                    .col(ColumnDef::new(CronRuns::Status).string_len(16).not_null())
                    .col(d.timestamp(CronRuns::StartedAt).not_null())
                    .col(d.timestamp(CronRuns::FinishedAt).null())
                    .col(ColumnDef::new(CronRuns::DurationMs).big_integer().null())
                    .col(ColumnDef::new(CronRuns::Error).text().null())
                    .to_owned(),
            )
            .await?;
        let t = "cron_runs";
        create_index(
            manager,
            t,
            "uq_cron_runs_slot",
            Index::create().col(CronRuns::Task).col(CronRuns::FireTime).col(CronRuns::Attempt).unique().to_owned(),
        )
        .await?;
        create_index(manager, t, "idx_cron_runs_fire", Index::create().col(CronRuns::FireTime).to_owned()).await?;
        create_index(
            manager,
            t,
            "idx_cron_runs_instance_status",
            Index::create().col(CronRuns::Instance).col(CronRuns::Status).to_owned(),
        )
        .await?;
        create_index(
            manager,
            t,
            "idx_cron_runs_status_fire",
            Index::create().col(CronRuns::Status).col(CronRuns::FireTime).to_owned(),
        )
        .await
    }
}
