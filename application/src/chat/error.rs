//! What can go wrong in chat use cases, each with a stable `chat.*` code the WebSocket and HTTP adapters
//! localize. Never carries message bodies or tokens.

use crate::Forbidden;
use domain::chat::{GroupStoreError, MessageStoreError, SeqError};
use domain::user::UserStoreError;
use domain::{Coded, ErrorKind, InfraError, ValidationError};

/// Why a chat operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// A field is malformed (client message id, body, conversation id, limit).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The serialized body exceeds the configured maximum.
    #[error("message body larger than {max} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        max: usize,
    },
    /// The caller is not a participant or member of the conversation.
    #[error("not a member of the conversation")]
    NotMember,
    /// The direct-message recipient is unknown, disabled or deleted.
    #[error("recipient unavailable")]
    RecipientUnavailable,
    /// The caller's own account is disabled or deleted.
    #[error("sender disabled")]
    SenderDisabled,
    /// Another participant already used this client message id in the conversation.
    #[error("client message id already used by someone else")]
    ClientIdTaken,
    /// The conversation's sequence stayed reserved by another send for the whole wait.
    #[error("conversation busy")]
    Busy,
    /// A push or lookup named a user or group that does not exist.
    #[error("target not found")]
    TargetNotFound,
    /// The caller's role does not allow the operation (admin push).
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// A backend failed; the operation may be retried (sends with the same client id).
    #[error("chat storage unavailable")]
    Unavailable(#[source] InfraError),
}

impl From<InfraError> for ChatError {
    fn from(err: InfraError) -> Self {
        Self::Unavailable(err)
    }
}

impl From<MessageStoreError> for ChatError {
    fn from(err: MessageStoreError) -> Self {
        match err {
            MessageStoreError::Infra(e) => Self::Unavailable(e),
            other => Self::Unavailable(InfraError::unexpected("messages", other.to_string())),
        }
    }
}

impl From<GroupStoreError> for ChatError {
    fn from(err: GroupStoreError) -> Self {
        match err {
            GroupStoreError::Infra(e) => Self::Unavailable(e),
            GroupStoreError::NotFound | GroupStoreError::NotMember => Self::NotMember,
            other => Self::Unavailable(InfraError::unexpected("groups", other.to_string())),
        }
    }
}

impl From<SeqError> for ChatError {
    fn from(err: SeqError) -> Self {
        match err {
            SeqError::Busy | SeqError::Lost => Self::Busy,
            SeqError::Infra(e) => Self::Unavailable(e),
        }
    }
}

impl From<UserStoreError> for ChatError {
    fn from(err: UserStoreError) -> Self {
        match err {
            UserStoreError::Infra(e) => Self::Unavailable(e),
            other => Self::Unavailable(InfraError::unexpected("users", other.to_string())),
        }
    }
}

impl Coded for ChatError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid(e) => e.code(),
            Self::BodyTooLarge { .. } => "chat.body_too_large",
            Self::NotMember => "chat.not_member",
            Self::RecipientUnavailable => "chat.recipient_unavailable",
            Self::SenderDisabled => "chat.sender_disabled",
            Self::Busy => "chat.busy",
            Self::ClientIdTaken => "chat.client_id_taken",
            Self::TargetNotFound => "chat.target_not_found",
            Self::Forbidden(e) => e.code(),
            Self::Unavailable(_) => "chat.unavailable",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::Invalid,
            Self::BodyTooLarge { .. } => ErrorKind::PayloadTooLarge,
            Self::NotMember | Self::SenderDisabled | Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::RecipientUnavailable | Self::TargetNotFound => ErrorKind::NotFound,
            Self::Busy | Self::ClientIdTaken => ErrorKind::Conflict,
            Self::Unavailable(_) => ErrorKind::Unavailable,
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Invalid(e) => e.params(),
            Self::BodyTooLarge { max } => vec![("max", max.to_string())],
            _ => Vec::new(),
        }
    }
}
