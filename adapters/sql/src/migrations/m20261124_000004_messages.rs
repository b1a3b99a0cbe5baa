//! `messages`: every chat message, one row each. `(conversation, seq)` is unique (it also serves history
//! paging in both directions and `max_seq`/`latest`), `(conversation, client_id)` is unique for retried
//! sends (NULL client ids, i.e. system messages, never collide: both engines treat NULLs as distinct in a
//! unique index), and `created_at` is indexed for the "messages today" statistic. Bodies are JSON.

use super::dialect::{Dialect, create_index};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    Conversation,
    Seq,
    Sender,
    ClientId,
    Kind,
    Body,
    CreatedAt,
    EditedAt,
    RecalledAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager).await?;
        manager
            .create_table(
                d.create_table(Messages::Table)
                    .col(ColumnDef::new(Messages::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Messages::Conversation).string_len(80).not_null())
                    .col(ColumnDef::new(Messages::Seq).big_integer().not_null())
                    .col(ColumnDef::new(Messages::Sender).uuid().null())
                    .col(ColumnDef::new(Messages::ClientId).string_len(64).null())
                    .col(ColumnDef::new(Messages::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Messages::Body).json().not_null())
                    .col(d.timestamp(Messages::CreatedAt).not_null())
                    .col(d.timestamp(Messages::EditedAt).null())
                    .col(d.timestamp(Messages::RecalledAt).null())
                    .to_owned(),
            )
            .await?;
        let t = "messages";
        create_index(
            manager,
            t,
            "uq_messages_conversation_seq",
            Index::create().col(Messages::Conversation).col(Messages::Seq).unique().to_owned(),
        )
        .await?;
        create_index(
            manager,
            t,
            "uq_messages_conversation_client",
            Index::create().col(Messages::Conversation).col(Messages::ClientId).unique().to_owned(),
        )
        .await?;
        create_index(manager, t, "idx_messages_created_at", Index::create().col(Messages::CreatedAt).to_owned()).await
    }
}
