//! The one place an audit entry is written: who acted, a typed action and target, the request it came
//! from, and the state before and after. Recording never fails the change it records: an entry the log
//! cannot store goes to the error log instead, whole.

use crate::{Actor, RequestMeta};
use domain::audit::{AuditAction, AuditEntry, AuditLog, AuditTarget};
use domain::clock::Clock;
use domain::ids::AuditId;
use serde_json::Value;
use std::sync::Arc;

/// Writes audit entries for the use cases that change things. Cheap to clone.
#[derive(Clone)]
pub struct AuditRecorder {
    log: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
}

impl AuditRecorder {
    /// A recorder over `log`, stamping entries with `clock`.
    pub fn new(log: Arc<dyn AuditLog>, clock: Arc<dyn Clock>) -> Self {
        Self { log, clock }
    }

    /// Records that `actor` did `action` to `target` in the request `meta` describes.
    pub async fn record(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        action: AuditAction,
        target: AuditTarget,
        before: Option<Value>,
        after: Option<Value>,
    ) {
        let entry = AuditEntry {
            id: AuditId::new(),
            actor_id: (!actor.is_system()).then_some(actor.id),
            actor_name: actor.username.clone(),
            action: action.code().to_owned(),
            target: target.to_string(),
            before,
            after,
            request_id: meta.request_id.clone(),
            ip: meta.ip.clone(),
            at: self.clock.now(),
        };
        if let Err(err) = self.log.append(&entry).await {
            tracing::error!(error = %err, ?entry, "audit entry could not be stored");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapter_memory::MemoryAuditLog;
    use domain::audit::AuditQuery;
    use domain::clock::SystemClock;
    use domain::settings::SettingKey;
    use serde_json::json;

    #[tokio::test]
    async fn entries_carry_the_actor_the_request_and_the_typed_action_and_target() {
        let log = Arc::new(MemoryAuditLog::default());
        let recorder = AuditRecorder::new(log.clone(), Arc::new(SystemClock));
        let meta =
            RequestMeta { request_id: Some("r-1".into()), ip: Some("203.0.113.7".into()), ..RequestMeta::default() };
        let target = AuditTarget::Setting(SettingKey::SiteName);
        recorder.record(&Actor::system(), &meta, AuditAction::SettingUpdate, target, None, Some(json!("x"))).await;
        let entries = log.list(&AuditQuery::default()).await.expect("list").items;
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!((e.action.as_str(), e.target.as_str()), ("setting.update", "setting:site.name"));
        assert_eq!((e.actor_id, e.actor_name.as_str()), (None, "system"), "the system acts without an id");
        assert_eq!((e.request_id.as_deref(), e.ip.as_deref()), (Some("r-1"), Some("203.0.113.7")));
    }
}
