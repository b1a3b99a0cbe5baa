//! What travels on the event bus between instances for chat, and its one codec: a topic for routed
//! deliveries, one for presence changes, one for broadcasts. JSON on the wire (bodies are the stored ones,
//! never tokens); typed on both sides, so no adapter parses or builds these payloads by hand.
//!
//! Routing (one topic, recipients listed) instead of one topic per user: a group message is one publish
//! whatever the group size, and an instance subscribes three topics instead of one per connected user.

use chrono::{DateTime, Utc};
use domain::chat::{ConversationId, Message, MessageKind};
use domain::ids::UserId;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Topic of events addressed to listed users.
pub const DELIVERY_TOPIC: &str = "chat.delivery";
/// Topic of presence changes (every instance delivers them to the connections watching the user).
pub const PRESENCE_TOPIC: &str = "chat.presence";
/// Topic of pushes to everyone online.
pub const BROADCAST_TOPIC: &str = "chat.broadcast";

/// Conversation ids travel as their wire string (`d:..:..`, `g:..`).
mod conversation_id {
    use domain::chat::ConversationId;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(id: &ConversationId, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(id)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ConversationId, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// A stored message as clients see it (the `message` frame without its `type`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    /// Server id.
    pub message_id: Uuid,
    /// The conversation.
    #[serde(with = "conversation_id")]
    pub conversation: ConversationId,
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
            conversation: m.conversation,
            seq: m.seq,
            sender_id: m.sender,
            client_msg_id: m.client_id.as_ref().map(|c| c.as_str().to_owned()),
            kind: m.kind,
            body: if m.recalled_at.is_some() { Value::Null } else { m.body.to_json() },
            created_at: m.created_at,
        }
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
        /// The conversation.
        #[serde(with = "conversation_id")]
        conversation: ConversationId,
        /// Who read.
        user_id: UserId,
        /// Up to which seq.
        seq: u64,
    },
    /// Someone is typing.
    Typing {
        /// The conversation.
        #[serde(with = "conversation_id")]
        conversation: ConversationId,
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

/// A bus payload that is not one of ours (another version, or corruption); the event is dropped.
#[derive(Debug, thiserror::Error)]
#[error("undecodable chat event: {0}")]
pub struct DecodeError(#[from] serde_json::Error);

/// The bus codec of the chat topics: every payload is encoded and decoded here only.
pub trait BusCodec: Serialize + DeserializeOwned {
    /// The payload to publish.
    fn encode(&self) -> Vec<u8> {
        // Serializing these types cannot fail: every field is a string, number, bool, map or list.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// A received payload.
    fn decode(payload: &[u8]) -> Result<Self, DecodeError> {
        Ok(serde_json::from_slice(payload)?)
    }
}

impl BusCodec for Delivery {}
impl BusCodec for PresenceEvent {}
impl BusCodec for ChatEvent {}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::chat::GroupId;

    #[test]
    fn a_delivery_round_trips_with_its_conversation_as_the_wire_string() {
        let conversation = ConversationId::Group(GroupId::new());
        let delivery = Delivery {
            recipients: vec![UserId::new()],
            origin: None,
            event: ChatEvent::Read { conversation, user_id: UserId::new(), seq: 7 },
        };
        let bytes = delivery.encode();
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(raw["event"]["conversation"], conversation.to_string());
        assert_eq!(Delivery::decode(&bytes).unwrap(), delivery);
        let bad = br#"{"recipients":[],"origin":null,"event":{"event":"read","conversation":"x:1","user_id":"00000000-0000-7000-8000-000000000001","seq":1}}"#;
        assert!(Delivery::decode(bad).is_err(), "a malformed conversation id is refused");
    }
}
