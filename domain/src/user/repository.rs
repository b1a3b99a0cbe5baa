//! The user repository port and the queries it answers.

use super::{Role, User, UserStatus};
use crate::error::{Coded, ErrorKind, InfraError};
use crate::ids::UserId;
use crate::page::{Page, PageRequest, SortDir};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Which unique field a write collided on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UniqueField {
    /// The case-insensitive username.
    Username,
    /// The normalized e-mail.
    Email,
}

impl UniqueField {
    /// Field name as clients know it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
        }
    }
}

/// Why a repository call failed.
#[derive(Debug, thiserror::Error)]
pub enum UserStoreError {
    /// Another account, soft-deleted ones included, already has this username or e-mail.
    #[error("{} already taken", .0.as_str())]
    Duplicate(UniqueField),
    /// No such user (for `update`: not even soft-deleted).
    #[error("user not found")]
    NotFound,
    /// The write would leave no active super admin.
    #[error("the last super admin cannot be demoted, disabled or deleted")]
    LastSuperAdmin,
    /// The store failed.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl Coded for UserStoreError {
    fn code(&self) -> &'static str {
        match self {
            Self::Duplicate(UniqueField::Username) => "user.username_taken",
            Self::Duplicate(UniqueField::Email) => "user.email_taken",
            Self::NotFound => "user.not_found",
            Self::LastSuperAdmin => "user.last_super_admin",
            Self::Infra(e) => e.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Duplicate(_) | Self::LastSuperAdmin => ErrorKind::Conflict,
            Self::NotFound => ErrorKind::NotFound,
            Self::Infra(e) => e.kind(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Duplicate(f) => vec![("field", f.as_str().to_owned())],
            Self::Infra(e) => e.params(),
            _ => Vec::new(),
        }
    }
}

/// How soft-deleted users take part in a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeletedFilter {
    /// Only users that are not deleted (every ordinary query).
    #[default]
    Exclude,
    /// Only soft-deleted users (the admin's trash view).
    Only,
    /// Both.
    Include,
}

/// Sortable columns of the user list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UserSort {
    /// Creation time (then id, for a stable order).
    #[default]
    CreatedAt,
    /// Username, case-insensitively.
    Username,
    /// E-mail.
    Email,
    /// Last login, never-logged-in users last in either direction.
    LastLogin,
}

/// An admin's user search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Case-insensitive substring of username or e-mail; matched literally (`%` and `_` are not wildcards).
    pub search: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only this status.
    pub status: Option<UserStatus>,
    /// Soft-deleted rows: excluded, only, or included.
    pub deleted: DeletedFilter,
    /// Sort column.
    pub sort: UserSort,
    /// Sort direction.
    pub dir: SortDir,
    /// Which page.
    pub page: PageRequest,
}

/// Counters for the admin dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserStats {
    /// Users that are not deleted.
    pub total: u64,
    /// Not-deleted users created at or after the `since` passed in.
    pub new_since: u64,
    /// Not-deleted users whose last login is at or after the `active_since` passed in.
    pub active_since: u64,
    /// Soft-deleted users.
    pub deleted: u64,
    /// Not-deleted users per role, every role present.
    pub by_role: Vec<(Role, u64)>,
    /// Not-deleted users per status, every status present.
    pub by_status: Vec<(UserStatus, u64)>,
}

/// Persistence for users.
///
/// Contract (checked by `adapter_contracts::users`):
/// - `create` MUST fail with `Duplicate(Username)` if a user with the same [`super::Username::key`] exists and
///   `Duplicate(Email)` for the same e-mail, soft-deleted users included (their names stay reserved so they
///   can be restored). Nothing is written on failure.
/// - `by_id`, `by_login` MUST NOT return soft-deleted users; `by_id_any` MUST. `by_login` matches the
///   username case-insensitively or the e-mail exactly (e-mails are stored normalized).
/// - `update` MUST replace every field of the stored row with the given user (soft-deleted rows included),
///   fail with `NotFound` if the id does not exist and `Duplicate` on a clash. It MUST refuse with
///   `LastSuperAdmin`, atomically even under concurrent calls, any write that turns the last active,
///   non-deleted super admin into something else.
/// - `list` MUST apply every filter of the query, sort stably (ties broken by id, in the same direction as
///   the sort) and report the total matching rows. Search strings are matched literally: unicode, quotes and
///   SQL-looking text included.
/// - `purge_deleted_before` MUST remove for good only users soft-deleted before `cutoff` and return how many.
/// - Every method MUST return `InfraError::Unavailable` when the backend cannot be reached.
/// - Times round-trip to the microsecond (MariaDB keeps `DATETIME(6)`); finer precision may be dropped.
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user.
    async fn create(&self, user: &User) -> Result<(), UserStoreError>;
    /// A user that is not soft-deleted.
    async fn by_id(&self, id: UserId) -> Result<Option<User>, UserStoreError>;
    /// A user, soft-deleted or not (admin views, restore).
    async fn by_id_any(&self, id: UserId) -> Result<Option<User>, UserStoreError>;
    /// A not-deleted user by username (case-insensitive) or e-mail.
    async fn by_login(&self, login: &str) -> Result<Option<User>, UserStoreError>;
    /// Replaces a stored user, keeping at least one active super admin.
    async fn update(&self, user: &User) -> Result<(), UserStoreError>;
    /// One page of users matching the query.
    async fn list(&self, query: &UserQuery) -> Result<Page<User>, UserStoreError>;
    /// Dashboard counters: users created since `since`, logged in since `active_since`.
    async fn stats(&self, since: DateTime<Utc>, active_since: DateTime<Utc>) -> Result<UserStats, UserStoreError>;
    /// Deletes for good users soft-deleted before `cutoff`.
    async fn purge_deleted_before(&self, cutoff: DateTime<Utc>) -> Result<u64, UserStoreError>;
}
