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

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks a mutex whose data stays consistent even if a holder panicked (every update is a few inserts).
pub(crate) fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
