//! `MessageStore` on MongoDB. Uniqueness is left to the unique indexes: one `insert_one` either stores the
//! document or hits an index, and nothing is written then. A collision is sorted by looking the client id up:
//! found means `Duplicate` (the contract's precedence, whichever index the server names), otherwise a stored
//! message on that seq means `SeqTaken`. History pages are `find` with a seq range, sort and limit, read through the
//! driver's cursor.

use super::document::{
    CLIENT_ID, CONVERSATION, CREATED_AT, RECALLED_AT, SEQ, integer, micros, seq_value, to_document, to_message,
};
use crate::error::{BACKEND, duplicate_key, infra};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::chat::{ClientMsgId, ConversationId, HistoryQuery, Message, MessageStore, MessageStoreError};
use futures::TryStreamExt;
use mongodb::bson::{Document, doc};
use mongodb::{Collection, Database};

/// The collection holding the messages.
pub(crate) const COLLECTION: &str = "messages";

/// Messages kept in a MongoDB collection; cheap to clone.
#[derive(Clone, Debug)]
pub struct MongoMessageStore {
    messages: Collection<Document>,
}

impl MongoMessageStore {
    pub(crate) fn new(db: &Database) -> Self {
        Self { messages: db.collection(COLLECTION) }
    }

    async fn collision(&self, message: &Message, err: mongodb::error::Error) -> MessageStoreError {
        if let Some(client_id) = &message.client_id {
            match self.by_client_id(&message.conversation, client_id).await {
                Ok(Some(existing)) => return MessageStoreError::Duplicate(Box::new(existing)),
                Ok(None) => {}
                Err(e) => return e,
            }
        }
        // Servers word the duplicate-key message differently (MongoDB names the index, others the fields),
        // so the seq collision is confirmed by looking, not by parsing.
        let mut taken = of(&message.conversation);
        taken.insert(SEQ, seq_value(message.seq));
        match self.messages.count_documents(taken).await {
            Ok(n) if n > 0 => MessageStoreError::SeqTaken,
            Ok(_) => infra(err).into(),
            Err(e) => infra(e).into(),
        }
    }

    async fn collect(&self, cursor: mongodb::Cursor<Document>) -> Result<Vec<Message>, MessageStoreError> {
        let docs: Vec<Document> = cursor.try_collect().await.map_err(infra)?;
        docs.iter().map(|d| to_message(d).map_err(|e| InfraError::unexpected(BACKEND, e).into())).collect()
    }
}

fn of(conversation: &ConversationId) -> Document {
    doc! { CONVERSATION: conversation.to_string() }
}

fn one(found: Option<Document>) -> Result<Option<Message>, MessageStoreError> {
    found.map(|d| to_message(&d).map_err(|e| InfraError::unexpected(BACKEND, e).into())).transpose()
}

#[async_trait]
impl MessageStore for MongoMessageStore {
    async fn insert(&self, message: &Message) -> Result<(), MessageStoreError> {
        match self.messages.insert_one(to_document(message)).await {
            Ok(_) => Ok(()),
            Err(e) if duplicate_key(&e).is_some() => Err(self.collision(message, e).await),
            Err(e) => Err(infra(e).into()),
        }
    }

    async fn by_client_id(
        &self,
        conversation: &ConversationId,
        client_id: &ClientMsgId,
    ) -> Result<Option<Message>, MessageStoreError> {
        let mut filter = of(conversation);
        filter.insert(CLIENT_ID, client_id.as_str());
        one(self.messages.find_one(filter).await.map_err(infra)?)
    }

    async fn history(&self, query: &HistoryQuery) -> Result<Vec<Message>, MessageStoreError> {
        let mut range = Document::new();
        if let Some(after) = query.after {
            range.insert("$gt", seq_value(after));
        }
        if let Some(before) = query.before {
            range.insert("$lt", seq_value(before));
        }
        let mut filter = of(&query.conversation);
        if !range.is_empty() {
            filter.insert(SEQ, range);
        }
        // With a lower bound the page starts there; otherwise it ends at the upper bound (or the newest).
        let ascending = query.after.is_some();
        let cursor = self
            .messages
            .find(filter)
            .sort(doc! { SEQ: if ascending { 1 } else { -1 } })
            .limit(i64::from(query.limit()))
            .await
            .map_err(infra)?;
        let mut messages = self.collect(cursor).await?;
        if !ascending {
            messages.reverse();
        }
        Ok(messages)
    }

    async fn max_seq(&self, conversation: &ConversationId) -> Result<u64, MessageStoreError> {
        let last = self
            .messages
            .find_one(of(conversation))
            .sort(doc! { SEQ: -1 })
            .projection(doc! { SEQ: 1 })
            .await
            .map_err(infra)?;
        Ok(last.and_then(|d| integer(d.get(SEQ))).and_then(|s| u64::try_from(s).ok()).unwrap_or(0))
    }

    async fn latest(&self, conversations: &[ConversationId]) -> Result<Vec<Message>, MessageStoreError> {
        if conversations.is_empty() {
            return Ok(Vec::new());
        }
        let mut names: Vec<String> = conversations.iter().map(ToString::to_string).collect();
        names.sort();
        names.dedup();
        let pipeline = [
            doc! { "$match": { CONVERSATION: { "$in": names } } },
            doc! { "$sort": { CONVERSATION: 1, SEQ: -1 } },
            doc! { "$group": { "_id": format!("${CONVERSATION}"), "last": { "$first": "$$ROOT" } } },
        ];
        let groups: Vec<Document> =
            self.messages.aggregate(pipeline).await.map_err(infra)?.try_collect().await.map_err(infra)?;
        groups
            .iter()
            .map(|g| {
                let last = g.get_document("last").map_err(|e| InfraError::unexpected(BACKEND, e))?;
                to_message(last).map_err(|e| InfraError::unexpected(BACKEND, e).into())
            })
            .collect()
    }

    async fn count_since(&self, since: DateTime<Utc>) -> Result<u64, MessageStoreError> {
        // Stored times are whole microseconds, so rounding the bound up keeps `>=` exact.
        let bound = since.timestamp_micros() + i64::from(!since.timestamp_subsec_nanos().is_multiple_of(1_000));
        self.messages.count_documents(doc! { CREATED_AT: { "$gte": bound } }).await.map_err(|e| infra(e).into())
    }

    async fn recall(
        &self,
        conversation: &ConversationId,
        seq: u64,
        at: DateTime<Utc>,
    ) -> Result<Message, MessageStoreError> {
        let mut filter = of(conversation);
        filter.insert(SEQ, seq_value(seq));
        // Only a message not yet recalled is touched, so the first recall time is kept under any race.
        let mut unrecalled = filter.clone();
        unrecalled.insert(RECALLED_AT, doc! { "$exists": false });
        self.messages.update_one(unrecalled, doc! { "$set": { RECALLED_AT: micros(at) } }).await.map_err(infra)?;
        one(self.messages.find_one(filter).await.map_err(infra)?)?.ok_or(MessageStoreError::NotFound)
    }

    async fn delete_conversation(&self, conversation: &ConversationId) -> Result<u64, MessageStoreError> {
        let done = self.messages.delete_many(of(conversation)).await.map_err(infra)?;
        Ok(done.deleted_count)
    }
}
