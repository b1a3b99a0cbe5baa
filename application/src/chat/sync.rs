//! Catch-up from storage: which conversations a `sync` covers and up to where, and the pages that fill a
//! replay or a gap in a connection's live stream. The gateway streams the pages itself, at the pace the
//! client reads, so a replay of any size holds at most one page in memory per connection.

use super::error::ChatError;
use super::service::ChatService;
use domain::chat::{ConversationId, HistoryQuery, MAX_HISTORY_LIMIT, Message};
use domain::ids::UserId;
use std::collections::{BTreeMap, HashMap};

/// What one `sync` replays of one conversation: every seq in `after + 1 ..= until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncPlan {
    /// The conversation.
    pub conversation: ConversationId,
    /// The cursor: the client has everything up to here.
    pub after: u64,
    /// The last seq this sync replays (at most `sync_max_messages` past the cursor).
    pub until: u64,
    /// More is stored beyond `until`; the client sends another `sync` to get it.
    pub more: bool,
}

impl ChatService {
    /// Every conversation of `user`: direct ones with messages, and every group they belong to.
    pub async fn conversations_of(&self, user: UserId) -> Result<Vec<ConversationId>, ChatError> {
        let mut all = self.conversations().direct_of(user).await?;
        all.extend(self.groups().groups_of(user).await?.into_iter().map(|g| ConversationId::Group(g.id)));
        all.sort();
        all.dedup();
        Ok(all)
    }

    /// Plans a `sync`: per conversation of the user, from the client's cursor (or the user's read position
    /// when the client gave none) to the newest stored seq, capped at `sync_max_messages`. Cursors of
    /// conversations the user is not in are ignored.
    #[tracing::instrument(skip(self, cursors), fields(%user, cursors = cursors.len()))]
    pub async fn sync_plan(
        &self,
        user: UserId,
        cursors: &HashMap<ConversationId, u64>,
    ) -> Result<Vec<SyncPlan>, ChatError> {
        self.ensure_active(user).await?;
        let read: BTreeMap<ConversationId, u64> = self
            .conversations()
            .read_states(user)
            .await?
            .into_iter()
            .map(|r| (r.conversation, r.last_read_seq))
            .collect();
        let conversations = self.conversations_of(user).await?;
        let latest = self.latest_seqs(&conversations).await?;
        let cap = u64::from(self.options.sync_max_messages);
        Ok(conversations
            .into_iter()
            .map(|conversation| {
                let after = cursors.get(&conversation).or_else(|| read.get(&conversation)).copied().unwrap_or_default();
                let newest = latest.get(&conversation).copied().unwrap_or_default();
                let until = newest.min(after.saturating_add(cap)).max(after);
                SyncPlan { conversation, after, until, more: newest > until }
            })
            .collect())
    }

    /// The newest stored seq of each conversation that has messages.
    pub async fn latest_seqs(
        &self,
        conversations: &[ConversationId],
    ) -> Result<HashMap<ConversationId, u64>, ChatError> {
        if conversations.is_empty() {
            return Ok(HashMap::new());
        }
        let latest = self.messages.latest(conversations).await?;
        Ok(latest.into_iter().map(|m| (m.conversation, m.seq)).collect())
    }

    /// Up to `limit` (at most one history page) messages of a conversation with `after < seq <= until`,
    /// ascending, for a replay or a gap fill. Refused unless `user` may see the conversation.
    pub async fn replay_page(
        &self,
        user: UserId,
        conversation: ConversationId,
        after: u64,
        until: u64,
        limit: u32,
    ) -> Result<Vec<Message>, ChatError> {
        if !self.can_access(user, &conversation).await? {
            return Err(ChatError::NotMember);
        }
        if until <= after {
            return Ok(Vec::new());
        }
        let limit = limit.clamp(1, MAX_HISTORY_LIMIT);
        let query = HistoryQuery::new(conversation, Some(after), Some(until.saturating_add(1)), limit)?;
        Ok(self.messages.history(&query).await?)
    }
}
