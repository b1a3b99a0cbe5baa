//! The audit log: every admin write, who did it, to what, and what it looked like before and after.

use crate::chat::GroupId;
use crate::error::InfraError;
use crate::ids::{AuditId, UserId};
use crate::page::{Page, PageRequest};
use crate::schedule::TaskName;
use crate::settings::SettingKey;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::fmt;

macro_rules! audit_actions {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, )*) => {
        /// What an audited write did. Its code is what the log stores, filters on and the console
        /// translates, so a code never changes once published.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum AuditAction { $( $(#[$doc])* $variant, )* }

        impl AuditAction {
            /// Every action, in the order the docs list them.
            pub const ALL: &'static [AuditAction] = &[ $( AuditAction::$variant, )* ];

            /// The stable code, e.g. `user.disable`.
            pub fn code(&self) -> &'static str {
                match self { $( Self::$variant => $code, )* }
            }
        }
    };
}

audit_actions! {
    /// An admin created an account.
    UserCreate = "user.create",
    /// An account's role changed.
    UserRole = "user.role",
    /// A disabled account was enabled again.
    UserEnable = "user.enable",
    /// An account was disabled (and signed out everywhere).
    UserDisable = "user.disable",
    /// An account was soft-deleted.
    UserDelete = "user.delete",
    /// A soft-deleted account was restored.
    UserRestore = "user.restore",
    /// An admin set a new password for an account.
    UserResetPassword = "user.reset_password",
    /// A setting was changed.
    SettingUpdate = "setting.update",
    /// A setting went back to its default.
    SettingReset = "setting.reset",
    /// An admin pushed a notice.
    ChatPush = "chat.push",
    /// An operator started a task by hand.
    CronRunNow = "cron.run_now",
    /// An operator paused a task.
    CronPause = "cron.pause",
    /// An operator resumed a task.
    CronResume = "cron.resume",
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What an audited write acted on; written `user:<id>`, `setting:<key>`, `task:<name>`, `group:<id>` or
/// `online` in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditTarget {
    /// An account.
    User(UserId),
    /// A setting.
    Setting(SettingKey),
    /// A scheduled task.
    Task(TaskName),
    /// A chat group.
    Group(GroupId),
    /// Everyone connected (a push to all online users).
    Online,
}

impl fmt::Display for AuditTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(id) => write!(f, "user:{id}"),
            Self::Setting(key) => write!(f, "setting:{key}"),
            Self::Task(name) => write!(f, "task:{name}"),
            Self::Group(id) => write!(f, "group:{id}"),
            Self::Online => f.write_str("online"),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_targets_read_as_the_log_writes_them() {
        let mut codes: Vec<&str> = AuditAction::ALL.iter().map(AuditAction::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), AuditAction::ALL.len());
        assert_eq!(AuditAction::UserResetPassword.to_string(), "user.reset_password");
        let id = UserId(uuid::Uuid::nil());
        assert_eq!(AuditTarget::User(id).to_string(), format!("user:{id}"));
        assert_eq!(AuditTarget::Setting(SettingKey::SiteName).to_string(), "setting:site.name");
        assert_eq!(AuditTarget::Online.to_string(), "online");
    }
}
