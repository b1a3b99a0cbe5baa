//! Shapes shared by several operations: users, token pairs, roles and statuses on the wire.

use chrono::{DateTime, TimeZone, Utc};
use domain::user::{Role, User, UserStatus};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};
use serde::Deserialize;

/// A user id the examples share, so the documented requests and responses tell one story.
pub(crate) const EXAMPLE_USER_ID: &str = "0193a1b2-7c00-7aaa-8bbb-0123456789ab";

/// A password the server's strength rule accepts, for the documented request examples.
pub(crate) const EXAMPLE_PASSWORD: &str = "Correct-Horse-9-Battery";

/// The moment the examples happen.
pub(crate) fn example_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 21, 0, 3).single().unwrap_or_default()
}

/// A role on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// Regular account.
    User,
    /// May use the admin API.
    Admin,
    /// May also grant and revoke admin rights.
    SuperAdmin,
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> Self {
        match r {
            Role::User => Self::User,
            Role::Admin => Self::Admin,
            Role::SuperAdmin => Self::SuperAdmin,
        }
    }
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Self {
        match r {
            RoleDto::User => Self::User,
            RoleDto::Admin => Self::Admin,
            RoleDto::SuperAdmin => Self::SuperAdmin,
        }
    }
}

/// An account status on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum StatusDto {
    /// May sign in.
    Active,
    /// Blocked by an admin.
    Disabled,
}

impl From<UserStatus> for StatusDto {
    fn from(s: UserStatus) -> Self {
        match s {
            UserStatus::Active => Self::Active,
            UserStatus::Disabled => Self::Disabled,
        }
    }
}

impl From<StatusDto> for UserStatus {
    fn from(s: StatusDto) -> Self {
        match s {
            StatusDto::Active => Self::Active,
            StatusDto::Disabled => Self::Disabled,
        }
    }
}

/// A supported interface language on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum, Deserialize)]
pub enum LocaleDto {
    /// Simplified Chinese (the default).
    #[oai(rename = "zh-CN")]
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[oai(rename = "en")]
    #[serde(rename = "en")]
    En,
}

impl LocaleDto {
    /// The tag.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }
}

/// An account as clients see it (never the password hash).
#[derive(Clone, Debug, Object)]
#[oai(example)]
pub struct UserDto {
    /// UUID v7.
    pub id: String,
    /// Username as registered.
    pub username: String,
    /// Normalized e-mail.
    pub email: String,
    /// Role.
    pub role: RoleDto,
    /// Status.
    pub status: StatusDto,
    /// Interface language: `zh-CN` or `en`.
    pub locale: String,
    /// Creation time (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Last successful login; absent if never.
    #[oai(skip_serializing_if_is_none)]
    pub last_login_at: Option<DateTime<Utc>>,
    /// Set when soft-deleted (admin views only); absent otherwise.
    #[oai(skip_serializing_if_is_none)]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.to_string(),
            username: u.username.as_str().to_owned(),
            email: u.email.as_str().to_owned(),
            role: u.role.into(),
            status: u.status.into(),
            locale: u.locale.as_str().to_owned(),
            created_at: u.created_at,
            updated_at: u.updated_at,
            last_login_at: u.last_login_at,
            deleted_at: u.deleted_at,
        }
    }
}

impl Example for UserDto {
    fn example() -> Self {
        Self {
            id: EXAMPLE_USER_ID.into(),
            username: "alice".into(),
            email: "alice@example.com".into(),
            role: RoleDto::User,
            status: StatusDto::Active,
            locale: "zh-CN".into(),
            created_at: example_time(),
            updated_at: example_time(),
            last_login_at: Some(example_time()),
            deleted_at: None,
        }
    }
}

/// OAuth2-shaped token response.
#[derive(Clone, Debug, Object)]
#[oai(example)]
pub struct TokenDto {
    /// PASETO v4.public access token; send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Opaque refresh token, single use: each refresh returns a new one, and reusing an old one signs the
    /// whole session out.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

impl From<application::auth::TokenPair> for TokenDto {
    fn from(p: application::auth::TokenPair) -> Self {
        Self {
            access_token: p.access_token,
            refresh_token: p.refresh_token,
            token_type: "Bearer".into(),
            expires_in: p.expires_in,
        }
    }
}

impl Example for TokenDto {
    fn example() -> Self {
        Self {
            access_token: "v4.public.eyJzdWIiOiIwMTkzYTFiMi03YzAwLTdhYWEtOGJiYi0wMTIzNDU2Nzg5YWIifQ".into(),
            refresh_token: "Jm3v2Q8yR0pW5nXc7tLk1sHd4gFb6aZe9uYi0oPq2rS".into(),
            token_type: "Bearer".into(),
            expires_in: 900,
        }
    }
}
