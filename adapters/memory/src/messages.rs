//! Messages in ordered maps, one per conversation, with a client-id index. One lock guards both, so the
//! duplicate checks and the write of `insert` are atomic; it is never held across an `.await`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::chat::{ClientMsgId, ConversationId, HistoryQuery, Message, MessageStore, MessageStoreError};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

/// Messages kept in process memory (one instance; nothing survives a restart).
#[derive(Debug, Default)]
pub struct MemoryMessageStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Conversation -> seq -> message.
    conversations: HashMap<ConversationId, BTreeMap<u64, Message>>,
    /// (conversation, client id) -> seq.
    client_ids: HashMap<(ConversationId, ClientMsgId), u64>,
}

impl MemoryMessageStore {
    fn state(&self) -> MutexGuard<'_, State> {
        // Every update is a couple of inserts or removals; a panicking holder cannot leave them half done.
        crate::locked(&self.state)
    }
}

/// The page `query` selects from one conversation's messages, ascending.
fn page(messages: &BTreeMap<u64, Message>, query: &HistoryQuery) -> Vec<Message> {
    let limit = query.limit() as usize;
    let lower = query.after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
    let upper = query.before.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
    if query.after.is_some_and(|a| query.before.is_some_and(|b| b <= a.saturating_add(1))) {
        return Vec::new();
    }
    let range = messages.range((lower, upper)).map(|(_, m)| m.clone());
    if query.after.is_some() {
        range.take(limit).collect()
    } else {
        let mut newest: Vec<Message> = range.rev().take(limit).collect();
        newest.reverse();
        newest
    }
}

#[async_trait]
impl MessageStore for MemoryMessageStore {
    async fn insert(&self, message: &Message) -> Result<(), MessageStoreError> {
        let mut state = self.state();
        let conv = message.conversation;
        if let Some(client_id) = &message.client_id {
            let existing = state.client_ids.get(&(conv, client_id.clone())).copied();
            if let Some(seq) = existing {
                let stored = state.conversations.get(&conv).and_then(|m| m.get(&seq)).cloned();
                if let Some(stored) = stored {
                    return Err(MessageStoreError::Duplicate(Box::new(stored)));
                }
            }
        }
        let messages = state.conversations.entry(conv).or_default();
        if messages.contains_key(&message.seq) {
            return Err(MessageStoreError::SeqTaken);
        }
        messages.insert(message.seq, message.clone());
        if let Some(client_id) = &message.client_id {
            state.client_ids.insert((conv, client_id.clone()), message.seq);
        }
        Ok(())
    }

    async fn by_client_id(
        &self,
        conversation: &ConversationId,
        client_id: &ClientMsgId,
    ) -> Result<Option<Message>, MessageStoreError> {
        let state = self.state();
        let seq = state.client_ids.get(&(*conversation, client_id.clone()));
        Ok(seq.and_then(|s| state.conversations.get(conversation)?.get(s).cloned()))
    }

    async fn history(&self, query: &HistoryQuery) -> Result<Vec<Message>, MessageStoreError> {
        let state = self.state();
        Ok(state.conversations.get(&query.conversation).map(|m| page(m, query)).unwrap_or_default())
    }

    async fn max_seq(&self, conversation: &ConversationId) -> Result<u64, MessageStoreError> {
        let state = self.state();
        Ok(state.conversations.get(conversation).and_then(|m| m.keys().next_back().copied()).unwrap_or(0))
    }

    async fn latest(&self, conversations: &[ConversationId]) -> Result<Vec<Message>, MessageStoreError> {
        let state = self.state();
        let mut seen = std::collections::HashSet::new();
        Ok(conversations
            .iter()
            .filter(|c| seen.insert(**c))
            .filter_map(|c| state.conversations.get(c)?.values().next_back().cloned())
            .collect())
    }

    async fn count_since(&self, since: DateTime<Utc>) -> Result<u64, MessageStoreError> {
        let state = self.state();
        let count = state.conversations.values().flat_map(|m| m.values()).filter(|m| m.created_at >= since).count();
        Ok(count as u64)
    }

    async fn recall(
        &self,
        conversation: &ConversationId,
        seq: u64,
        at: DateTime<Utc>,
    ) -> Result<Message, MessageStoreError> {
        let mut state = self.state();
        let message = state
            .conversations
            .get_mut(conversation)
            .and_then(|m| m.get_mut(&seq))
            .ok_or(MessageStoreError::NotFound)?;
        message.recalled_at.get_or_insert(at);
        Ok(message.clone())
    }

    async fn delete_conversation(&self, conversation: &ConversationId) -> Result<u64, MessageStoreError> {
        let mut state = self.state();
        let removed = state.conversations.remove(conversation).map_or(0, |m| m.len());
        state.client_ids.retain(|(c, _), _| c != conversation);
        Ok(removed as u64)
    }
}
