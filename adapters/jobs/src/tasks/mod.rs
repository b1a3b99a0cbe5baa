//! Tasks that ship with exchange: housekeeping every deployment needs, two examples of the task API, and
//! the probe the exactly-once tests and benchmarks count executions with.

mod examples;
mod housekeeping;
mod probe;

pub use examples::{FlakyExample, HelloExample};
pub use housekeeping::{ExpireSessions, PurgeDeletedUsers, RollUpDailyStats, SweepPresence};
pub use probe::ProbeTask;
