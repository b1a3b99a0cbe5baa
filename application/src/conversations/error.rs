//! Why a conversation operation was refused.

use crate::chat::ChatError;
use domain::chat::{GroupStoreError, MessageStoreError};
use domain::user::UserStoreError;
use domain::{Coded, ErrorKind, InfraError, ValidationError};

/// Conversation failures, each with a stable code localized in `locales/`.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    /// The caller is not a participant of the direct conversation or a member of the group.
    #[error("not a participant of this conversation")]
    Forbidden,
    /// The group of a group conversation does not exist (or was deleted).
    #[error("group not found")]
    GroupNotFound,
    /// The user asked about does not exist (or was deleted).
    #[error("user not found")]
    UserNotFound,
    /// Input refused (bad conversation id, limit out of range).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A backend failed.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl From<GroupStoreError> for ConversationError {
    fn from(err: GroupStoreError) -> Self {
        match err {
            GroupStoreError::NotFound => Self::GroupNotFound,
            GroupStoreError::Infra(e) => Self::Infra(e),
            other => Self::Infra(InfraError::unexpected("groups", other)),
        }
    }
}

impl From<MessageStoreError> for ConversationError {
    fn from(err: MessageStoreError) -> Self {
        match err {
            MessageStoreError::Infra(e) => Self::Infra(e),
            other => Self::Infra(InfraError::unexpected("messages", other)),
        }
    }
}

impl From<ChatError> for ConversationError {
    fn from(err: ChatError) -> Self {
        match err {
            ChatError::NotMember => Self::Forbidden,
            ChatError::Invalid(e) => Self::Invalid(e),
            ChatError::Unavailable(e) => Self::Infra(e),
            other => Self::Infra(InfraError::unexpected("chat", other)),
        }
    }
}

impl From<UserStoreError> for ConversationError {
    fn from(err: UserStoreError) -> Self {
        match err {
            UserStoreError::Infra(e) => Self::Infra(e),
            other => Self::Infra(InfraError::unexpected("users", other)),
        }
    }
}

impl Coded for ConversationError {
    fn code(&self) -> &'static str {
        match self {
            Self::Forbidden => "conversation.forbidden",
            Self::GroupNotFound => "group.not_found",
            Self::UserNotFound => "user.not_found",
            Self::Invalid(e) => e.code(),
            Self::Infra(e) => e.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Forbidden => ErrorKind::Forbidden,
            Self::GroupNotFound | Self::UserNotFound => ErrorKind::NotFound,
            Self::Invalid(e) => e.kind(),
            Self::Infra(e) => e.kind(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Invalid(e) => e.params(),
            Self::Infra(e) => e.params(),
            _ => Vec::new(),
        }
    }
}
