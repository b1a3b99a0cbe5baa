//! In-memory adapters for every driven port.
//!
//! First-class adapters, not mocks: they pass the same contract suites as the SQL and Redis adapters and
//! serve the embedded default (one instance, nothing survives a restart). They must never block the
//! executor: every lock here is held only for map operations, never across an `.await`.

pub mod audit;
pub mod settings;
pub mod users;

pub use audit::MemoryAuditLog;
pub use settings::MemorySettingsStore;
pub use users::MemoryUserRepository;
