//! One fresh in-memory adapter of every driven port this crate has: the one place memory wiring is written,
//! for the embedded default's composition and for every test that runs use cases on memory.

use crate::{
    MemoryAuditLog, MemoryCache, MemoryConversationStore, MemoryDailyStats, MemoryEventBus, MemoryGroupStore,
    MemoryInstanceRegistry, MemoryLock, MemoryMessageStore, MemoryPresenceStore, MemoryRateLimiter, MemoryRunStore,
    MemorySequenceAllocator, MemorySessionStore, MemorySettingsStore, MemoryTaskControl, MemoryUserRepository,
};
use std::sync::Arc;

/// Every in-memory adapter, each behind an `Arc` of its own type so a test can arrange or inspect its
/// state; an `Arc<MemoryX>` coerces to the port's `Arc<dyn X>` wherever a service takes one. `default()`
/// gives fresh, empty, independent stores.
#[derive(Clone, Default)]
pub struct MemoryPorts {
    /// Accounts.
    pub users: Arc<MemoryUserRepository>,
    /// Sessions and refresh-token families.
    pub sessions: Arc<MemorySessionStore>,
    /// The audit log.
    pub audit: Arc<MemoryAuditLog>,
    /// Stored settings.
    pub settings: Arc<MemorySettingsStore>,
    /// Rate limits and failed-login counters.
    pub rate_limiter: Arc<MemoryRateLimiter>,
    /// The byte cache.
    pub cache: Arc<MemoryCache>,
    /// Events between the services (one process).
    pub bus: Arc<MemoryEventBus>,
    /// Chat messages.
    pub messages: Arc<MemoryMessageStore>,
    /// Groups and memberships.
    pub groups: Arc<MemoryGroupStore>,
    /// Direct conversations and read positions.
    pub conversations: Arc<MemoryConversationStore>,
    /// Per-conversation seqs.
    pub sequences: Arc<MemorySequenceAllocator>,
    /// Who is online.
    pub presence: Arc<MemoryPresenceStore>,
    /// Daily statistics.
    pub daily_stats: Arc<MemoryDailyStats>,
    /// Scheduler run history.
    pub runs: Arc<MemoryRunStore>,
    /// Scheduler tick locks (one process).
    pub lock: Arc<MemoryLock>,
    /// Scheduler instance heartbeats.
    pub instances: Arc<MemoryInstanceRegistry>,
    /// Paused tasks.
    pub control: Arc<MemoryTaskControl>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_a_fresh_store() {
        let (a, b) = (MemoryPorts::default(), MemoryPorts::default());
        assert!(!Arc::ptr_eq(&a.users, &b.users) && !Arc::ptr_eq(&a.bus, &b.bus));
        let shared = a.clone();
        assert!(Arc::ptr_eq(&a.runs, &shared.runs), "a clone shares the stores");
    }
}
