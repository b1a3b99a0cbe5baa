//! The driven ports the scheduler runs on.

use domain::clock::Clock;
use domain::schedule::{DistributedLock, InstanceRegistry, RunStore, TaskControl};
use std::sync::Arc;

/// The driven ports of the scheduler: Redis (lock, instances, control) and SQL (runs) in production.
#[derive(Clone)]
pub struct SchedulerPorts {
    /// Tick locks.
    pub lock: Arc<dyn DistributedLock>,
    /// Run history.
    pub runs: Arc<dyn RunStore>,
    /// Instance heartbeats.
    pub instances: Arc<dyn InstanceRegistry>,
    /// Paused tasks.
    pub control: Arc<dyn TaskControl>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}
