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

/// A stored chat message (`MessageDto`), as history and the conversation list return it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Message {
    /// UUID v7.
    pub message_id: String,
    /// `d:<user>:<user>` or `g:<group>`.
    pub conversation: String,
    /// Position in the conversation: 1, 2, 3, ... without gaps.
    pub seq: u64,
    /// `null` for system messages.
    #[serde(default)]
    pub sender_id: Option<String>,
    /// The sender's id for retries; `null` for system messages.
    #[serde(default)]
    pub client_msg_id: Option<String>,
    /// `text`, `custom` or `system`.
    pub kind: String,
    /// A string for `text`, any JSON for `custom`.
    pub body: Value,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// One conversation of the signed-in user (`ConversationDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Conversation {
    /// Conversation id.
    pub conversation: String,
    /// `direct` or `group`.
    pub kind: String,
    /// Highest stored seq.
    pub latest_seq: u64,
    /// The user's read position.
    pub last_read_seq: u64,
    /// Messages after the read position.
    pub unread: u64,
    /// The other user of a direct conversation.
    #[serde(default)]
    pub peer_id: Option<String>,
    /// The newest message.
    #[serde(default)]
    pub last_message: Option<Message>,
}

/// A page of history (`HistoryDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct History {
    /// Messages in ascending seq order.
    pub items: Vec<Message>,
    /// Highest stored seq of the conversation.
    pub latest_seq: u64,
}

/// A read position (`ReadStateDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ReadState {
    /// Conversation id.
    pub conversation: String,
    /// The stored read position (only moves forward).
    pub last_read_seq: u64,
    /// Highest stored seq.
    pub latest_seq: u64,
    /// Messages after the read position.
    pub unread: u64,
}

/// A group (`GroupDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Group {
    /// UUID v7.
    pub id: String,
    /// `g:<id>`.
    pub conversation: String,
    /// Display name.
    pub name: String,
    /// The owner's user id.
    pub owner_id: String,
    /// The caller's role: `owner`, `admin` or `member`.
    pub my_role: String,
    /// Members now.
    pub member_count: u64,
    /// Most members allowed.
    pub member_limit: u64,
}

/// A group member (`MemberDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Member {
    /// The user.
    pub user_id: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

/// A page of members (`MemberPageDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct MemberPage {
    /// Members on this page.
    pub items: Vec<Member>,
    /// All members.
    pub total: u64,
    /// Page number.
    pub page: u32,
    /// Page size.
    pub size: u32,
}

/// Whether a user is online (`PresenceDto`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Presence {
    /// The user.
    pub user_id: String,
    /// At least one WebSocket connection on some instance.
    pub online: bool,
}

/// What an admin push reached (`PushResponse`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PushResult {
    /// Connections or members it was delivered to.
    pub delivered: u64,
    /// The stored or sent message ids.
    pub message_ids: Vec<String>,
}

/// A list wrapper (`{ "items": [...] }`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Items<T> {
    /// The entries.
    pub items: Vec<T>,
}
