//! Converting between the domain's `User` and a `users` row. Rows are parsed back through the domain's
//! value types, so a row edited behind our back surfaces as an error instead of an invalid `User`.

use super::entity::{ActiveModel, Model};
use crate::error::CorruptRow;
use crate::time::to_micros;
use domain::ids::UserId;
use domain::user::{Email, PasswordHash, Role, User, UserStatus, Username};
use sea_orm::ActiveValue::Set;

/// Storage name of the role the last-super-admin guard protects.
pub(super) const SUPER_ADMIN: &str = "super_admin";
/// Storage name of the status that lets a user sign in.
pub(super) const ACTIVE: &str = "active";

/// Every column set from `user`, for inserts and full-row updates.
pub(super) fn to_active(user: &User) -> ActiveModel {
    ActiveModel {
        id: Set(user.id.as_uuid()),
        username: Set(user.username.as_str().to_owned()),
        username_key: Set(user.username.key()),
        email: Set(user.email.as_str().to_owned()),
        password_hash: Set(user.password_hash.as_str().to_owned()),
        role: Set(user.role.as_str().to_owned()),
        status: Set(user.status.as_str().to_owned()),
        locale: Set(user.locale.as_str().to_owned()),
        created_at: Set(to_micros(user.created_at)),
        updated_at: Set(to_micros(user.updated_at)),
        last_login_at: Set(user.last_login_at.map(to_micros)),
        deleted_at: Set(user.deleted_at.map(to_micros)),
    }
}

/// True when the stored row counts towards the "at least one active super admin" invariant.
pub(super) fn is_active_super_admin(row: &Model) -> bool {
    row.role == SUPER_ADMIN && row.status == ACTIVE && row.deleted_at.is_none()
}

/// Parses a row back into a `User`.
pub(super) fn to_user(row: Model) -> Result<User, CorruptRow> {
    let corrupt = |reason: String| CorruptRow { table: "users", id: row.id.to_string(), reason };
    let username = Username::parse(&row.username).map_err(|e| corrupt(e.to_string()))?;
    let email = Email::parse(&row.email).map_err(|e| corrupt(e.to_string()))?;
    let role = row.role.parse::<Role>().map_err(|e| corrupt(e.to_string()))?;
    let status = row.status.parse::<UserStatus>().map_err(|e| corrupt(e.to_string()))?;
    let locale = row.locale.parse().map_err(|e: domain::ValidationError| corrupt(e.to_string()))?;
    Ok(User {
        id: UserId(row.id),
        username,
        email,
        password_hash: PasswordHash::new(row.password_hash),
        role,
        status,
        locale,
        created_at: row.created_at,
        updated_at: row.updated_at,
        last_login_at: row.last_login_at,
        deleted_at: row.deleted_at,
    })
}
