//! Groups: a name, an owner, and members with roles.

use crate::error::{ValidationError, Violation};
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Identifies a group (UUID v7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupId(pub Uuid);

impl GroupId {
    /// A fresh, time-ordered id.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for GroupId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// A group name: 1-64 characters after trimming, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GroupName(String);

impl GroupName {
    /// Validates a group name.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = |v| ValidationError::new("name", v);
        let name = raw.trim();
        if name.is_empty() {
            return Err(err(Violation::Required));
        }
        if name.chars().count() > 64 {
            return Err(err(Violation::TooLong { max: 64 }));
        }
        if name.chars().any(char::is_control) {
            return Err(err(Violation::InvalidCharacters));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A member's standing in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// Regular member.
    Member,
    /// May add and remove members.
    Admin,
    /// Created the group; may also rename and delete it. Exactly one per group.
    Owner,
}

impl MemberRole {
    /// Storage and wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Admin => "admin",
            Self::Owner => "owner",
        }
    }

    /// True for roles that may manage members.
    pub fn can_manage_members(&self) -> bool {
        *self >= MemberRole::Admin
    }
}

impl FromStr for MemberRole {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "member" => Ok(Self::Member),
            "admin" => Ok(Self::Admin),
            "owner" => Ok(Self::Owner),
            _ => Err(ValidationError::new("role", Violation::NotOneOf { allowed: "member, admin, owner".into() })),
        }
    }
}

/// A group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Stable id; the conversation is `g:<id>`.
    pub id: GroupId,
    /// Display name.
    pub name: GroupName,
    /// The member with role owner.
    pub owner: UserId,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last rename.
    pub updated_at: DateTime<Utc>,
}

/// One membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMember {
    /// The group.
    pub group: GroupId,
    /// The member.
    pub user: UserId,
    /// Standing.
    pub role: MemberRole,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}
