//! The API's wire shapes as a client sees them (written from the OpenAPI document, not shared with the
//! server's code, so a change of the contract breaks these tests the way it would break an integrator).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A role.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An ordinary account.
    User,
    /// The admin console.
    Admin,
    /// The admin console, and granting admin rights.
    SuperAdmin,
}

/// An account's status.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Can sign in.
    Active,
    /// Cannot sign in; signed out everywhere.
    Disabled,
}

/// An account (`UserDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct User {
    /// UUID v7.
    pub id: String,
    /// As registered.
    pub username: String,
    /// Lower-cased.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Status.
    pub status: Status,
    /// `zh-CN` or `en`.
    pub locale: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Last successful login.
    #[serde(default)]
    pub last_login_at: Option<DateTime<Utc>>,
    /// Set when soft-deleted (admin views).
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The OAuth2-shaped token answer of login and refresh (`TokenDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TokenPair {
    /// PASETO v4.public access token.
    pub access_token: String,
    /// Opaque, single-use refresh token.
    pub refresh_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds the access token lives.
    pub expires_in: u64,
}

/// A page of users (`UserPageDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct UserPage {
    /// Users on this page.
    pub items: Vec<User>,
    /// Matches across all pages.
    pub total: u64,
    /// Page number, from 1.
    pub page: u32,
    /// Page size.
    pub size: u32,
}

/// One setting (`SettingDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Setting {
    /// Dotted key.
    pub key: String,
    /// Current value.
    pub value: Value,
    /// Value after a reset.
    pub default: Value,
    /// `bool`, `integer`, `text` or `locale`.
    pub r#type: String,
    /// Who changed it last.
    #[serde(default)]
    pub updated_by: Option<String>,
}

/// One audit entry (`AuditEntryDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct AuditEntry {
    /// Entry id.
    pub id: String,
    /// Who acted.
    #[serde(default)]
    pub actor_id: Option<String>,
    /// Their name at the time.
    pub actor_name: String,
    /// What they did, e.g. `user.disable`.
    pub action: String,
    /// On what.
    pub target: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The state before, when recorded.
    #[serde(default)]
    pub before: Option<Value>,
    /// The state after, when recorded.
    #[serde(default)]
    pub after: Option<Value>,
}

/// A page of audit entries (`AuditPageDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct AuditPage {
    /// Entries on this page, newest first.
    pub items: Vec<AuditEntry>,
    /// Matches across all pages.
    pub total: u64,
    /// Page number.
    pub page: u32,
    /// Page size.
    pub size: u32,
}

/// User statistics (`UserStatsDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct UserStats {
    /// Accounts, deleted ones excluded.
    pub total: u64,
    /// Created today (UTC).
    pub new_today: u64,
    /// Signed in within 24 hours.
    pub active_24h: u64,
    /// Soft-deleted.
    pub deleted: u64,
    /// Counts by role.
    pub by_role: BTreeMap<String, u64>,
    /// Counts by status.
    pub by_status: BTreeMap<String, u64>,
}

/// The admin statistics (`StatsDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Stats {
    /// About accounts.
    pub users: UserStats,
}
