//! Chat shapes on the wire: groups, members, messages, conversations, read state and presence, each with
//! the example the docs show.

use crate::api::fields::{GroupNameText, Text};
use chrono::{DateTime, TimeZone, Utc};
use domain::chat::{ConversationId, Group, GroupMember, MemberRole, Message, MessageKind};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{Example, ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{Enum, Object};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;

const EXAMPLE_USER: &str = "0193a1b2-7c00-7aaa-8bbb-0123456789ab";
const EXAMPLE_PEER: &str = "0193a1b9-7c00-7aaa-8bbb-0123456789ab";
const EXAMPLE_GROUP: &str = "0193a1c4-7c00-7aaa-8bbb-0123456789ab";

fn example_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 21, 0, 3).single().unwrap_or_default()
}

/// A member's standing in a group on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum MemberRoleDto {
    /// Regular member: reads and sends.
    Member,
    /// Also adds and removes regular members.
    Admin,
    /// Also renames and deletes the group and changes roles; exactly one per group.
    Owner,
}

impl From<MemberRole> for MemberRoleDto {
    fn from(r: MemberRole) -> Self {
        match r {
            MemberRole::Member => Self::Member,
            MemberRole::Admin => Self::Admin,
            MemberRole::Owner => Self::Owner,
        }
    }
}

impl From<MemberRoleDto> for MemberRole {
    fn from(r: MemberRoleDto) -> Self {
        match r {
            MemberRoleDto::Member => Self::Member,
            MemberRoleDto::Admin => Self::Admin,
            MemberRoleDto::Owner => Self::Owner,
        }
    }
}

/// A group as one of its members sees it.
#[derive(Clone, Debug, Object)]
#[oai(example)]
pub struct GroupDto {
    /// UUID v7.
    pub id: String,
    /// The group's conversation id (`g:<id>`), for history, read state and WebSocket sends.
    pub conversation: String,
    /// Display name (1-64 characters).
    pub name: String,
    /// The owner's user id.
    pub owner_id: String,
    /// The caller's role.
    pub my_role: MemberRoleDto,
    /// Members now.
    pub member_count: u32,
    /// Most members the group may have (the `chat.group_member_limit` setting).
    pub member_limit: u32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last rename (or creation).
    pub updated_at: DateTime<Utc>,
}

impl From<&application::groups::GroupView> for GroupDto {
    fn from(v: &application::groups::GroupView) -> Self {
        Self {
            my_role: v.my_role.into(),
            member_count: v.member_count,
            member_limit: v.member_limit,
            ..GroupSummaryDto::from(&v.group).into_full()
        }
    }
}

impl Example for GroupDto {
    fn example() -> Self {
        Self {
            id: EXAMPLE_GROUP.into(),
            conversation: format!("g:{EXAMPLE_GROUP}"),
            name: "Release team".into(),
            owner_id: EXAMPLE_USER.into(),
            my_role: MemberRoleDto::Owner,
            member_count: 3,
            member_limit: 2000,
            created_at: example_time(),
            updated_at: example_time(),
        }
    }
}

/// A group in the caller's list of groups.
#[derive(Clone, Debug, Object)]
#[oai(example)]
pub struct GroupSummaryDto {
    /// UUID v7.
    pub id: String,
    /// The group's conversation id (`g:<id>`).
    pub conversation: String,
    /// Display name.
    pub name: String,
    /// The owner's user id.
    pub owner_id: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last rename (or creation).
    pub updated_at: DateTime<Utc>,
}

