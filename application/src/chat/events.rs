//! What travels on the event bus between instances for chat: one topic for routed deliveries, one for
//! presence changes, one for broadcasts. Serialized as JSON; bodies are the stored ones, never tokens.
//!
//! Routing (one topic, recipients listed) instead of one topic per user: a group message is one publish
//! whatever the group size, and an instance subscribes three topics instead of one per connected user.

use chrono::{DateTime, Utc};
use domain::chat::{ConversationId, Message, MessageKind};
use domain::ids::UserId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Topic of events addressed to listed users.
pub const DELIVERY_TOPIC: &str = "chat.delivery";
/// Topic of presence changes (every instance delivers them to the connections watching the user).
pub const PRESENCE_TOPIC: &str = "chat.presence";
/// Topic of pushes to everyone online.
pub const BROADCAST_TOPIC: &str = "chat.broadcast";

/// A stored message as clients see it (the `message` frame without its `type`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    /// Server id.
    pub message_id: Uuid,
    /// Conversation id string (`d:..:..` or `g:..`).
    pub conversation: String,
    /// Position in the conversation.
    pub seq: u64,
    /// Sender; `None` for system messages.
    pub sender_id: Option<UserId>,
    /// The sender's client id.
    pub client_msg_id: Option<String>,
    /// `text`, `system` or `custom`.
    pub kind: MessageKind,
    /// Text or JSON.
    pub body: Value,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

impl From<&Message> for MessageView {
    fn from(m: &Message) -> Self {
        Self {
            message_id: m.id.0,
            conversation: m.conversation.to_string(),
            seq: m.seq,
            sender_id: m.sender,
            client_msg_id: m.client_id.as_ref().map(|c| c.as_str().to_owned()),
            kind: m.kind,
            body: if m.recalled_at.is_some() { Value::Null } else { m.body.to_json() },
            created_at: m.created_at,
        }
    }
}

impl MessageView {
    /// The conversation, parsed back.
    pub fn conversation_id(&self) -> Option<ConversationId> {
        self.conversation.parse().ok()
    }
}

/// What a recipient's connections are told.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ChatEvent {
    /// A new stored message.
    Message {
        /// The message.
        message: MessageView,
    },
    /// Someone's read position moved.
    Read {
        /// Conversation id string.
        conversation: String,
        /// Who read.
        user_id: UserId,
        /// Up to which seq.
        seq: u64,
    },
    /// Someone is typing.
    Typing {
        /// Conversation id string.
        conversation: String,
        /// Who types.
        user_id: UserId,
    },
    /// A notice that is not stored in a conversation.
    Push {
        /// Id of the notice.
        message_id: Uuid,
        /// `user` or `online`.
        scope: String,
        /// The text.
        text: String,
        /// When it was sent.
        created_at: DateTime<Utc>,
    },
}

/// A routed event: every instance delivers `event` to its local connections of `recipients`, except the
/// connection it came from (`origin`: the sender's own socket gets an ack instead).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Users whose connections get the event.
    pub recipients: Vec<UserId>,
    /// The connection that caused it, skipped.
    pub origin: Option<Uuid>,
    /// The event.
    pub event: ChatEvent,
}

/// A user came online or went offline (first / last connection across instances).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceEvent {
    /// The user.
    pub user_id: UserId,
    /// Online after the change.
    pub online: bool,
    /// When.
    pub at: DateTime<Utc>,
}
