//! `POST /api/v1/admin/push`: a system notice to one user, a group or everyone online, through the chat
//! service (which checks the admin role again and writes the audit entry).

use crate::api::ApiTags;
use crate::api::fields::NoticeText;
use crate::api::json_body::JsonBody;
use crate::api::security::AdminAuth;
use crate::edge::RequestContext;
use crate::problem::ApiError;
use crate::state::HttpState;
use application::chat::PushScope;
use domain::chat::GroupId;
use domain::ids::UserId;
use domain::{ValidationError, Violation};
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use uuid::Uuid;

/// Push operations.
pub struct AdminPushApi {
    state: HttpState,
}

impl AdminPushApi {
    /// Push operations over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

/// Who receives a push.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Scope {
    /// One user (`target_id` is the user id); not stored, reaches their open connections.
    User,
    /// A group (`target_id` is the group id); stored as a system message in the group's conversation.
    Group,
    /// Everyone connected now; not stored.
    Online,
}

/// A notice to send.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushRequest {
    /// `user`, `group` or `online`.
    scope: Scope,
    /// The user or group id; required for `user` and `group`, refused for `online`.
    target_id: Option<Uuid>,
    /// The notice, 1-4000 characters.
    text: NoticeText,
}

/// A push names a target for the `user` and `group` scopes and none for `online`: two shapes, so the
/// document states the request as a `oneOf` of them, next to the handler that tells them apart.
impl Type for PushRequest {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "PushRequest".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference("PushRequest".into())
    }

    fn register(registry: &mut Registry) {
        registry.create_schema::<Self, _>("PushRequest".into(), |_| {
            let scope = |names: &[&str], description: &'static str| {
                let names = names.iter().map(|n| Value::String((*n).into())).collect();
                MetaSchemaRef::Inline(Box::new(MetaSchema {
                    description: Some(description),
                    enum_items: names,
                    ..MetaSchema::new("string")
                }))
            };
            let text = NoticeText::schema_ref()
                .merge(MetaSchema { description: Some("The notice, 1-4000 characters."), ..MetaSchema::ANY });
            let target = Uuid::schema_ref().merge(MetaSchema {
                description: Some("The user or group id; required for `user` and `group`, refused for `online`."),
                ..MetaSchema::ANY
            });
            let targeted = MetaSchema {
                title: Some("targeted push".into()),
                properties: vec![
                    ("scope", scope(&["user", "group"], "One user or one group.")),
                    ("target_id", target),
                    ("text", text.clone()),
                ],
                required: vec!["scope", "target_id", "text"],
                ..MetaSchema::new("object")
            };
            let online = MetaSchema {
                title: Some("push to everyone online".into()),
                properties: vec![("scope", scope(&["online"], "Everyone connected now.")), ("text", text)],
                required: vec!["scope", "text"],
                ..MetaSchema::new("object")
            };
            MetaSchema {
                title: Some("PushRequest".into()),
                description: Some("A notice to send."),
                one_of: vec![MetaSchemaRef::Inline(Box::new(targeted)), MetaSchemaRef::Inline(Box::new(online))],
                example: Some(serde_json::json!({"scope": "online", "text": "系统将于 22:00 UTC 维护 10 分钟。"})),
                ..MetaSchema::ANY
            }
        });
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

/// What a push reached.
#[derive(Debug, Object)]
#[oai(example)]
struct PushResponse {
    /// Recipients online when it was sent (users for `user`/`group`, online users for `online`).
    delivered: u64,
    /// Id of the notice (the stored system message's id for `group`).
    message_ids: Vec<Uuid>,
}

impl poem_openapi::types::Example for PushResponse {
    fn example() -> Self {
        Self { delivered: 12, message_ids: vec![Uuid::from_u128(0x0193a1e0_7c00_7aaa_8bbb_0123456789ab)] }
    }
}

#[derive(ApiResponse)]
enum Accepted {
    /// Sent to the connections online now; offline group members get it with `sync`.
    #[oai(status = 202)]
    Accepted(Json<PushResponse>),
}

#[OpenApi(prefix_path = "/api/v1/admin/push", tag = "ApiTags::Admin")]
impl AdminPushApi {
    /// Sends a system notice to a user, a group or everyone online (admins only; audited as `chat.push`).
    #[oai(path = "/", method = "post", operation_id = "admin_push")]
    async fn push(&self, req: &Request, auth: AdminAuth, body: JsonBody<PushRequest>) -> Result<Accepted, ApiError> {
        let actor = auth.0;
        let body = body.0;
        let target = |id: Option<Uuid>| id.ok_or_else(|| ValidationError::new("target_id", Violation::Required));
        let scope = match body.scope {
            Scope::User => PushScope::User(UserId(target(body.target_id)?)),
            Scope::Group => PushScope::Group(GroupId(target(body.target_id)?)),
            Scope::Online => {
                if body.target_id.is_some() {
                    return Err(
                        ValidationError::new("target_id", Violation::InvalidFormat { expected: "nothing" }).into()
                    );
                }
                PushScope::Online
            }
        };
        let outcome = self.state.chat.push(&actor, scope, body.text.as_str(), &RequestContext::of(req).meta()).await?;
        Ok(Accepted::Accepted(Json(PushResponse { delivered: outcome.delivered, message_ids: outcome.message_ids })))
    }
}
