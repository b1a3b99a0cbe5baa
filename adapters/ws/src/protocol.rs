//! The JSON frames of docs/ws-protocol.md: parsing client frames (never panicking on any input) and
//! building server frames. Tokens never leave this module except into the auth call.

use application::chat::events::{ChatEvent, MessageView, PresenceEvent};
use application::chat::{SendInput, SendOutcome, SyncPlan, Target};
use chrono::{DateTime, Utc};
use domain::chat::{ConversationId, GroupId, MessageKind};
use domain::ids::UserId;
use domain::{Coded, ErrorKind, ValidationError, Violation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Longest frame `id` echoed back.
const MAX_FRAME_ID: usize = 64;
/// Most users one connection may watch.
pub const MAX_WATCHED: usize = 500;
/// Most cursors in one `sync`.
const MAX_CURSORS: usize = 10_000;

/// A frame the gateway refused before reaching a use case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Not a JSON object.
    #[error("frame is not a JSON object")]
    InvalidJson,
    /// A binary frame.
    #[error("binary frames are not supported")]
    Binary,
    /// Missing or unknown `type`.
    #[error("unknown frame type")]
    UnknownType,
    /// A field missing or of the wrong type.
    #[error("invalid frame: {0}")]
    InvalidFrame(String),
    /// Over the per-connection frame rate.
    #[error("rate limited")]
    RateLimited,
    /// A frame other than `auth` before authenticating.
    #[error("authenticate first")]
    AuthRequired,
    /// A second `auth`.
    #[error("already authenticated")]
    AlreadyAuthenticated,
    /// A field value out of range.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

impl Coded for FrameError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidJson => "ws.invalid_json",
            Self::Binary => "ws.binary_unsupported",
            Self::UnknownType => "ws.unknown_type",
            Self::InvalidFrame(_) => "ws.invalid_frame",
            Self::RateLimited => "ws.rate_limited",
            Self::AuthRequired => "ws.auth_required",
            Self::AlreadyAuthenticated => "ws.already_authenticated",
            Self::Invalid(e) => e.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::RateLimited => ErrorKind::RateLimited,
            Self::AuthRequired => ErrorKind::Unauthenticated,
            _ => ErrorKind::Invalid,
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::InvalidFrame(reason) => vec![("reason", reason.clone())],
            Self::Invalid(e) => e.params(),
            _ => Vec::new(),
        }
    }
}

/// What a client asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientFrame {
    /// Authenticate with a token.
    Auth {
        /// The access token (never logged).
        token: String,
    },
    /// Send a message.
    Send(SendInput),
    /// Catch up.
    Sync {
        /// Last seq seen per conversation.
        cursors: HashMap<ConversationId, u64>,
    },
    /// Mark read.
    Read {
        /// Conversation.
        conversation: ConversationId,
        /// Up to this seq.
        seq: u64,
    },
    /// Typing notice.
    Typing {
        /// Conversation.
        conversation: ConversationId,
    },
    /// Replace the watched users.
    Presence {
        /// Users to watch.
        users: Vec<UserId>,
    },
    /// Keep-alive.
    Ping,
}

/// A parsed frame: its `id` (when one could be read) and the frame or why it was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The client's frame id, echoed in replies and errors.
    pub id: Option<String>,
    /// The frame, or the error to report.
    pub frame: Result<ClientFrame, FrameError>,
}

impl Parsed {
    /// The frame's type as a metrics label (`invalid` for a refused frame).
    pub fn kind(&self) -> &'static str {
        match &self.frame {
            Ok(ClientFrame::Auth { .. }) => "auth",
            Ok(ClientFrame::Send(_)) => "send",
            Ok(ClientFrame::Sync { .. }) => "sync",
            Ok(ClientFrame::Read { .. }) => "read",
            Ok(ClientFrame::Typing { .. }) => "typing",
            Ok(ClientFrame::Presence { .. }) => "presence",
            Ok(ClientFrame::Ping) => "ping",
            Err(_) => "invalid",
        }
    }
}

fn field<T: DeserializeOwned>(value: Value) -> Result<T, FrameError> {
    serde_json::from_value(value).map_err(|e| FrameError::InvalidFrame(e.to_string()))
}

fn conversation(raw: &str) -> Result<ConversationId, FrameError> {
    raw.parse::<ConversationId>().map_err(FrameError::Invalid)
}

#[derive(Deserialize)]
struct AuthRaw {
    token: String,
}

#[derive(Deserialize)]
struct SendRaw {
    to: Option<UserId>,
    group: Option<GroupId>,
    conversation: Option<String>,
    client_msg_id: String,
    kind: Option<String>,
    body: Option<Value>,
}

