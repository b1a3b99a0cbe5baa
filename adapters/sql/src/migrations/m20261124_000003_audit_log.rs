//! `audit_log`: append-only record of admin writes, listed newest first with optional filters; one index
//! per filter, each ending in `at` so the filtered list is read in order.

use super::dialect::{Dialect, create_index};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    ActorName,
    Action,
    Target,
    Before,
    After,
    RequestId,
    Ip,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager).await?;
        manager
            .create_table(
                d.create_table(AuditLog::Table)
                    .col(ColumnDef::new(AuditLog::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(AuditLog::ActorId).uuid().null())
                    .col(ColumnDef::new(AuditLog::ActorName).string_len(191).not_null())
                    .col(ColumnDef::new(AuditLog::Action).string_len(191).not_null())
                    .col(ColumnDef::new(AuditLog::Target).string_len(255).not_null())
                    .col(ColumnDef::new(AuditLog::Before).json().null())
                    .col(ColumnDef::new(AuditLog::After).json().null())
                    .col(ColumnDef::new(AuditLog::RequestId).string_len(191).null())
                    .col(ColumnDef::new(AuditLog::Ip).string_len(64).null())
                    .col(d.timestamp(AuditLog::At).not_null())
                    .to_owned(),
            )
            .await?;
        let t = "audit_log";
        create_index(manager, t, "idx_audit_log_at", Index::create().col(AuditLog::At).to_owned()).await?;
        create_index(
            manager,
            t,
            "idx_audit_log_actor_at",
            Index::create().col(AuditLog::ActorId).col(AuditLog::At).to_owned(),
        )
        .await?;
        create_index(
            manager,
            t,
            "idx_audit_log_action_at",
            Index::create().col(AuditLog::Action).col(AuditLog::At).to_owned(),
        )
        .await?;
        create_index(
            manager,
            t,
            "idx_audit_log_target_at",
            Index::create().col(AuditLog::Target).col(AuditLog::At).to_owned(),
        )
        .await
    }
}
