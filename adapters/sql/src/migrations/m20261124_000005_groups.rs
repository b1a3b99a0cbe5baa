//! `groups` and `group_members`: a group row (locked while a member is added, so the member limit holds
//! under concurrent adds) and one row per membership, keyed by (group, user) and indexed by user for
//! "my groups". Memberships go with their group (`ON DELETE CASCADE`).

use super::dialect::{Dialect, create_index};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    Name,
    Owner,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    GroupId,
    UserId,
    Role,
    JoinedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager).await?;
        manager
            .create_table(
                d.create_table(Groups::Table)
                    .col(ColumnDef::new(Groups::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Groups::Name).string_len(64).not_null())
                    .col(ColumnDef::new(Groups::Owner).uuid().not_null())
                    .col(d.timestamp(Groups::CreatedAt).not_null())
                    .col(d.timestamp(Groups::UpdatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                d.create_table(GroupMembers::Table)
                    .col(ColumnDef::new(GroupMembers::GroupId).uuid().not_null())
                    .col(ColumnDef::new(GroupMembers::UserId).uuid().not_null())
                    .col(ColumnDef::new(GroupMembers::Role).string_len(16).not_null())
                    .col(d.timestamp(GroupMembers::JoinedAt).not_null())
                    .primary_key(Index::create().col(GroupMembers::GroupId).col(GroupMembers::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_members_group")
                            .from(GroupMembers::Table, GroupMembers::GroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "group_members",
            "idx_group_members_user",
            Index::create().col(GroupMembers::UserId).to_owned(),
        )
        .await
    }
}
