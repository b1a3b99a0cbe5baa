//! The audit log of admin writes.

use super::{PageParam, SizeParam, page_request};
use crate::api::ApiTags;
use crate::api::security::AdminAuth;
use crate::problem::ApiError;
use crate::state::HttpState;
use chrono::{DateTime, Utc};
use domain::audit::{AuditEntry, AuditQuery};
use domain::ids::UserId;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;
use uuid::Uuid;

/// Audit operations.
pub struct AdminAuditApi {
    state: HttpState,
}

impl AdminAuditApi {
    /// Audit operations over the application state.
    pub fn new(state: HttpState) -> Self {
        Self { state }
    }
}

/// One admin action.
#[derive(Object)]
#[oai(example)]
struct AuditEntryDto {
    /// Entry id.
    id: String,
    /// Acting user; absent for the system (CLI, scheduler).
    #[oai(skip_serializing_if_is_none)]
    actor_id: Option<String>,
    /// Acting user's name at the time.
    actor_name: String,
    /// Action code, e.g. `user.disable`, `setting.update`.
    action: String,
    /// What was acted on, e.g. `user:<id>`, `setting:site.name`.
    target: String,
    /// State before.
    #[oai(skip_serializing_if_is_none)]
    before: Option<Value>,
    /// State after.
    #[oai(skip_serializing_if_is_none)]
    after: Option<Value>,
    /// The request that caused it (see the access log).
    #[oai(skip_serializing_if_is_none)]
    request_id: Option<String>,
    /// Client IP.
    #[oai(skip_serializing_if_is_none)]
    ip: Option<String>,
    /// When.
    at: DateTime<Utc>,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id.to_string(),
            actor_id: e.actor_id.map(|a| a.to_string()),
            actor_name: e.actor_name,
            action: e.action,
            target: e.target,
            before: e.before,
            after: e.after,
            request_id: e.request_id,
            ip: e.ip,
            at: e.at,
        }
    }
}

/// A page of audit entries, newest first.
#[derive(Object)]
#[oai(example)]
struct AuditPageDto {
    /// Entries on this page.
    items: Vec<AuditEntryDto>,
    /// Entries matching the filters.
    total: u64,
    /// Page number.
    page: u32,
    /// Page size.
    size: u32,
}

impl Example for AuditEntryDto {
    fn example() -> Self {
        Self {
            id: "0193a1d0-7c00-7aaa-8bbb-0123456789ab".into(),
            actor_id: Some("0193a1a0-7c00-7aaa-8bbb-0123456789ab".into()),
            actor_name: "root".into(),
            action: "user.disable".into(),
            target: format!("user:{}", crate::api::models::EXAMPLE_USER_ID),
            before: Some(serde_json::json!({"status": "active"})),
            after: Some(serde_json::json!({"status": "disabled"})),
            request_id: Some("0192f1c8-7a1e-7cc3-a7f0-2f5e3b1c9d10".into()),
            ip: Some("203.0.113.7".into()),
            at: crate::api::models::example_time(),
        }
    }
}

impl Example for AuditPageDto {
    fn example() -> Self {
        Self { items: vec![AuditEntryDto::example()], total: 1, page: 1, size: 20 }
    }
}

#[OpenApi(prefix_path = "/api/v1/admin/audit", tag = "ApiTags::Admin")]
impl AdminAuditApi {
    /// Lists audit entries newest first, with page/size pagination (size at most 100) and filters.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/", method = "get", operation_id = "admin_list_audit")]
    async fn list(
        &self,
        auth: AdminAuth,
        /// Page number, from 1.
        page: Query<Option<PageParam>>,
        /// Page size, 1 to 100 (default 20).
        size: Query<Option<SizeParam>>,
        /// Only this actor.
        actor_id: Query<Option<Uuid>>,
        /// Only this action code.
        #[oai(validator(max_length = 64))]
        action: Query<Option<String>>,
        /// Only this target, e.g. `user:<id>`.
        #[oai(validator(max_length = 255))]
        target: Query<Option<String>>,
        /// At or after (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Before (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
    ) -> Result<Json<AuditPageDto>, ApiError> {
        let actor = auth.0;
        let query = AuditQuery {
            actor_id: actor_id.0.map(UserId),
            action: action.0.filter(|s| !s.is_empty()),
            target: target.0.filter(|s| !s.is_empty()),
            from: from.0,
            to: to.0,
            page: page_request(page.0, size.0)?,
        };
        let found = self.state.admin.audit_log(&actor, &query).await?;
        Ok(Json(AuditPageDto {
            total: found.total,
            page: found.page,
            size: found.size,
            items: found.items.into_iter().map(AuditEntryDto::from).collect(),
        }))
    }
}
