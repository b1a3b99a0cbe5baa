//! The operator's use cases over the distributed scheduler: tasks with their state and statistics, run
//! history, instances, and run now / pause / resume. The scheduler itself (ticks, locks, runs) is an
//! adapter; it is reached through the [`SchedulerControl`] port it implements.

mod console;
mod control;

pub use console::{ConsoleError, ConsolePorts, CronConsole, STATS_DAYS, TaskView};
pub use control::{RunNowError, SchedulerControl, TaskDefinition};
