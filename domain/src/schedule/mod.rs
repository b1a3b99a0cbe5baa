//! The distributed scheduler's vocabulary: what a task is called and when it fires ([`TaskName`],
//! [`CronExpr`]), how it behaves when things go wrong (the policies), what a run leaves behind
//! ([`RunRecord`]), and the ports that make one run per tick true across instances: the
//! [`DistributedLock`], the [`RunStore`], the [`InstanceRegistry`] and the shared [`TaskControl`] state.
//!
//! Exactly-once rests on one rule: a tick is identified by its task and its fire time, never by who fires
//! it. Every instance computes the same fire times from the same expression, asks the lock for the key of
//! that tick, and only the winner runs it.

mod control;
mod expr;
mod instances;
mod lock;
mod name;
mod policy;
mod run;
mod runs;

pub use control::{PauseState, TaskControl};
pub use expr::CronExpr;
pub use instances::{InstanceInfo, InstanceRegistry, InstanceStatus};
pub use lock::{DistributedLock, LockGuard, LockKey};
pub use name::TaskName;
pub use policy::{MisfirePolicy, OverlapPolicy, RetryPolicy};
pub use run::{RunId, RunOutcome, RunQuery, RunRecord, RunStatus, TaskStats, Trigger};
pub use runs::{RunStore, RunStoreError};
