//! `users`: accounts with soft delete. `username_key` (lower-cased) and `email` (normalized) are unique
//! across deleted rows too, so a soft-deleted user's names stay reserved until it is purged. The indexes
//! cover every filter and sort of the admin list and the super-admin check.

use super::dialect::{Dialect, create_index};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    UsernameKey,
    Email,
    PasswordHash,
    Role,
    Status,
    Locale,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
    DeletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager).await?;
        manager
            .create_table(
                d.create_table(Users::Table)
                    .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Users::Username).string_len(64).not_null())
                    .col(ColumnDef::new(Users::UsernameKey).string_len(64).not_null())
                    .col(ColumnDef::new(Users::Email).string_len(254).not_null())
                    .col(ColumnDef::new(Users::PasswordHash).text().not_null())
                    .col(ColumnDef::new(Users::Role).string_len(16).not_null())
                    .col(ColumnDef::new(Users::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Users::Locale).string_len(16).not_null())
                    .col(d.timestamp(Users::CreatedAt).not_null())
                    .col(d.timestamp(Users::UpdatedAt).not_null())
                    .col(d.timestamp(Users::LastLoginAt).null())
                    .col(d.timestamp(Users::DeletedAt).null())
                    .to_owned(),
            )
            .await?;
        let t = "users";
        create_index(manager, t, "uq_users_username_key", Index::create().col(Users::UsernameKey).unique().to_owned())
            .await?;
        create_index(manager, t, "uq_users_email", Index::create().col(Users::Email).unique().to_owned()).await?;
        create_index(
            manager,
            t,
            "idx_users_deleted_created",
            Index::create().col(Users::DeletedAt).col(Users::CreatedAt).to_owned(),
        )
        .await?;
        create_index(manager, t, "idx_users_role", Index::create().col(Users::Role).to_owned()).await?;
        create_index(manager, t, "idx_users_status", Index::create().col(Users::Status).to_owned()).await?;
        create_index(manager, t, "idx_users_last_login", Index::create().col(Users::LastLoginAt).to_owned()).await
    }
}
