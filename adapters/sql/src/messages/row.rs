//! Converting between the domain's `Message` and a `messages` row. Rows are parsed back through the domain's
//! value types, so a row edited behind our back surfaces as an error instead of an invalid `Message`.

use super::entity::{ActiveModel, Model};
use crate::error::CorruptRow;
use crate::time::to_micros;
use domain::chat::{ClientMsgId, Message, MessageBody, MessageId, MessageKind};
use domain::ids::UserId;
use sea_orm::ActiveValue::Set;

/// A seq as stored (BIGINT); seqs beyond `i64::MAX` cannot occur (one message per nanosecond for 292 years).
pub(crate) fn seq_to_db(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// Every column set from `message`, for inserts.
pub(super) fn to_active(message: &Message) -> ActiveModel {
    ActiveModel {
        id: Set(message.id.0),
        conversation: Set(message.conversation.to_string()),
        seq: Set(seq_to_db(message.seq)),
        sender: Set(message.sender.map(|u| u.as_uuid())),
        client_id: Set(message.client_id.as_ref().map(|c| c.as_str().to_owned())),
        kind: Set(message.kind.as_str().to_owned()),
        body: Set(message.body.to_json()),
        created_at: Set(to_micros(message.created_at)),
        edited_at: Set(message.edited_at.map(to_micros)),
        recalled_at: Set(message.recalled_at.map(to_micros)),
    }
}

fn kind_of(name: &str) -> Option<MessageKind> {
    [MessageKind::Text, MessageKind::System, MessageKind::Custom].into_iter().find(|k| k.as_str() == name)
}

/// Parses a row back into a `Message`.
pub(super) fn to_message(row: Model) -> Result<Message, CorruptRow> {
    let corrupt = |reason: String| CorruptRow { table: "messages", id: row.id.to_string(), reason };
    let conversation = row.conversation.parse().map_err(|e: domain::ValidationError| corrupt(e.to_string()))?;
    let kind = kind_of(&row.kind).ok_or_else(|| corrupt(format!("unknown kind {:?}", row.kind)))?;
    let body = MessageBody::parse(kind, &row.body).map_err(|e| corrupt(e.to_string()))?;
    let client_id = row.client_id.as_deref().map(ClientMsgId::parse).transpose().map_err(|e| corrupt(e.to_string()))?;
    let seq = u64::try_from(row.seq).map_err(|_| corrupt(format!("negative seq {}", row.seq)))?;
    Ok(Message {
        id: MessageId(row.id),
        conversation,
        sender: row.sender.map(UserId),
        client_id,
        seq,
        kind,
        body,
        created_at: row.created_at,
        edited_at: row.edited_at,
        recalled_at: row.recalled_at,
    })
}
