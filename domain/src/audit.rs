//! The audit log: every admin write, who did it, to what, and what it looked like before and after.

use crate::error::InfraError;
use crate::ids::{AuditId, UserId};
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// One recorded admin action.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// Entry id (time ordered).
    pub id: AuditId,
    /// Who acted; `None` for the system (CLI, cron).
    pub actor_id: Option<UserId>,
    /// The actor's username at the time, kept in case the account is later purged.
    pub actor_name: String,
    /// Stable action code, e.g. `user.disable`, `setting.update`.
    pub action: String,
    /// What was acted on, e.g. `user:<id>`, `setting:site.name`.
    pub target: String,
    /// State before the write (secrets never included).
    pub before: Option<Value>,
    /// State after the write.
    pub after: Option<Value>,
    /// Request that caused it, to join with the access log.
    pub request_id: Option<String>,
    /// Client IP of that request.
    pub ip: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// Filters for listing the audit log; all optional and combined with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this actor.
    pub actor_id: Option<UserId>,
    /// Only this action code.
    pub action: Option<String>,
    /// Only this exact target.
    pub target: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Strictly before.
    pub to: Option<DateTime<Utc>>,
    /// Which page; newest first.
    pub page: PageRequest,
}

/// Append-only storage for audit entries.
///
/// Contract (checked by `adapter_contracts::audit`):
/// - `append` MUST store the entry unchanged (JSON values and unicode round-trip) and never alter or drop
///   earlier entries.
/// - `list` MUST apply every filter, order newest first (ties by id, newest first), and report the total.
/// - Every method MUST return `InfraError::Unavailable` when the backend cannot be reached.
/// - Times round-trip to the microsecond (MariaDB keeps `DATETIME(6)`); finer precision may be dropped.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Records one entry.
    async fn append(&self, entry: &AuditEntry) -> Result<(), InfraError>;
    /// One page of entries matching the query.
    async fn list(&self, query: &AuditQuery) -> Result<Page<AuditEntry>, InfraError>;
}