impl GroupSummaryDto {
    fn into_full(self) -> GroupDto {
        GroupDto {
            id: self.id,
            conversation: self.conversation,
            name: self.name,
            owner_id: self.owner_id,
            my_role: MemberRoleDto::Member,
            member_count: 0,
            member_limit: 0,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

impl From<&Group> for GroupSummaryDto {
    fn from(g: &Group) -> Self {
        Self {
            id: g.id.to_string(),
            conversation: ConversationId::Group(g.id).to_string(),
            name: g.name.as_str().to_owned(),
            owner_id: g.owner.to_string(),
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

impl Example for GroupSummaryDto {
    fn example() -> Self {
        let full = GroupDto::example();
        Self {
            id: full.id,
            conversation: full.conversation,
            name: full.name,
            owner_id: full.owner_id,
            created_at: full.created_at,
            updated_at: full.updated_at,
        }
    }
}

/// The caller's groups, most recently created first. Not paginated: every group the caller is in.
#[derive(Clone, Debug, Object)]
pub struct GroupListDto {
    /// The groups.
    pub items: Vec<GroupSummaryDto>,
}

/// One membership.
#[derive(Clone, Debug, Object)]
#[oai(example)]
pub struct MemberDto {
    /// The member's user id.
    pub user_id: String,
    /// Standing in the group.
    pub role: MemberRoleDto,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

impl From<&GroupMember> for MemberDto {
    fn from(m: &GroupMember) -> Self {
        Self { user_id: m.user.to_string(), role: m.role.into(), joined_at: m.joined_at }
    }
}

impl Example for MemberDto {
    fn example() -> Self {
        Self { user_id: EXAMPLE_PEER.into(), role: MemberRoleDto::Member, joined_at: example_time() }
    }
}

/// A page of members (owner first, then by join time); page/size pagination, size at most 100.
#[derive(Clone, Debug, Object)]
pub struct MemberPageDto {
    /// Members on this page.
    pub items: Vec<MemberDto>,
    /// Members in the group.
    pub total: u64,
    /// Page number (from 1).
    pub page: u32,
    /// Page size.
    pub size: u32,
}

/// A new group.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct CreateGroupRequest {
    /// Display name: 1-64 characters after trimming, no control characters.
    pub name: GroupNameText,
    /// Users to add as regular members at once (the creator becomes the owner). Together with the creator
    /// they must fit the member limit; unknown users are refused with 404 `user.not_found`.
    #[serde(default, deserialize_with = "crate::api::json_body::present")]
    pub members: Option<Vec<uuid::Uuid>>,
}

impl Example for CreateGroupRequest {
    fn example() -> Self {
        Self { name: Text::example("Release team"), members: Some(vec![EXAMPLE_PEER.parse().unwrap_or_default()]) }
    }
}

/// A rename.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct RenameGroupRequest {
    /// The new name (same rules as at creation).
    pub name: GroupNameText,
}

impl Example for RenameGroupRequest {
    fn example() -> Self {
        Self { name: Text::example("Release team (Q1)") }
    }
}

/// A user to add.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    /// The user's id.
    pub user_id: uuid::Uuid,
    /// `member` (default) or `admin` (owner only). Ownership is transferred with the role change operation.
    #[serde(default, deserialize_with = "crate::api::json_body::present")]
    pub role: Option<AddedRoleDto>,
}

/// The role of a member being added: documented as [`application::groups::ADDABLE_ROLES`]; `owner` is
/// read as a role so that the group service refuses it with the allowed ones, as it decides who may add
/// whom first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct AddedRoleDto(pub MemberRoleDto);

impl Type for AddedRoleDto {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "AddedRole".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let roles = application::groups::ADDABLE_ROLES.iter().filter_map(|r| MemberRoleDto::from(*r).to_json());
        MetaSchemaRef::Inline(Box::new(MetaSchema { enum_items: roles.collect(), ..MetaSchema::new("string") }))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for AddedRoleDto {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        MemberRoleDto::parse_from_json(value).map(Self).map_err(ParseError::propagate)
    }
}

impl ToJSON for AddedRoleDto {
    fn to_json(&self) -> Option<Value> {
        self.0.to_json()
    }
}

impl Example for AddMemberRequest {
    fn example() -> Self {
        Self { user_id: EXAMPLE_PEER.parse().unwrap_or_default(), role: Some(AddedRoleDto(MemberRoleDto::Member)) }
    }
}

/// A role change.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct SetRoleRequest {
    /// The new role. `owner` transfers ownership: the previous owner becomes an admin.
    pub role: MemberRoleDto,
}

impl Example for SetRoleRequest {
    fn example() -> Self {
        Self { role: MemberRoleDto::Admin }
    }
}

/// What a message is, on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum MessageKindDto {
    /// Plain text from a user; `body` is a string.
    Text,
    /// A notice from the system or an admin; `body` is a string, `sender_id` is absent.
    System,
    /// Application-defined; `body` is any JSON value.
    Custom,
}

impl From<MessageKind> for MessageKindDto {
    fn from(k: MessageKind) -> Self {
        match k {
            MessageKind::Text => Self::Text,
            MessageKind::System => Self::System,
            MessageKind::Custom => Self::Custom,
        }
    }
}

/// A stored message, as the WebSocket `message` frame carries it.
#[derive(Clone, Debug, Object)]
#[oai(example)]
pub struct MessageDto {
    /// Server id (UUID v7).
    pub message_id: String,
    /// The conversation.
    pub conversation: String,
    /// Position in the conversation: 1, 2, 3... without gaps.
    pub seq: u64,
    /// The sender; absent for system messages.
    #[oai(skip_serializing_if_is_none)]
    pub sender_id: Option<String>,
    /// The sender's own id for the message; absent for system messages.
    #[oai(skip_serializing_if_is_none)]
    pub client_msg_id: Option<String>,
    /// Kind.
    pub kind: MessageKindDto,
    /// Content: a string for `text` and `system`, any JSON for `custom`; `null` once recalled.
    pub body: Value,
    /// When the server stored it.
    pub created_at: DateTime<Utc>,
    /// Last edit, if any.
    #[oai(skip_serializing_if_is_none)]
    pub edited_at: Option<DateTime<Utc>>,
    /// When it was recalled, if it was.
    #[oai(skip_serializing_if_is_none)]
    pub recalled_at: Option<DateTime<Utc>>,
}

impl From<&Message> for MessageDto {
    fn from(m: &Message) -> Self {
        Self {
            message_id: m.id.to_string(),
            conversation: m.conversation.to_string(),
            seq: m.seq,
            sender_id: m.sender.map(|s| s.to_string()),
            client_msg_id: m.client_id.as_ref().map(|c| c.as_str().to_owned()),
            kind: m.kind.into(),
            body: if m.recalled_at.is_some() { Value::Null } else { m.body.to_json() },
            created_at: m.created_at,
            edited_at: m.edited_at,
            recalled_at: m.recalled_at,
        }
    }
}

impl Example for MessageDto {
    fn example() -> Self {
        Self {
            message_id: "0193a1d0-7c00-7aaa-8bbb-0123456789ab".into(),
            conversation: format!("g:{EXAMPLE_GROUP}"),
            seq: 42,
            sender_id: Some(EXAMPLE_USER.into()),
            client_msg_id: Some("c-7f3a".into()),
            kind: MessageKindDto::Text,
            body: Value::String("hi all".into()),
            created_at: example_time(),
            edited_at: None,
            recalled_at: None,
        }
    }
}

/// Direct or group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ConversationKindDto {
    /// Between two users (`d:<id>:<id>`).
    Direct,
    /// A group's conversation (`g:<id>`).
    Group,
}

/// One of the caller's conversations.
#[derive(Clone, Debug, Object)]
#[oai(example)]
pub struct ConversationDto {
    /// Conversation id: `d:<smaller user id>:<larger user id>` or `g:<group id>`.
    pub conversation: String,
    /// Direct or group.
    pub kind: ConversationKindDto,
    /// The group, for group conversations.
    #[oai(skip_serializing_if_is_none)]
    pub group: Option<GroupSummaryDto>,
    /// The other participant, for direct conversations (your own id for notes to self).
    #[oai(skip_serializing_if_is_none)]
    pub peer_id: Option<String>,
    /// The newest message; absent when there is none yet.
    #[oai(skip_serializing_if_is_none)]
    pub last_message: Option<MessageDto>,
    /// The newest seq (0 without messages).
    pub latest_seq: u64,
    /// How far you have read (`PUT .../read` or the WebSocket `read` frame).
    pub last_read_seq: u64,
    /// Messages after your read position: `latest_seq - last_read_seq`.
    pub unread: u64,
}

impl From<&application::conversations::ConversationSummary> for ConversationDto {
    fn from(s: &application::conversations::ConversationSummary) -> Self {
        Self {
            conversation: s.conversation.to_string(),
            kind: match s.conversation {
                ConversationId::Direct(..) => ConversationKindDto::Direct,
                ConversationId::Group(_) => ConversationKindDto::Group,
            },
            group: s.group.as_ref().map(GroupSummaryDto::from),
            peer_id: s.peer.map(|p| p.to_string()),
            last_message: s.last_message.as_ref().map(MessageDto::from),
            latest_seq: s.latest_seq,
            last_read_seq: s.last_read_seq,
            unread: s.unread,
        }
    }
}

impl Example for ConversationDto {
    fn example() -> Self {
        Self {
            conversation: format!("g:{EXAMPLE_GROUP}"),
            kind: ConversationKindDto::Group,
            group: Some(GroupSummaryDto::example()),
            peer_id: None,
            last_message: Some(MessageDto::example()),
            latest_seq: 42,
            last_read_seq: 40,
            unread: 2,
        }
    }
}

/// The caller's conversations, most recently active first. Not paginated: every direct conversation that
/// has messages and every group the caller is in.
#[derive(Clone, Debug, Object)]
pub struct ConversationListDto {
    /// The conversations.
    pub items: Vec<ConversationDto>,
}

/// A page of history, ascending by seq.
#[derive(Clone, Debug, Object)]
#[oai(example)]
pub struct HistoryDto {
    /// Messages, oldest first.
    pub items: Vec<MessageDto>,
    /// The conversation's newest seq: page forward (`after` = last seq) until you reach it; page back
    /// (`before` = first seq) until the first seq is 1 or the page is empty.
    pub latest_seq: u64,
}

impl Example for HistoryDto {
    fn example() -> Self {
        Self { items: vec![MessageDto::example()], latest_seq: 42 }
    }
}

/// Marks a conversation read up to a seq.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields, example)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    /// The highest seq read. Positions only move forward and are capped at the newest message.
    pub seq: u64,
}

