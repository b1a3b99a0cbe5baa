//! `MessageStore` over SQL. Uniqueness is left to the unique indexes: one `INSERT` either stores the row or
//! hits `(conversation, client_id)` or `(conversation, seq)` (or the primary key), and nothing is written then.
//! Which index the server names when several collide is not specified, so a collision is sorted by looking:
//! the client id stored means `Duplicate` (the contract's precedence), otherwise the seq stored means
//! `SeqTaken`.

use super::entity::{Column, Entity, Model};
use super::row::{seq_to_db, to_active, to_message};
use crate::error::{BACKEND, Failure, classify};
use crate::retry::retrying;
use crate::time::bound_micros;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::chat::{ClientMsgId, ConversationId, HistoryQuery, Message, MessageStore, MessageStoreError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Most conversations per `latest` query; longer lists are split.
const LATEST_CHUNK: usize = 500;

/// Messages kept in the `messages` table.
#[derive(Clone, Debug)]
pub struct SqlMessageStore {
    db: DatabaseConnection,
}

impl SqlMessageStore {
    /// Uses `db`, which must have been migrated.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    async fn collision(&self, message: &Message, err: DbErr) -> MessageStoreError {
        if let Some(client_id) = &message.client_id {
            match self.by_client_id(&message.conversation, client_id).await {
                Ok(Some(existing)) => return MessageStoreError::Duplicate(Box::new(existing)),
                Ok(None) => {}
                Err(e) => return e,
            }
        }
        // Confirmed by looking rather than by the index the server names: a retried system message hits the
        // primary key (same id) first on MariaDB, yet its seq is what is taken.
        match of(&message.conversation).filter(Column::Seq.eq(seq_to_db(message.seq))).count(&self.db).await {
            Ok(n) if n > 0 => MessageStoreError::SeqTaken,
            Ok(_) => store_err(err),
            Err(e) => store_err(e),
        }
    }
}

/// Maps a database error to the port's error.
fn store_err(err: DbErr) -> MessageStoreError {
    match classify(&err) {
        Failure::Unavailable => InfraError::unavailable(BACKEND, err).into(),
        _ => InfraError::unexpected(BACKEND, err).into(),
    }
}

fn rows_to_messages(rows: Vec<Model>) -> Result<Vec<Message>, MessageStoreError> {
    rows.into_iter().map(|r| to_message(r).map_err(|e| InfraError::unexpected(BACKEND, e).into())).collect()
}

fn of(conversation: &ConversationId) -> sea_orm::Select<Entity> {
    Entity::find().filter(Column::Conversation.eq(conversation.to_string()))
}

#[async_trait]
impl MessageStore for SqlMessageStore {
    async fn insert(&self, message: &Message) -> Result<(), MessageStoreError> {
        let row = to_active(message);
        match retrying(|| Entity::insert(row.clone()).exec_without_returning(&self.db)).await {
            Ok(_) => Ok(()),
            Err(e) if matches!(classify(&e), Failure::Unique(_)) => Err(self.collision(message, e).await),
            Err(e) => Err(store_err(e)),
        }
    }

    async fn by_client_id(
        &self,
        conversation: &ConversationId,
        client_id: &ClientMsgId,
    ) -> Result<Option<Message>, MessageStoreError> {
        let row =
            of(conversation).filter(Column::ClientId.eq(client_id.as_str())).one(&self.db).await.map_err(store_err)?;
        Ok(rows_to_messages(row.into_iter().collect())?.pop())
    }

    async fn history(&self, query: &HistoryQuery) -> Result<Vec<Message>, MessageStoreError> {
        let mut select = of(&query.conversation);
        if let Some(after) = query.after {
            select = select.filter(Column::Seq.gt(seq_to_db(after)));
        }
        if let Some(before) = query.before {
            select = select.filter(Column::Seq.lt(seq_to_db(before)));
        }
        // With a lower bound the page starts there; otherwise it ends at the upper bound (or the newest).
        let ascending = query.after.is_some();
        let order = if ascending { Order::Asc } else { Order::Desc };
        let rows = select
            .order_by(Column::Seq, order)
            .limit(u64::from(query.limit()))
            .all(&self.db)
            .await
            .map_err(store_err)?;
        let mut messages = rows_to_messages(rows)?;
        if !ascending {
            messages.reverse();
        }
        Ok(messages)
    }

    async fn max_seq(&self, conversation: &ConversationId) -> Result<u64, MessageStoreError> {
        let max: Option<Option<i64>> = of(conversation)
            .select_only()
            .column_as(Column::Seq.max(), "max_seq")
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(store_err)?;
        Ok(max.flatten().and_then(|m| u64::try_from(m).ok()).unwrap_or(0))
    }

    async fn latest(&self, conversations: &[ConversationId]) -> Result<Vec<Message>, MessageStoreError> {
        let mut names: Vec<String> = conversations.iter().map(ToString::to_string).collect();
        names.sort();
        names.dedup();
        let mut latest = Vec::new();
        for chunk in names.chunks(LATEST_CHUNK) {
            let rows = Entity::find()
                .filter(Column::Conversation.is_in(chunk.iter().cloned()))
                .filter(Expr::cust(
                    "seq = (SELECT MAX(m2.seq) FROM messages m2 WHERE m2.conversation = messages.conversation)",
                ))
                .all(&self.db)
                .await
                .map_err(store_err)?;
            latest.extend(rows_to_messages(rows)?);
        }
        Ok(latest)
    }

    async fn count_since(&self, since: DateTime<Utc>) -> Result<u64, MessageStoreError> {
        Entity::find().filter(Column::CreatedAt.gte(bound_micros(since))).count(&self.db).await.map_err(store_err)
    }

    async fn recall(
        &self,
        conversation: &ConversationId,
        seq: u64,
        at: DateTime<Utc>,
    ) -> Result<Message, MessageStoreError> {
        let at = crate::time::to_micros(at);
        // Only a row not yet recalled is touched, so the first recall time is kept under any race.
        retrying(|| {
            Entity::update_many()
                .col_expr(Column::RecalledAt, Expr::value(at))
                .filter(Column::Conversation.eq(conversation.to_string()))
                .filter(Column::Seq.eq(seq_to_db(seq)))
                .filter(Column::RecalledAt.is_null())
                .exec(&self.db)
        })
        .await
        .map_err(store_err)?;
        let row = of(conversation).filter(Column::Seq.eq(seq_to_db(seq))).one(&self.db).await.map_err(store_err)?;
        rows_to_messages(row.into_iter().collect())?.pop().ok_or(MessageStoreError::NotFound)
    }

    async fn delete_conversation(&self, conversation: &ConversationId) -> Result<u64, MessageStoreError> {
        let done =
            retrying(|| Entity::delete_many().filter(Column::Conversation.eq(conversation.to_string())).exec(&self.db))
                .await
                .map_err(store_err)?;
        Ok(done.rows_affected)
    }
}
