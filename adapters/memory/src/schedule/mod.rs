//! The scheduler's ports in process memory: enough for one instance (the embedded default) and for tests.
//! A lock in memory coordinates nothing across processes; with several instances use Redis.

mod control;
mod instances;
mod lock;
mod runs;

pub use control::MemoryTaskControl;
pub use instances::MemoryInstanceRegistry;
pub use lock::MemoryLock;
pub use runs::MemoryRunStore;

pub(crate) use crate::locked;
