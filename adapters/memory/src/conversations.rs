//! Each user's direct conversations and read positions in maps, under one lock that is never held across
//! an `.await`; `mark_read` is a max under that lock, so it is atomic.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::chat::{ConversationId, ConversationStore, ReadState};
use domain::ids::UserId;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

/// Conversations and read state kept in process memory (one instance; nothing survives a restart).
#[derive(Debug, Default)]
pub struct MemoryConversationStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    direct: HashMap<UserId, BTreeSet<ConversationId>>,
    read: HashMap<UserId, HashMap<ConversationId, u64>>,
}

impl MemoryConversationStore {
    fn state(&self) -> MutexGuard<'_, State> {
        crate::locked(&self.state)
    }
}

#[async_trait]
impl ConversationStore for MemoryConversationStore {
    async fn touch_direct(&self, conversation: &ConversationId, _at: DateTime<Utc>) -> Result<(), InfraError> {
        if let ConversationId::Direct(a, b) = conversation {
            let mut state = self.state();
            for user in [a, b] {
                state.direct.entry(*user).or_default().insert(*conversation);
            }
        }
        Ok(())
    }

    async fn direct_of(&self, user: UserId) -> Result<Vec<ConversationId>, InfraError> {
        Ok(self.state().direct.get(&user).map(|c| c.iter().copied().collect()).unwrap_or_default())
    }

    async fn mark_read(&self, user: UserId, conversation: &ConversationId, seq: u64) -> Result<u64, InfraError> {
        let mut state = self.state();
        let stored = state.read.entry(user).or_default().entry(*conversation).or_insert(0);
        *stored = (*stored).max(seq);
        Ok(*stored)
    }

    async fn read_states(&self, user: UserId) -> Result<Vec<ReadState>, InfraError> {
        let state = self.state();
        let Some(read) = state.read.get(&user) else { return Ok(Vec::new()) };
        Ok(read.iter().map(|(c, s)| ReadState { conversation: *c, last_read_seq: *s }).collect())
    }
}
