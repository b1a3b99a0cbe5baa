//! Storage ports of the chat area: messages, groups, and each user's conversations and read state.

use super::conversation::ConversationId;
use super::group::{Group, GroupId, GroupMember, GroupName, MemberRole};
use super::message::{ClientMsgId, Message};
use crate::error::{Coded, ErrorKind, InfraError, ValidationError, Violation};
use crate::ids::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Why a message store call failed.
#[derive(Debug, thiserror::Error)]
pub enum MessageStoreError {
    /// A message with this (conversation, seq) is already stored.
    #[error("seq already taken")]
    SeqTaken,
    /// A message with this (conversation, client id) is already stored; here it is.
    #[error("duplicate client message id")]
    Duplicate(Box<Message>),
    /// No such message.
    #[error("message not found")]
    NotFound,
    /// The backend failed.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

/// A page of history. Results are always in ascending seq order.
///
/// - only `after`: the first `limit` messages with seq > after (catching up);
/// - only `before`: the last `limit` messages with seq < before (scrolling back);
/// - both: the first `limit` messages strictly between them;
/// - neither: the latest `limit` messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Which conversation.
    pub conversation: ConversationId,
    /// Exclusive lower bound.
    pub after: Option<u64>,
    /// Exclusive upper bound.
    pub before: Option<u64>,
    /// 1..=100.
    limit: u32,
}

/// Largest history page.
pub const MAX_HISTORY_LIMIT: u32 = 100;

impl HistoryQuery {
    /// Validates the limit (1..=100), naming `limit`.
    pub fn new(
        conversation: ConversationId,
        after: Option<u64>,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Self, ValidationError> {
        if limit == 0 || limit > MAX_HISTORY_LIMIT {
            return Err(ValidationError::new("limit", Violation::OutOfRange { min: 1, max: MAX_HISTORY_LIMIT as i64 }));
        }
        Ok(Self { conversation, after, before, limit })
    }

    /// The page size.
    pub fn limit(&self) -> u32 {
        self.limit
    }
}

/// Durable message storage.
///
/// Contract (checked by `adapter_contracts::messages`):
/// - `insert` MUST store the message atomically and unchanged (unicode, JSON bodies). It MUST fail with
///   `Duplicate(existing)` when the conversation already has a message with the same client id (whatever
///   its seq), otherwise with `SeqTaken` when it already has one with the same seq; nothing is written then.
///   Messages without client id (system) never collide on it.
/// - `history` MUST follow [`HistoryQuery`]'s rules, ascending by seq, at most `limit` messages.
/// - `max_seq` is the largest stored seq (0 for none); `latest` returns the highest-seq message of each
///   given conversation that has one (any order); `count_since` counts messages created at or after `since`.
/// - `recall` sets `recalled_at` (keeping the first time) and returns the message; `NotFound` if absent.
/// - `delete_conversation` removes every message of the conversation and returns how many.
/// - Every method MUST return `InfraError::Unavailable` when the backend cannot be reached.
#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Stores a new message.
    async fn insert(&self, message: &Message) -> Result<(), MessageStoreError>;
    /// The message a client id produced, if any.
    async fn by_client_id(
        &self,
        conversation: &ConversationId,
        client_id: &ClientMsgId,
    ) -> Result<Option<Message>, MessageStoreError>;
    /// One page of history.
    async fn history(&self, query: &HistoryQuery) -> Result<Vec<Message>, MessageStoreError>;
    /// Largest stored seq of a conversation.
    async fn max_seq(&self, conversation: &ConversationId) -> Result<u64, MessageStoreError>;
    /// Last message of each conversation.
    async fn latest(&self, conversations: &[ConversationId]) -> Result<Vec<Message>, MessageStoreError>;
    /// Messages stored since `since`, for statistics.
    async fn count_since(&self, since: DateTime<Utc>) -> Result<u64, MessageStoreError>;
    /// Marks a message recalled.
    async fn recall(
        &self,
        conversation: &ConversationId,
        seq: u64,
        at: DateTime<Utc>,
    ) -> Result<Message, MessageStoreError>;
    /// Deletes a conversation's messages (its group was deleted).
    async fn delete_conversation(&self, conversation: &ConversationId) -> Result<u64, MessageStoreError>;
}

