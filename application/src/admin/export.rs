//! The audit log export behind the console's "CSV" button: every entry matching the list's filters, newest
//! first, up to a cap so one click cannot make the server build an unbounded file.

use super::{AdminError, AdminService};
use crate::context::Actor;
use domain::audit::{AuditEntry, AuditQuery};
use domain::page::PageRequest;

/// Most entries one export holds.
pub const AUDIT_EXPORT_CAP: usize = 10_000;

/// The entries of one export.
#[derive(Clone, Debug)]
pub struct AuditExport {
    /// Matching entries, newest first, at most the cap.
    pub entries: Vec<AuditEntry>,
    /// Entries matching the filters in all (more than `entries.len()` when the cap cut the export).
    pub total: u64,
}

impl AuditExport {
    /// Whether the cap left matching entries out.
    pub fn truncated(&self) -> bool {
        (self.entries.len() as u64) < self.total
    }
}

impl AdminService {
    /// Every entry matching `filter` (its page is ignored), newest first, at most `cap` of them.
    pub async fn audit_export(
        &self,
        actor: &Actor,
        filter: &AuditQuery,
        cap: usize,
    ) -> Result<AuditExport, AdminError> {
        const PAGE: u32 = 100;
        let mut entries = Vec::new();
        let mut total = 0;
        let mut page = 1;
        while entries.len() < cap {
            let query = AuditQuery { page: PageRequest::new(page, PAGE)?, ..filter.clone() };
            let found = self.audit_log(actor, &query).await?;
            total = found.total;
            let last = found.items.len() < PAGE as usize;
            entries.extend(found.items);
            if last {
                break;
            }
            page += 1;
        }
        entries.truncate(cap);
        Ok(AuditExport { entries, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapter_memory::{MemoryAuditLog, MemorySessionStore, MemoryUserRepository};
    use async_trait::async_trait;
    use chrono::{Duration, Utc};
    use domain::InfraError;
    use domain::audit::AuditLog;
    use domain::clock::SystemClock;
    use domain::ids::{AuditId, UserId};
    use domain::user::{Password, PasswordHash, PasswordHasher, PasswordVerification, Role};
    use std::sync::Arc;

    struct NoHasher;
    #[async_trait]
    impl PasswordHasher for NoHasher {
        async fn hash(&self, _: &Password) -> Result<PasswordHash, InfraError> {
            Ok(PasswordHash::new("x"))
        }
        async fn verify(&self, _: &str, _: &PasswordHash) -> Result<PasswordVerification, InfraError> {
            Ok(PasswordVerification::Invalid)
        }
    }

    fn entry(action: &str, minutes_ago: i64) -> AuditEntry {
        AuditEntry {
            id: AuditId::new(),
            actor_id: None,
            actor_name: "root".into(),
            action: action.into(),
            target: "user:x".into(),
            before: None,
            after: None,
            request_id: None,
            ip: None,
            at: Utc::now() - Duration::minutes(minutes_ago),
        }
    }

    #[tokio::test]
    async fn export_pages_through_the_filter_and_stops_at_the_cap() {
        let audit = Arc::new(MemoryAuditLog::default());
        for i in 0..250 {
            audit.append(&entry(if i % 2 == 0 { "user.disable" } else { "user.enable" }, i)).await.expect("append");
        }
        let service = AdminService::new(
            Arc::new(MemoryUserRepository::default()),
            Arc::new(MemorySessionStore::default()),
            Arc::new(NoHasher),
            audit,
            Arc::new(SystemClock),
        );
        let admin = Actor { id: UserId::new(), username: "root".into(), role: Role::Admin };
        let filter = AuditQuery { action: Some("user.disable".into()), ..AuditQuery::default() };
        let all = service.audit_export(&admin, &filter, AUDIT_EXPORT_CAP).await.expect("export");
        assert_eq!((all.entries.len(), all.total, all.truncated()), (125, 125, false));
        assert!(all.entries.iter().all(|e| e.action == "user.disable"), "the filter applies");
        assert!(all.entries.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
        let capped = service.audit_export(&admin, &AuditQuery::default(), 120).await.expect("export");
        assert_eq!((capped.entries.len(), capped.total, capped.truncated()), (120, 250, true));
        let plain = Actor { role: Role::User, ..admin };
        assert!(service.audit_export(&plain, &filter, 10).await.is_err(), "admins only");
    }
}