#[derive(Deserialize)]
struct SyncRaw {
    #[serde(default)]
    cursors: HashMap<String, u64>,
}

#[derive(Deserialize)]
struct ReadRaw {
    conversation: String,
    seq: u64,
}

#[derive(Deserialize)]
struct TypingRaw {
    conversation: String,
}

#[derive(Deserialize)]
struct PresenceRaw {
    users: Vec<UserId>,
}

fn send(raw: SendRaw) -> Result<ClientFrame, FrameError> {
    let target = match (raw.to, raw.group, raw.conversation) {
        (Some(user), None, None) => Target::User(user),
        (None, Some(group), None) => Target::Group(group),
        (None, None, Some(c)) => Target::Conversation(conversation(&c)?),
        _ => return Err(FrameError::InvalidFrame("exactly one of `to`, `group`, `conversation` is required".into())),
    };
    let kind = match raw.kind.as_deref() {
        None | Some("text") => MessageKind::Text,
        Some("custom") => MessageKind::Custom,
        Some(_) => {
            return Err(ValidationError::new("kind", Violation::InvalidFormat { expected: "text or custom" }).into());
        }
    };
    let body = raw.body.ok_or_else(|| FrameError::InvalidFrame("missing field `body`".into()))?;
    Ok(ClientFrame::Send(SendInput { target, client_msg_id: raw.client_msg_id, kind, body }))
}

/// Parses one text frame.
pub fn parse(text: &str) -> Parsed {
    let mut object: Map<String, Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => o,
        _ => return Parsed { id: None, frame: Err(FrameError::InvalidJson) },
    };
    let id = match object.remove("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() <= MAX_FRAME_ID => Some(s),
        Some(_) => {
            let reason = format!("`id` must be a string of at most {MAX_FRAME_ID} characters");
            return Parsed { id: None, frame: Err(FrameError::InvalidFrame(reason)) };
        }
    };
    let kind = object.remove("type");
    let value = Value::Object(object);
    let frame = match kind.as_ref().and_then(Value::as_str) {
        Some("auth") => field::<AuthRaw>(value).map(|a| ClientFrame::Auth { token: a.token }),
        Some("send") => field::<SendRaw>(value).and_then(send),
        Some("sync") => field::<SyncRaw>(value).and_then(|s| {
            if s.cursors.len() > MAX_CURSORS {
                return Err(FrameError::InvalidFrame(format!("at most {MAX_CURSORS} cursors")));
            }
            let cursors = s
                .cursors
                .iter()
                .map(|(c, seq)| Ok((conversation(c)?, *seq)))
                .collect::<Result<HashMap<_, _>, FrameError>>()?;
            Ok(ClientFrame::Sync { cursors })
        }),
        Some("read") => field::<ReadRaw>(value)
            .and_then(|r| Ok(ClientFrame::Read { conversation: conversation(&r.conversation)?, seq: r.seq })),
        Some("typing") => field::<TypingRaw>(value)
            .and_then(|t| Ok(ClientFrame::Typing { conversation: conversation(&t.conversation)? })),
        Some("presence") => field::<PresenceRaw>(value).and_then(|p| {
            if p.users.len() > MAX_WATCHED {
                return Err(ValidationError::new("users", Violation::TooMany { max: MAX_WATCHED }).into());
            }
            Ok(ClientFrame::Presence { users: p.users })
        }),
        Some("ping") => Ok(ClientFrame::Ping),
        _ => Err(FrameError::UnknownType),
    };
    Parsed { id, frame }
}

/// An encoded server frame: JSON text built once and shared by every connection it goes to.
pub type Frame = std::sync::Arc<str>;

fn conversation_str<S: serde::Serializer>(c: &ConversationId, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(c)
}

/// The limits reported in `welcome`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Limits {
    /// Largest frame read.
    pub max_frame_bytes: usize,
    /// Largest serialized `send` body.
    pub max_body_bytes: usize,
    /// Frames per second.
    pub messages_per_sec: u32,
    /// Connections per user.
    pub max_connections_per_user: u32,
}

