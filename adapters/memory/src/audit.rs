//! The audit log in a vector: appended under a lock, listed from a filtered, sorted copy.

use async_trait::async_trait;
use domain::InfraError;
use domain::audit::{AuditEntry, AuditLog, AuditQuery};
use domain::page::Page;
use std::sync::Mutex;

/// Audit entries kept in process memory.
#[derive(Debug, Default)]
pub struct MemoryAuditLog {
    entries: Mutex<Vec<AuditEntry>>,
}

fn matches(e: &AuditEntry, q: &AuditQuery) -> bool {
    q.actor_id.is_none_or(|a| e.actor_id == Some(a))
        && q.action.as_deref().is_none_or(|a| e.action == a)
        && q.target.as_deref().is_none_or(|t| e.target == t)
        && q.from.is_none_or(|from| e.at >= from)
        && q.to.is_none_or(|to| e.at < to)
}

#[async_trait]
impl AuditLog for MemoryAuditLog {
    async fn append(&self, entry: &AuditEntry) -> Result<(), InfraError> {
        crate::locked(&self.entries).push(entry.clone());
        Ok(())
    }

    async fn list(&self, query: &AuditQuery) -> Result<Page<AuditEntry>, InfraError> {
        let mut hits: Vec<AuditEntry> =
            crate::locked(&self.entries).iter().filter(|e| matches(e, query)).cloned().collect();
        hits.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
        let total = hits.len() as u64;
        let skip = usize::try_from(query.page.offset()).unwrap_or(usize::MAX);
        let items = hits.into_iter().skip(skip).take(query.page.size() as usize).collect();
        Ok(Page::new(items, total, query.page))
    }
}
