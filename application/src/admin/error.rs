//! Why an admin operation was refused.

use crate::error::Forbidden;
use domain::user::UserStoreError;
use domain::{Coded, ErrorKind, InfraError, ValidationError};

/// Admin failures.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The caller is not an admin.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Granting or revoking admin rights, or acting on an admin, needs a super admin.
    #[error("a super admin is required")]
    SuperAdminRequired,
    /// Admins may not disable, delete or demote themselves.
    #[error("cannot do this to your own account")]
    SelfTarget,
    /// No such user.
    #[error("user not found")]
    NotFound,
    /// Restore of a user that is not deleted.
    #[error("user is not deleted")]
    NotDeleted,
    /// Delete of a user that is already deleted.
    #[error("user is already deleted")]
    AlreadyDeleted,
    /// Input refused; nothing written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The user store refused (duplicate, last super admin) or failed.
    #[error(transparent)]
    Users(#[from] UserStoreError),
    /// A backend failed.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl Coded for AdminError {
    fn code(&self) -> &'static str {
        match self {
            Self::Forbidden(e) => e.code(),
            Self::SuperAdminRequired => "admin.super_admin_required",
            Self::SelfTarget => "admin.self_target",
            Self::NotFound => "user.not_found",
            Self::NotDeleted => "user.not_deleted",
            Self::AlreadyDeleted => "user.already_deleted",
            Self::Invalid(e) => e.code(),
            Self::Users(e) => e.code(),
            Self::Infra(e) => e.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Forbidden(e) => e.kind(),
            Self::SuperAdminRequired | Self::SelfTarget => ErrorKind::Forbidden,
            Self::NotFound => ErrorKind::NotFound,
            Self::NotDeleted | Self::AlreadyDeleted => ErrorKind::Conflict,
            Self::Invalid(e) => e.kind(),
            Self::Users(e) => e.kind(),
            Self::Infra(e) => e.kind(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Invalid(e) => e.params(),
            Self::Users(e) => e.params(),
            Self::Infra(e) => e.params(),
            _ => Vec::new(),
        }
    }
}