/// Every frame the server sends (docs/ws-protocol.md, "Frames from the server"), in one place, so the wire
/// shape and the code that builds it cannot drift apart.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    /// Authenticated.
    Welcome {
        /// Who.
        user_id: UserId,
        /// This connection.
        connection_id: Uuid,
        /// When the token (and so the connection) expires.
        token_expires_at: DateTime<Utc>,
        /// How often to ping.
        heartbeat_secs: u64,
        /// Silence that closes the connection.
        idle_timeout_secs: u64,
        /// The connection's limits.
        limits: Limits,
    },
    /// A send is stored.
    Ack {
        /// The send frame's id.
        id: Option<&'a str>,
        /// The client's message id.
        client_msg_id: Option<&'a str>,
        /// Server id of the stored message.
        message_id: Uuid,
        /// Its conversation.
        #[serde(serialize_with = "conversation_str")]
        conversation: ConversationId,
        /// Its seq.
        seq: u64,
        /// When it was stored.
        created_at: DateTime<Utc>,
        /// A retry of an earlier send.
        duplicate: bool,
    },
    /// A message, live or replayed.
    Message(&'a MessageView),
    /// The end of a `sync` replay.
    Synced {
        /// The sync frame's id.
        id: Option<&'a str>,
        /// Highest seq replayed per conversation.
        conversations: BTreeMap<String, u64>,
        /// Conversations with more to replay.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        more: Vec<String>,
    },
    /// A read mark is stored.
    ReadAck {
        /// The read frame's id.
        id: Option<&'a str>,
        /// The conversation.
        #[serde(serialize_with = "conversation_str")]
        conversation: ConversationId,
        /// The stored position.
        seq: u64,
    },
    /// Someone's read position moved.
    Read {
        /// The conversation.
        #[serde(serialize_with = "conversation_str")]
        conversation: ConversationId,
        /// Who read.
        user_id: UserId,
        /// Up to where.
        seq: u64,
    },
    /// Someone types.
    Typing {
        /// The conversation.
        #[serde(serialize_with = "conversation_str")]
        conversation: ConversationId,
        /// Who.
        user_id: UserId,
    },
    /// The answer to `presence`.
    PresenceState {
        /// The presence frame's id.
        id: Option<&'a str>,
        /// Watched users online now.
        online: &'a [UserId],
    },
    /// A watched user came online or went offline.
    Presence {
        /// Who.
        user_id: UserId,
        /// `online` or `offline`.
        status: &'static str,
        /// When.
        at: DateTime<Utc>,
    },
    /// A notice not stored in a conversation.
    Push {
        /// Its id.
        message_id: Uuid,
        /// `user` or `online`.
        scope: &'a str,
        /// The text.
        text: &'a str,
        /// When.
        created_at: DateTime<Utc>,
    },
    /// The answer to `ping`.
    Pong {
        /// The ping frame's id.
        id: Option<&'a str>,
    },
    /// A frame was refused.
    Error {
        /// The offending frame's id.
        id: Option<&'a str>,
        /// Stable code.
        code: &'a str,
        /// Localized message.
        message: &'a str,
    },
}