/// Why a group store call failed.
#[derive(Debug, thiserror::Error)]
pub enum GroupStoreError {
    /// No such group.
    #[error("group not found")]
    NotFound,
    /// The user is already a member.
    #[error("already a member")]
    AlreadyMember,
    /// The user is not a member.
    #[error("not a member")]
    NotMember,
    /// The group has reached its member limit.
    #[error("group is full ({limit} members)")]
    Full {
        /// The limit that applied.
        limit: u32,
    },
    /// The backend failed.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl Coded for GroupStoreError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "group.not_found",
            Self::AlreadyMember => "group.already_member",
            Self::NotMember => "group.not_member",
            Self::Full { .. } => "group.full",
            Self::Infra(e) => e.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound => ErrorKind::NotFound,
            Self::AlreadyMember | Self::Full { .. } => ErrorKind::Conflict,
            Self::NotMember => ErrorKind::NotFound,
            Self::Infra(e) => e.kind(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Full { limit } => vec![("limit", limit.to_string())],
            Self::Infra(e) => e.params(),
            _ => Vec::new(),
        }
    }
}

/// Groups and memberships.
///
/// Contract (checked by `adapter_contracts::groups`):
/// - `create` stores the group and its owner's membership together (all or nothing).
/// - `add_member` MUST refuse with `Full` when the group already has `limit` members, atomically under
///   concurrent adds (never more than `limit` members), and with `AlreadyMember` for a member.
/// - `remove_member` fails with `NotMember`; `set_role` with `NotMember`; both `NotFound` for no group.
/// - `delete` removes the group and every membership; later calls see `NotFound` / no memberships.
/// - `members` lists every member, owner first then by join time; `groups_of` every group of a user.
/// - Every method MUST return `InfraError::Unavailable` when the backend cannot be reached.
#[async_trait]
pub trait GroupStore: Send + Sync {
    /// Creates a group with its owner.
    async fn create(&self, group: &Group, owner: &GroupMember) -> Result<(), GroupStoreError>;
    /// A group by id.
    async fn get(&self, id: GroupId) -> Result<Option<Group>, GroupStoreError>;
    /// Renames a group.
    async fn rename(&self, id: GroupId, name: &GroupName, at: DateTime<Utc>) -> Result<Group, GroupStoreError>;
    /// Deletes a group and its memberships.
    async fn delete(&self, id: GroupId) -> Result<(), GroupStoreError>;
    /// Adds a member unless the group holds `limit` members already.
    async fn add_member(&self, member: &GroupMember, limit: u32) -> Result<(), GroupStoreError>;
    /// Removes a member.
    async fn remove_member(&self, group: GroupId, user: UserId) -> Result<(), GroupStoreError>;
    /// Changes a member's role (ownership transfer sets the old owner to admin in the same call).
    async fn set_role(&self, group: GroupId, user: UserId, role: MemberRole) -> Result<(), GroupStoreError>;
    /// One membership.
    async fn member(&self, group: GroupId, user: UserId) -> Result<Option<GroupMember>, GroupStoreError>;
    /// Every member.
    async fn members(&self, group: GroupId) -> Result<Vec<GroupMember>, GroupStoreError>;
    /// Every group a user belongs to.
    async fn groups_of(&self, user: UserId) -> Result<Vec<Group>, GroupStoreError>;
}

/// How far a user has read a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadState {
    /// The conversation.
    pub conversation: ConversationId,
    /// Highest seq the user marked read.
    pub last_read_seq: u64,
}

/// Each user's direct conversations and read positions.
///
/// Contract (checked by `adapter_contracts::conversations`):
/// - `touch_direct` is idempotent and makes the conversation appear in `direct_of` for both participants.
/// - `mark_read` only moves forward: it stores `max(current, seq)` atomically and returns the stored value.
/// - `read_states` returns every conversation the user marked read, with its position.
/// - Every method MUST return `InfraError::Unavailable` when the backend cannot be reached.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// Records that a direct conversation exists.
    async fn touch_direct(&self, conversation: &ConversationId, at: DateTime<Utc>) -> Result<(), InfraError>;
    /// A user's direct conversations.
    async fn direct_of(&self, user: UserId) -> Result<Vec<ConversationId>, InfraError>;
    /// Moves a user's read position forward.
    async fn mark_read(&self, user: UserId, conversation: &ConversationId, seq: u64) -> Result<u64, InfraError>;
    /// A user's read positions.
    async fn read_states(&self, user: UserId) -> Result<Vec<ReadState>, InfraError>;
}
