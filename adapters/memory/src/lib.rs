//! In-memory adapters for every driven port.
//!
//! First-class adapters, not mocks: they pass the same contract suites as the SQL and Redis adapters and
//! serve the embedded default (one instance, nothing survives a restart). They must never block the
//! executor: every lock here is held only for map operations, never across an `.await`.

pub mod audit;
pub mod bus;
pub mod cache;
pub mod conversations;
pub mod daily_stats;
mod delivery;
pub mod groups;
pub mod messages;
pub mod presence;
pub mod rate_limit;
pub mod schedule;
pub mod sequence;
pub mod sessions;
pub mod settings;
pub mod timer;
pub mod users;

pub use audit::MemoryAuditLog;
pub use bus::MemoryEventBus;
pub use cache::MemoryCache;
pub use conversations::MemoryConversationStore;
pub use daily_stats::MemoryDailyStats;
pub use groups::MemoryGroupStore;
pub use messages::MemoryMessageStore;
pub use presence::MemoryPresenceStore;
pub use rate_limit::MemoryRateLimiter;
pub use schedule::{MemoryInstanceRegistry, MemoryLock, MemoryRunStore, MemoryTaskControl};
pub use sequence::MemorySequenceAllocator;
pub use sessions::MemorySessionStore;
pub use settings::MemorySettingsStore;
pub use timer::TokioTimer;
pub use users::MemoryUserRepository;
