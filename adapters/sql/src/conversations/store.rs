//! `ConversationStore` over SQL. `touch_direct` is one insert that ignores existing rows; `mark_read` is one
//! upsert whose update keeps the larger seq (`GREATEST` on MySQL, `MAX` on SQLite), read back in the same
//! transaction so the returned value is the one this call left.

use super::{direct_entity as direct, read_entity as reads};
use crate::error::{BACKEND, CorruptRow, infra};
use crate::messages::seq_to_db;
use crate::retry::retrying;
use crate::time::to_micros;
use crate::transaction::{Attempt, begin_write, settle};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::chat::{ConversationId, ConversationStore, ReadState};
use domain::ids::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QuerySelect};

/// Conversations and read positions kept in SQL.
#[derive(Clone, Debug)]
pub struct SqlConversationStore {
    db: DatabaseConnection,
}

impl SqlConversationStore {
    /// Uses `db`, which must have been migrated.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    async fn mark_read_once(
        &self,
        row: &reads::ActiveModel,
        key: (uuid::Uuid, String),
    ) -> Result<i64, Attempt<InfraError>> {
        let keep_max = match self.db.get_database_backend() {
            DbBackend::MySql => "GREATEST(last_read_seq, VALUES(last_read_seq))",
            _ => "MAX(last_read_seq, excluded.last_read_seq)",
        };
        let upsert = OnConflict::columns([reads::Column::UserId, reads::Column::Conversation])
            .value(reads::Column::LastReadSeq, Expr::cust(keep_max))
            .to_owned();
        let txn = begin_write(&self.db).await?;
        let outcome = async {
            reads::Entity::insert(row.clone()).on_conflict(upsert).exec_without_returning(&txn).await?;
            let stored: Option<i64> = reads::Entity::find_by_id(key)
                .select_only()
                .column(reads::Column::LastReadSeq)
                .into_tuple()
                .one(&txn)
                .await?;
            stored.ok_or_else(|| Attempt::Refused(InfraError::unexpected(BACKEND, MissingReadState)))
        }
        .await;
        settle(txn, outcome).await
    }
}

/// The row an upsert just wrote was not there when read back in the same transaction.
#[derive(Debug, thiserror::Error)]
#[error("read state vanished right after its upsert")]
struct MissingReadState;

fn corrupt(table: &'static str, id: String, reason: String) -> InfraError {
    InfraError::unexpected(BACKEND, CorruptRow { table, id, reason })
}

#[async_trait]
impl ConversationStore for SqlConversationStore {
    async fn touch_direct(&self, conversation: &ConversationId, at: DateTime<Utc>) -> Result<(), InfraError> {
        let ConversationId::Direct(a, b) = conversation else { return Ok(()) };
        let mut participants = vec![*a];
        if b != a {
            participants.push(*b);
        }
        let rows: Vec<direct::ActiveModel> = participants
            .iter()
            .map(|user| direct::ActiveModel {
                user_id: Set(user.as_uuid()),
                conversation: Set(conversation.to_string()),
                created_at: Set(to_micros(at)),
            })
            .collect();
        let ignore = OnConflict::columns([direct::Column::UserId, direct::Column::Conversation])
            .do_nothing_on([direct::Column::UserId])
            .to_owned();
        retrying(|| {
            direct::Entity::insert_many(rows.clone()).on_conflict(ignore.clone()).exec_without_returning(&self.db)
        })
        .await
        .map_err(infra)?;
        Ok(())
    }

    async fn direct_of(&self, user: UserId) -> Result<Vec<ConversationId>, InfraError> {
        let names: Vec<String> = direct::Entity::find()
            .select_only()
            .column(direct::Column::Conversation)
            .filter(direct::Column::UserId.eq(user.as_uuid()))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(infra)?;
        names
            .into_iter()
            .map(|n| n.parse().map_err(|e: domain::ValidationError| corrupt("direct_conversations", n, e.to_string())))
            .collect()
    }

    async fn mark_read(&self, user: UserId, conversation: &ConversationId, seq: u64) -> Result<u64, InfraError> {
        let row = reads::ActiveModel {
            user_id: Set(user.as_uuid()),
            conversation: Set(conversation.to_string()),
            last_read_seq: Set(seq_to_db(seq)),
        };
        let key = (user.as_uuid(), conversation.to_string());
        let stored = retrying(|| self.mark_read_once(&row, key.clone())).await.map_err(|e| match e {
            Attempt::Db(e) => infra(e),
            Attempt::Refused(e) => e,
        })?;
        u64::try_from(stored).map_err(|_| corrupt("read_states", key.1, format!("negative seq {stored}")))
    }

    async fn read_states(&self, user: UserId) -> Result<Vec<ReadState>, InfraError> {
        let rows = reads::Entity::find()
            .filter(reads::Column::UserId.eq(user.as_uuid()))
            .all(&self.db)
            .await
            .map_err(infra)?;
        rows.into_iter()
            .map(|r| {
                let conversation = r.conversation.parse().map_err(|e: domain::ValidationError| {
                    corrupt("read_states", r.conversation.clone(), e.to_string())
                })?;
                let last_read_seq = u64::try_from(r.last_read_seq)
                    .map_err(|_| corrupt("read_states", r.conversation.clone(), "negative seq".into()))?;
                Ok(ReadState { conversation, last_read_seq })
            })
            .collect()
    }
}
