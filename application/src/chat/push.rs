//! Admin pushes: a notice to one user, a group (stored as a system message) or everyone online. The admin
//! role is checked here, not only at the HTTP edge, and every push is audited.

use super::error::ChatError;
use super::events::{BROADCAST_TOPIC, ChatEvent};
use super::service::ChatService;
use crate::{Actor, Forbidden, RequestMeta};
use domain::audit::{AuditAction, AuditTarget};
use domain::chat::{ConversationId, GroupId, MessageBody, MessageKind};
use domain::ids::UserId;
use serde_json::{Value, json};
use uuid::Uuid;

/// Who a push goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushScope {
    /// One user's connections.
    User(UserId),
    /// A group's conversation (stored, synced later by members offline now).
    Group(GroupId),
    /// Every connection online now.
    Online,
}

/// What a push reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushOutcome {
    /// Users online to receive it at the time of the push.
    pub delivered: u64,
    /// The notice's id (or the stored system message's id for a group).
    pub message_ids: Vec<Uuid>,
}

impl ChatService {
    /// Sends a notice as an admin. `text` follows the text message rules (1-4000 characters).
    #[tracing::instrument(skip(self, text, meta), fields(actor = %actor.id))]
    pub async fn push(
        &self,
        actor: &Actor,
        scope: PushScope,
        text: &str,
        meta: &RequestMeta,
    ) -> Result<PushOutcome, ChatError> {
        if !actor.role.is_admin() {
            return Err(Forbidden.into());
        }
        let body = MessageBody::parse(MessageKind::System, &Value::String(text.to_owned()))?;
        let text = match body {
            MessageBody::Text(t) => t,
            MessageBody::Custom(v) => v.to_string(),
        };
        let now = self.now();
        let (target, outcome) = match scope {
            PushScope::User(user) => {
                if !self.user_exists(user).await? {
                    return Err(ChatError::TargetNotFound);
                }
                let id = Uuid::now_v7();
                let event =
                    ChatEvent::Push { message_id: id, scope: "user".into(), text: text.clone(), created_at: now };
                self.deliver(vec![user], event).await;
                let delivered = self.online(&[user]).await?.len() as u64;
                (AuditTarget::User(user), PushOutcome { delivered, message_ids: vec![id] })
            }
            PushScope::Group(group) => {
                let members = self.group_members(group).await?.ok_or(ChatError::TargetNotFound)?;
                let message = self.system_message(ConversationId::Group(group), &text).await?;
                let delivered = self.online(&members).await?.len() as u64;
                (AuditTarget::Group(group), PushOutcome { delivered, message_ids: vec![message.id.0] })
            }
            PushScope::Online => {
                let id = Uuid::now_v7();
                let event =
                    ChatEvent::Push { message_id: id, scope: "online".into(), text: text.clone(), created_at: now };
                self.broadcast(BROADCAST_TOPIC, event).await?;
                let (delivered, _) = self.presence_counts().await?;
                (AuditTarget::Online, PushOutcome { delivered, message_ids: vec![id] })
            }
        };
        let after = json!({ "text": text, "delivered": outcome.delivered, "message_ids": outcome.message_ids });
        self.recorder().record(actor, meta, AuditAction::ChatPush, target, None, Some(after)).await;
        Ok(outcome)
    }
}
