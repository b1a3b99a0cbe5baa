//! `direct_conversations` (one row per participant, so "my direct conversations" is one index range) and
//! `read_states` (last read seq per user and conversation, moved forward by an atomic max upsert).

use super::dialect::Dialect;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum DirectConversations {
    Table,
    UserId,
    Conversation,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReadStates {
    Table,
    UserId,
    Conversation,
    LastReadSeq,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager).await?;
        manager
            .create_table(
                d.create_table(DirectConversations::Table)
                    .col(ColumnDef::new(DirectConversations::UserId).uuid().not_null())
                    .col(ColumnDef::new(DirectConversations::Conversation).string_len(80).not_null())
                    .col(d.timestamp(DirectConversations::CreatedAt).not_null())
                    .primary_key(
                        Index::create().col(DirectConversations::UserId).col(DirectConversations::Conversation),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                d.create_table(ReadStates::Table)
                    .col(ColumnDef::new(ReadStates::UserId).uuid().not_null())
                    .col(ColumnDef::new(ReadStates::Conversation).string_len(80).not_null())
                    .col(ColumnDef::new(ReadStates::LastReadSeq).big_integer().not_null())
                    .primary_key(Index::create().col(ReadStates::UserId).col(ReadStates::Conversation))
                    .to_owned(),
            )
            .await
    }
}
