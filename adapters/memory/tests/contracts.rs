//! Every contract suite the in-memory adapters pass, the same suites the SQL, Redis and MongoDB adapters run
//! from their own `tests/`.

use adapter_memory::*;
use std::sync::Arc;

adapter_contracts::audit_suite!(async { Arc::new(MemoryAuditLog::default()) });
adapter_contracts::bus_suite!(async {
    let bus = MemoryEventBus::default();
    (Arc::new(bus.clone()), Arc::new(bus))
});
adapter_contracts::sequence_suite!(async {
    let one = Arc::new(MemorySequenceAllocator::default());
    (one.clone(), one)
});
adapter_contracts::cache_suite!(async { Arc::new(MemoryCache::default()) });
adapter_contracts::conversations_suite!(async { Arc::new(MemoryConversationStore::default()) });
adapter_contracts::daily_stats_suite!(async { Arc::new(MemoryDailyStats::default()) });
adapter_contracts::groups_suite!(async { Arc::new(MemoryGroupStore::default()) });
adapter_contracts::messages_suite!(async { Arc::new(MemoryMessageStore::default()) });
adapter_contracts::presence_suite!(async {
    let one = Arc::new(MemoryPresenceStore::default());
    (one.clone(), one)
});
adapter_contracts::rate_limit_suite!(async { Arc::new(MemoryRateLimiter::default()) });
adapter_contracts::control_suite!(async { Arc::new(MemoryTaskControl::default()) });
adapter_contracts::instances_suite!(async { Arc::new(MemoryInstanceRegistry::default()) });
adapter_contracts::lock_suite!(async { Arc::new(MemoryLock::default()) });
adapter_contracts::runs_suite!(async { Arc::new(MemoryRunStore::default()) });
adapter_contracts::sessions_suite!(async { Arc::new(MemorySessionStore::default()) });
adapter_contracts::settings_suite!(async { Arc::new(MemorySettingsStore::default()) });
adapter_contracts::users_suite!(async { Arc::new(MemoryUserRepository::default()) });
