//! In-memory adapters for every driven port.
//!
//! First-class adapters, not mocks: they pass the same contract suites as the SQL and Redis adapters and
//! serve the embedded default (one instance, nothing survives a restart). They must never block the
//! executor: every lock here is held only for map operations, never across an `.await`.
//!
//! One policy for a poisoned lock, [`locked`]: the data is taken as it is. Every critical section here
//! leaves its map consistent before anything in it can panic (a few inserts or removes), so one caller's
//! panic never takes the adapter down for the others, and no `expect` on a lock can panic a server.

mod audit;
mod bus;
mod cache;
mod conversations;
mod daily_stats;
mod groups;
mod messages;
mod ports;
mod presence;
mod rate_limit;
mod schedule;
mod sequence;
mod sessions;
mod settings;
mod timer;
mod users;

pub use audit::MemoryAuditLog;
pub use bus::MemoryEventBus;
pub use cache::MemoryCache;
pub use conversations::MemoryConversationStore;
pub use daily_stats::MemoryDailyStats;
pub use groups::MemoryGroupStore;
pub use messages::MemoryMessageStore;
pub use ports::MemoryPorts;
pub use presence::MemoryPresenceStore;
pub use rate_limit::MemoryRateLimiter;
pub use schedule::{MemoryInstanceRegistry, MemoryLock, MemoryRunStore, MemoryTaskControl};
pub use sequence::MemorySequenceAllocator;
pub use sessions::MemorySessionStore;
pub use settings::MemorySettingsStore;
pub use timer::TokioTimer;
pub use users::MemoryUserRepository;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `m`, taking the data as it is if a holder panicked (the crate's one poisoning policy).
pub(crate) fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