impl Example for ReadRequest {
    fn example() -> Self {
        Self { seq: 42 }
    }
}

/// A read position.
#[derive(Clone, Debug, Object)]
#[oai(example)]
pub struct ReadStateDto {
    /// The conversation.
    pub conversation: String,
    /// The stored position.
    pub last_read_seq: u64,
    /// The newest seq.
    pub latest_seq: u64,
    /// What is left unread.
    pub unread: u64,
}

impl From<&application::conversations::ReadPosition> for ReadStateDto {
    fn from(r: &application::conversations::ReadPosition) -> Self {
        Self {
            conversation: r.conversation.to_string(),
            last_read_seq: r.last_read_seq,
            latest_seq: r.latest_seq,
            unread: r.unread,
        }
    }
}

impl Example for ReadStateDto {
    fn example() -> Self {
        Self { conversation: format!("g:{EXAMPLE_GROUP}"), last_read_seq: 42, latest_seq: 42, unread: 0 }
    }
}

/// Whether a user is online.
#[derive(Clone, Debug, Object)]
#[oai(example)]
pub struct PresenceDto {
    /// The user.
    pub user_id: String,
    /// True while the user has at least one live WebSocket connection on any instance.
    pub online: bool,
}

impl Example for PresenceDto {
    fn example() -> Self {
        Self { user_id: EXAMPLE_PEER.into(), online: true }
    }
}
