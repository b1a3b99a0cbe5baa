//! Why a group operation was refused.

use domain::chat::{GroupStoreError, MessageStoreError};
use domain::user::UserStoreError;
use domain::{Coded, ErrorKind, InfraError, ValidationError};

/// Group failures, each with a stable code localized in `locales/`.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    /// No such group (or it was deleted).
    #[error("group not found")]
    NotFound,
    /// The caller is not a member of the group: members, history and sends are members-only.
    #[error("only members may do this")]
    MembersOnly,
    /// Adding and removing members needs the owner or an admin of the group.
    #[error("only the owner or an admin may do this")]
    AdminsOnly,
    /// Renaming, deleting and changing roles needs the owner.
    #[error("only the owner may do this")]
    OwnerOnly,
    /// The owner cannot leave or give up the role without naming a new owner (or deleting the group).
    #[error("the owner must transfer ownership or delete the group first")]
    OwnerMustTransfer,
    /// An admin may only remove regular members; nobody may remove the owner.
    #[error("this member cannot be removed by you")]
    CannotRemove,
    /// A user to add does not exist (or was deleted).
    #[error("user not found")]
    UserNotFound,
    /// Input refused; nothing written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The group store refused (full, already a member, not a member) or failed.
    #[error(transparent)]
    Store(GroupStoreError),
    /// A backend failed.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl From<GroupStoreError> for GroupError {
    fn from(err: GroupStoreError) -> Self {
        match err {
            GroupStoreError::NotFound => Self::NotFound,
            GroupStoreError::Infra(e) => Self::Infra(e),
            other => Self::Store(other),
        }
    }
}

impl From<UserStoreError> for GroupError {
    fn from(err: UserStoreError) -> Self {
        match err {
            UserStoreError::Infra(e) => Self::Infra(e),
            other => Self::Infra(InfraError::unexpected("users", other)),
        }
    }
}

impl From<MessageStoreError> for GroupError {
    fn from(err: MessageStoreError) -> Self {
        match err {
            MessageStoreError::Infra(e) => Self::Infra(e),
            other => Self::Infra(InfraError::unexpected("messages", other)),
        }
    }
}

impl Coded for GroupError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "group.not_found",
            Self::MembersOnly => "group.members_only",
            Self::AdminsOnly => "group.admins_only",
            Self::OwnerOnly => "group.owner_only",
            Self::OwnerMustTransfer => "group.owner_must_transfer",
            Self::CannotRemove => "group.cannot_remove",
            Self::UserNotFound => "user.not_found",
            Self::Invalid(e) => e.code(),
            Self::Store(e) => e.code(),
            Self::Infra(e) => e.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound | Self::UserNotFound => ErrorKind::NotFound,
            Self::MembersOnly | Self::AdminsOnly | Self::OwnerOnly | Self::CannotRemove => ErrorKind::Forbidden,
            Self::OwnerMustTransfer => ErrorKind::Conflict,
            Self::Invalid(e) => e.kind(),
            Self::Store(e) => e.kind(),
            Self::Infra(e) => e.kind(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Invalid(e) => e.params(),
            Self::Store(e) => e.params(),
            Self::Infra(e) => e.params(),
            _ => Vec::new(),
        }
    }
}
