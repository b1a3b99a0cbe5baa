//! A message as a document, and back.
//!
//! `{ _id: "<message uuid>", conversation: "d:<a>:<b>", seq: Int64, sender?: "<uuid>", client_id?: "...",
//! kind: "text", body: "<JSON text>", created_at_us: Int64, edited_at_us?: Int64, recalled_at_us?: Int64 }`
//!
//! Optional fields are left out, never null, so the partial unique index on `client_id` skips system
//! messages. Times are unix microseconds (BSON dates keep only milliseconds, and the domain keeps
//! microseconds). The body is stored as its JSON text: every JSON value round-trips exactly (numbers beyond
//! 64-bit, keys starting with `$` or containing `.`), which native BSON cannot promise.

use crate::error::CorruptDocument;
use chrono::{DateTime, Utc};
use domain::chat::{ClientMsgId, Message, MessageBody, MessageId, MessageKind};
use mongodb::bson::{Bson, Document, doc};

pub(super) const ID: &str = "_id";
pub(super) const CONVERSATION: &str = "conversation";
pub(super) const SEQ: &str = "seq";
pub(super) const SENDER: &str = "sender";
pub(super) const CLIENT_ID: &str = "client_id";
pub(super) const KIND: &str = "kind";
pub(super) const BODY: &str = "body";
pub(super) const CREATED_AT: &str = "created_at_us";
pub(super) const EDITED_AT: &str = "edited_at_us";
pub(super) const RECALLED_AT: &str = "recalled_at_us";

/// A seq as stored (Int64); seqs beyond `i64::MAX` cannot occur.
pub(super) fn seq_value(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// Unix microseconds, the precision stored.
pub(super) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// An integer field as written (Int64), also accepting the narrower or floating forms some servers hand
/// back for small numbers.
pub(super) fn integer(value: Option<&Bson>) -> Option<i64> {
    match value? {
        Bson::Int64(n) => Some(*n),
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Double(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
        _ => None,
    }
}

/// The document stored for `message`.
pub(super) fn to_document(message: &Message) -> Document {
    let mut d = doc! {
        ID: message.id.to_string(),
        CONVERSATION: message.conversation.to_string(),
        SEQ: seq_value(message.seq),
        KIND: message.kind.as_str(),
        BODY: message.body.to_json().to_string(),
        CREATED_AT: micros(message.created_at),
    };
    if let Some(sender) = message.sender {
        d.insert(SENDER, sender.to_string());
    }
    if let Some(client_id) = &message.client_id {
        d.insert(CLIENT_ID, client_id.as_str());
    }
    if let Some(at) = message.edited_at {
        d.insert(EDITED_AT, micros(at));
    }
    if let Some(at) = message.recalled_at {
        d.insert(RECALLED_AT, micros(at));
    }
    d
}

fn kind_of(name: &str) -> Option<MessageKind> {
    [MessageKind::Text, MessageKind::System, MessageKind::Custom].into_iter().find(|k| k.as_str() == name)
}

/// Parses a stored document back into a `Message`, through the domain's value types.
pub(super) fn to_message(d: &Document) -> Result<Message, CorruptDocument> {
    let id = d.get_str(ID).unwrap_or("?").to_owned();
    let corrupt = |reason: String| CorruptDocument { id: id.clone(), reason };
    let text = |field: &str| d.get_str(field).map_err(|e| corrupt(format!("{field}: {e}")));
    let int = |field: &str| {
        integer(d.get(field)).ok_or_else(|| corrupt(format!("{field} is not an integer: {:?}", d.get(field))))
    };
    let time = |field: &str| {
        let us = int(field)?;
        DateTime::from_timestamp_micros(us).ok_or_else(|| corrupt(format!("{field} out of range: {us}")))
    };
    let optional_time = |field: &str| if d.contains_key(field) { time(field).map(Some) } else { Ok(None) };

    let message_id = text(ID)?.parse().map(MessageId).map_err(|e| corrupt(format!("_id: {e}")))?;
    let conversation = text(CONVERSATION)?.parse().map_err(|e: domain::ValidationError| corrupt(e.to_string()))?;
    let seq = u64::try_from(int(SEQ)?).map_err(|_| corrupt("negative seq".into()))?;
    let sender = match d.get(SENDER) {
        None => None,
        Some(_) => Some(text(SENDER)?.parse().map_err(|e| corrupt(format!("sender: {e}")))?),
    };
    let client_id = match d.get(CLIENT_ID) {
        None => None,
        Some(_) => Some(ClientMsgId::parse(text(CLIENT_ID)?).map_err(|e| corrupt(e.to_string()))?),
    };
    let kind = kind_of(text(KIND)?).ok_or_else(|| corrupt("unknown kind".into()))?;
    let json: serde_json::Value = serde_json::from_str(text(BODY)?).map_err(|e| corrupt(format!("body: {e}")))?;
    let body = MessageBody::parse(kind, &json).map_err(|e| corrupt(e.to_string()))?;
    Ok(Message {
        id: message_id,
        conversation,
        sender,
        client_id,
        seq,
        kind,
        body,
        created_at: time(CREATED_AT)?,
        edited_at: optional_time(EDITED_AT)?,
        recalled_at: optional_time(RECALLED_AT)?,
    })
}