impl ServerFrame<'_> {
    /// The frame as JSON text.
    pub fn encode(&self) -> Frame {
        // Every field serializes (strings, numbers, ids, times, JSON bodies), so this cannot fail.
        serde_json::to_string(self).unwrap_or_default().into()
    }

    /// The `ack` of a stored send.
    pub fn ack<'a>(id: Option<&'a str>, outcome: &'a SendOutcome) -> ServerFrame<'a> {
        let m = &outcome.message;
        ServerFrame::Ack {
            id,
            client_msg_id: m.client_id.as_ref().map(|c| c.as_str()),
            message_id: m.id.0,
            conversation: m.conversation,
            seq: m.seq,
            created_at: m.created_at,
            duplicate: outcome.duplicate,
        }
    }

    /// The `synced` frame closing a replay.
    pub fn synced<'a>(id: Option<&'a str>, plans: &[SyncPlan]) -> ServerFrame<'a> {
        let conversations = plans.iter().map(|p| (p.conversation.to_string(), p.until)).collect();
        let more = plans.iter().filter(|p| p.more).map(|p| p.conversation.to_string()).collect();
        ServerFrame::Synced { id, conversations, more }
    }

    /// The frame of a routed chat event.
    pub fn event(event: &ChatEvent) -> ServerFrame<'_> {
        match event {
            ChatEvent::Message { message } => ServerFrame::Message(message),
            ChatEvent::Read { conversation, user_id, seq } => {
                ServerFrame::Read { conversation: *conversation, user_id: *user_id, seq: *seq }
            }
            ChatEvent::Typing { conversation, user_id } => {
                ServerFrame::Typing { conversation: *conversation, user_id: *user_id }
            }
            ChatEvent::Push { message_id, scope, text, created_at } => {
                ServerFrame::Push { message_id: *message_id, scope, text, created_at: *created_at }
            }
        }
    }

    /// The frame of a presence change.
    pub fn presence(event: &PresenceEvent) -> ServerFrame<'static> {
        let status = if event.online { "online" } else { "offline" };
        ServerFrame::Presence { user_id: event.user_id, status, at: event.at }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(p: &Parsed) -> &'static str {
        p.frame.as_ref().err().map(Coded::code).unwrap_or("ok")
    }

    #[test]
    fn bad_frames_get_their_own_codes_and_keep_their_id() {
        assert_eq!(code(&parse("not json")), "ws.invalid_json");
        assert_eq!(code(&parse("[1,2]")), "ws.invalid_json");
        let p = parse(r#"{"id":"f1","type":"dance"}"#);
        assert_eq!((code(&p), p.id.as_deref()), ("ws.unknown_type", Some("f1")));
        assert_eq!(code(&parse(r#"{"id":"f2"}"#)), "ws.unknown_type");
        let p = parse(r#"{"id":"f3","type":"send","to":"00000000-0000-7000-8000-000000000001","body":"x"}"#);
        assert_eq!(code(&p), "ws.invalid_frame");
        assert!(format!("{:?}", p.frame).contains("client_msg_id"), "names the missing field");
        let p = parse(r#"{"type":"send","client_msg_id":"c","body":"x"}"#);
        assert_eq!(code(&p), "ws.invalid_frame", "no target");
        let p = parse(r#"{"type":"send","conversation":"x:1","client_msg_id":"c","body":"x"}"#);
        assert_eq!(code(&p), "validation.invalid_format");
        let p = parse(r#"{"type":"read","conversation":"g:00000000-0000-7000-8000-000000000001","seq":-1}"#);
        assert_eq!(code(&p), "ws.invalid_frame");
        assert_eq!(code(&parse(r#"{"id":5,"type":"ping"}"#)), "ws.invalid_frame");
        let p = parse(
            r#"{"type":"send","group":"00000000-0000-7000-8000-000000000001","client_msg_id":"c","kind":"system","body":"x"}"#,
        );
        assert_eq!(code(&p), "validation.invalid_format");
    }

    #[test]
    fn server_frames_keep_their_documented_shape() {
        let conversation = ConversationId::Group(GroupId::new());
        let frame: Value = serde_json::from_str(&ServerFrame::Pong { id: None }.encode()).unwrap();
        assert_eq!(frame, serde_json::json!({"type": "pong", "id": null}));
        let frame: Value =
            serde_json::from_str(&ServerFrame::ReadAck { id: Some("r1"), conversation, seq: 4 }.encode()).unwrap();
        assert_eq!(
            frame,
            serde_json::json!({"type": "read_ack", "id": "r1", "conversation": conversation.to_string(), "seq": 4})
        );
        let view = MessageView {
            message_id: Uuid::now_v7(),
            conversation,
            seq: 3,
            sender_id: None,
            client_msg_id: None,
            kind: MessageKind::System,
            body: Value::String("hi".into()),
            created_at: Utc::now(),
        };
        let frame: Value = serde_json::from_str(&ServerFrame::Message(&view).encode()).unwrap();
        assert_eq!((frame["type"].as_str(), frame["seq"].as_u64()), (Some("message"), Some(3)));
        assert_eq!(frame["conversation"], conversation.to_string());
        let plan = SyncPlan { conversation, after: 0, until: 9, more: true };
        let frame: Value = serde_json::from_str(&ServerFrame::synced(Some("s"), &[plan]).encode()).unwrap();
        assert_eq!(frame["conversations"][conversation.to_string()], 9);
        assert_eq!(frame["more"], serde_json::json!([conversation.to_string()]));
        let plan = SyncPlan { more: false, ..plan };
        let frame: Value = serde_json::from_str(&ServerFrame::synced(None, &[plan]).encode()).unwrap();
        assert!(frame.get("more").is_none(), "`more` only when something is left");
    }

    #[test]
    fn good_frames_parse() {
        let p = parse(r#"{"id":"k","type":"ping"}"#);
        assert_eq!((p.id.as_deref(), p.frame), (Some("k"), Ok(ClientFrame::Ping)));
        let p = parse(
            r#"{"type":"send","to":"00000000-0000-7000-8000-000000000001","client_msg_id":"c","body":{"a":1},"kind":"custom"}"#,
        );
        match p.frame {
            Ok(ClientFrame::Send(input)) => {
                assert_eq!((input.kind, input.body), (MessageKind::Custom, serde_json::json!({"a": 1})));
            }
            other => panic!("{other:?}"),
        }
        let p = parse(r#"{"type":"sync","cursors":{"g:00000000-0000-7000-8000-000000000001":4}}"#);
        assert!(matches!(p.frame, Ok(ClientFrame::Sync { ref cursors }) if cursors.values().eq([&4])));
        assert!(matches!(parse(r#"{"type":"sync"}"#).frame, Ok(ClientFrame::Sync { .. })));
    }
}
