//! The distributed scheduler: tasks defined in code, fired by apalis-cron on every instance, and run exactly
//! once per tick across instances through the lock port (Redis in production).
//!
//! A tick is identified by its task and fire time. Every instance fires every tick; each asks the lock for
//! `task:<fire time>`; the winner records the run (with the lock's fencing token), runs it under its timeout
//! and retry policy, records the outcome, and keeps the tick's lock until no instance can still try it.
//! Losers do nothing. If the lock backend is down, every instance skips the tick and records why; nothing
//! ever runs unlocked. See docs/cron.md.
//!
//! The operator's use cases over it (the cron page's) are `application::scheduler`, through the
//! [`SchedulerControl`](application::scheduler::SchedulerControl) port [`Engine::control`] implements; the
//! page and its JSON API are served by adapter-http's `cron` module.

mod engine;
mod keeper;
mod metrics;
mod options;
mod ports;
mod registry;
mod runner;
mod scheduler;
mod task;
pub mod tasks;
mod ticker;
mod upkeep;

pub use application::scheduler::RunNowError;
pub use engine::Engine;
pub use options::SchedulerOptions;
pub use ports::SchedulerPorts;
pub use registry::{RegisterError, RegisteredTask};
pub use scheduler::Scheduler;
pub use task::{Schedule, Task, TaskContext, TaskError, TaskServices};

/// Re-exported so tasks can name their policies without depending on `domain` directly.
pub use domain::schedule::{MisfirePolicy, OverlapPolicy, RetryPolicy, Trigger};
