//! User accounts: who can sign in, with which role, and whether they are still welcome.

mod email;
mod password;
mod repository;
mod role;
mod username;

pub use email::Email;
pub use password::{Password, PasswordHash, PasswordHasher, PasswordVerification};
pub use repository::{DeletedFilter, UniqueField, UserQuery, UserRepository, UserSort, UserStats, UserStoreError};
pub use role::{Role, UserStatus};
pub use username::Username;

use crate::ids::UserId;
use crate::locale::Locale;
use crate::text::CharBounds;
use chrono::{DateTime, Utc};

/// What a sign-in names, a username in any letter case or an e-mail: 1 character up to the longest
/// e-mail address. It is only looked up, never stored.
pub const LOGIN_LENGTH: CharBounds = CharBounds::new(1, Email::MAX_LEN);

/// A user account. Built by use cases from parsed value types, so every field is already valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Stable identifier.
    pub id: UserId,
    /// Display and login name, unique case-insensitively.
    pub username: Username,
    /// Unique, normalized e-mail address; also accepted as login.
    pub email: Email,
    /// PHC (argon2id) or legacy bcrypt hash.
    pub password_hash: PasswordHash,
    /// What the user may do.
    pub role: Role,
    /// Whether the user may sign in.
    pub status: UserStatus,
    /// Preferred interface language.
    pub locale: Locale,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// Last change to any field.
    pub updated_at: DateTime<Utc>,
    /// Last successful login.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Set when soft-deleted; such users vanish from ordinary queries but keep their names reserved.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl User {
    /// True when the user may sign in and hold sessions.
    pub fn can_sign_in(&self) -> bool {
        self.status == UserStatus::Active && self.deleted_at.is_none()
    }

    /// True when the user counts towards the "at least one super admin" invariant.
    pub fn is_active_super_admin(&self) -> bool {
        self.role == Role::SuperAdmin && self.can_sign_in()
    }
}
