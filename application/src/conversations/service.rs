//! The conversation use cases: the caller's conversations with unread counts, history pages, read
//! positions, and whether a user is online.

use super::ConversationError;
use super::access::can_access;
use crate::chat::ChatService;
use domain::chat::{
    ConversationId, ConversationStore, Group, GroupStore, HistoryQuery, Message, MessageStore, PresenceStore,
};
use domain::clock::Clock;
use domain::ids::UserId;
use domain::user::UserRepository;
use std::collections::HashMap;
use std::sync::Arc;

/// One of the caller's conversations, as the conversation list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationSummary {
    /// Which conversation.
    pub conversation: ConversationId,
    /// The group, for a group conversation.
    pub group: Option<Group>,
    /// The other participant, for a direct conversation (the caller for notes to self).
    pub peer: Option<UserId>,
    /// The newest message, if any.
    pub last_message: Option<Message>,
    /// The newest seq (0 without messages).
    pub latest_seq: u64,
    /// How far the caller has read.
    pub last_read_seq: u64,
    /// `latest_seq - last_read_seq` (never negative).
    pub unread: u64,
}

/// A page of history plus where the conversation ends, so clients know when to stop paging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryPage {
    /// Messages in ascending seq order.
    pub messages: Vec<Message>,
    /// The conversation's newest seq when the page was read.
    pub latest_seq: u64,
}

/// A read position after `mark_read`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadPosition {
    /// Which conversation.
    pub conversation: ConversationId,
    /// The stored position (read positions only move forward).
    pub last_read_seq: u64,
    /// The conversation's newest seq.
    pub latest_seq: u64,
    /// What is left unread.
    pub unread: u64,
}

/// Conversation lists, history, read state and presence, for participants only.
pub struct ConversationService {
    groups: Arc<dyn GroupStore>,
    conversations: Arc<dyn ConversationStore>,
    messages: Arc<dyn MessageStore>,
    presence: Arc<dyn PresenceStore>,
    users: Arc<dyn UserRepository>,
    chat: Arc<ChatService>,
    clock: Arc<dyn Clock>,
}

impl ConversationService {
    /// Wires the service to its ports; `chat` moves read positions so the user's other connections (and a
    /// direct peer) hear about it exactly as for the WebSocket `read` frame.
    pub fn new(
        groups: Arc<dyn GroupStore>,
        conversations: Arc<dyn ConversationStore>,
        messages: Arc<dyn MessageStore>,
        presence: Arc<dyn PresenceStore>,
        users: Arc<dyn UserRepository>,
        chat: Arc<ChatService>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { groups, conversations, messages, presence, users, chat, clock }
    }

    /// Refuses callers who are not in the conversation: 404 for a group that does not exist, 403 otherwise.
    async fn require_access(&self, caller: UserId, conversation: &ConversationId) -> Result<(), ConversationError> {
        if can_access(self.groups.as_ref(), caller, conversation).await? {
            return Ok(());
        }
        if let ConversationId::Group(id) = conversation
            && self.groups.get(*id).await?.is_none()
        {
            return Err(ConversationError::GroupNotFound);
        }
        Err(ConversationError::Forbidden)
    }

    /// Every direct conversation the caller has and every group they are in, most recently active first,
    /// each with its last message and unread count.
    pub async fn list(&self, caller: UserId) -> Result<Vec<ConversationSummary>, ConversationError> {
        let directs = self.conversations.direct_of(caller).await?;
        let groups = self.groups.groups_of(caller).await?;
        let mut ids: Vec<ConversationId> = directs.clone();
        ids.extend(groups.iter().map(|g| ConversationId::Group(g.id)));
        let mut latest: HashMap<ConversationId, Message> =
            self.messages.latest(&ids).await?.into_iter().map(|m| (m.conversation, m)).collect();
        let reads: HashMap<ConversationId, u64> = self
            .conversations
            .read_states(caller)
            .await?
            .into_iter()
            .map(|r| (r.conversation, r.last_read_seq))
            .collect();
        let mut groups: HashMap<ConversationId, Group> =
            groups.into_iter().map(|g| (ConversationId::Group(g.id), g)).collect();
        let mut out: Vec<ConversationSummary> = ids
            .into_iter()
            .map(|conversation| {
                let last_message = latest.remove(&conversation);
                let latest_seq = last_message.as_ref().map_or(0, |m| m.seq);
                let last_read_seq = reads.get(&conversation).copied().unwrap_or(0).min(latest_seq);
                ConversationSummary {
                    group: groups.remove(&conversation),
                    peer: conversation.peer_of(caller),
                    conversation,
                    last_message,
                    latest_seq,
                    last_read_seq,
                    unread: latest_seq - last_read_seq,
                }
            })
            .collect();
        out.sort_by_key(|s| {
            let active = s.last_message.as_ref().map(|m| m.created_at).or(s.group.as_ref().map(|g| g.created_at));
            (std::cmp::Reverse(active), s.conversation)
        });
        Ok(out)
    }

    /// One page of a conversation's history (see [`HistoryQuery`] for `after`/`before`); participants only.
    pub async fn history(
        &self,
        caller: UserId,
        conversation: ConversationId,
        after: Option<u64>,
        before: Option<u64>,
        limit: u32,
    ) -> Result<HistoryPage, ConversationError> {
        let query = HistoryQuery::new(conversation, after, before, limit)?;
        self.require_access(caller, &conversation).await?;
        let messages = self.messages.history(&query).await?;
        let latest_seq = self.messages.max_seq(&conversation).await?;
        Ok(HistoryPage { messages, latest_seq })
    }

    /// Moves the caller's read position forward to `seq`, capped at the newest message so a future message
    /// can never be pre-marked read; participants only. The caller's WebSocket connections and a direct
    /// peer get a `read` frame.
    #[tracing::instrument(skip(self), fields(caller = %caller, conversation = %conversation))]
    pub async fn mark_read(
        &self,
        caller: UserId,
        conversation: ConversationId,
        seq: u64,
    ) -> Result<ReadPosition, ConversationError> {
        self.require_access(caller, &conversation).await?;
        // ChatService caps the mark at the newest seq and tells the caller's other sockets and the peer.
        let mark = self.chat.read(caller, None, conversation, seq).await?;
        let (last_read_seq, latest_seq) = (mark.last_read_seq, mark.latest_seq);
        Ok(ReadPosition { conversation, last_read_seq, latest_seq, unread: latest_seq - last_read_seq })
    }

    /// Whether `user` has a live connection on any instance now.
    pub async fn is_online(&self, user: UserId) -> Result<bool, ConversationError> {
        self.users.by_id(user).await?.ok_or(ConversationError::UserNotFound)?;
        Ok(!self.presence.online(&[user], self.clock.now()).await?.is_empty())
    }
}
