//! Messages and their value types.

use super::conversation::ConversationId;
use crate::error::{ValidationError, Violation};
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use uuid::Uuid;

/// Identifies one stored message (UUID v7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub Uuid);

impl MessageId {
    /// A fresh, time-ordered id.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The sender's own id for a message, so a retried send is stored once: 1-64 printable ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientMsgId(String);

impl ClientMsgId {
    /// Validates a client message id.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = |v| ValidationError::new("client_msg_id", v);
        if raw.is_empty() {
            return Err(err(Violation::Required));
        }
        if raw.len() > 64 {
            return Err(err(Violation::TooLong { max: 64 }));
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(err(Violation::InvalidCharacters));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The id as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Plain text from a user.
    Text,
    /// A notice from the system or an admin push.
    System,
    /// Application-defined JSON.
    Custom,
}

impl MessageKind {
    /// Storage and wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::System => "system",
            Self::Custom => "custom",
        }
    }
}

/// Longest text body, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Largest custom JSON body, in bytes once serialized.
const MAX_CUSTOM_BYTES: usize = 16 * 1024;

/// A validated message body: text for `text` and `system`, a JSON value for `custom`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageBody {
    /// 1..=4000 characters, no control characters other than newline and tab.
    Text(String),
    /// Any JSON up to 16 KiB.
    Custom(Value),
}

impl MessageBody {
    /// Validates a body for `kind`; the field is named `body`.
    pub fn parse(kind: MessageKind, raw: &Value) -> Result<Self, ValidationError> {
        let err = |v| ValidationError::new("body", v);
        match kind {
            MessageKind::Text | MessageKind::System => {
                let text = raw.as_str().ok_or_else(|| err(Violation::WrongType { expected: "string" }))?;
                if text.trim().is_empty() {
                    return Err(err(Violation::Required));
                }
                if text.chars().count() > MAX_TEXT_CHARS {
                    return Err(err(Violation::TooLong { max: MAX_TEXT_CHARS }));
                }
                if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                    return Err(err(Violation::InvalidCharacters));
                }
                Ok(Self::Text(text.to_owned()))
            }
            MessageKind::Custom => {
                if raw.is_null() {
                    return Err(err(Violation::Required));
                }
                if raw.to_string().len() > MAX_CUSTOM_BYTES {
                    return Err(err(Violation::TooLarge { max: MAX_CUSTOM_BYTES }));
                }
                Ok(Self::Custom(raw.clone()))
            }
        }
    }

    /// The JSON form stored and sent.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Text(s) => Value::String(s.clone()),
            Self::Custom(v) => v.clone(),
        }
    }
}

/// A stored message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Server id.
    pub id: MessageId,
    /// Where it was sent.
    pub conversation: ConversationId,
    /// Who sent it; `None` for system messages.
    pub sender: Option<UserId>,
    /// The sender's id for it (absent for system messages).
    pub client_id: Option<ClientMsgId>,
    /// Position in the conversation, from 1, no gaps.
    pub seq: u64,
    /// Kind of message.
    pub kind: MessageKind,
    /// Content.
    pub body: MessageBody,
    /// When the server stored it.
    pub created_at: DateTime<Utc>,
    /// Last edit, if any.
    pub edited_at: Option<DateTime<Utc>>,
    /// When it was recalled, if it was; the body is then empty for readers.
    pub recalled_at: Option<DateTime<Utc>>,
}
