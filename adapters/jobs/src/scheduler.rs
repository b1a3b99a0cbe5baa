//! The one place tasks are registered.

use crate::engine::Engine;
use crate::options::SchedulerOptions;
use crate::ports::SchedulerPorts;
use crate::registry::{RegisterError, RegisteredTask, check};
use crate::task::{Task, TaskServices};
use domain::schedule::TaskName;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Collects tasks, then becomes an [`Engine`].
///
/// ```ignore
/// let mut scheduler = Scheduler::new(ports, services, options);
/// scheduler.register(PurgeDeletedUsers)?;
/// let engine = scheduler.build();
/// lifecycle.spawn("scheduler", engine.clone().run(token));
/// ```
pub struct Scheduler {
    ports: SchedulerPorts,
    services: TaskServices,
    options: SchedulerOptions,
    tasks: BTreeMap<TaskName, Arc<RegisteredTask>>,
}

impl Scheduler {
    /// A scheduler with no tasks yet.
    pub fn new(ports: SchedulerPorts, services: TaskServices, options: SchedulerOptions) -> Self {
        Self { ports, services, options, tasks: BTreeMap::new() }
    }

    /// Adds a task; refuses an invalid name or schedule, a zero timeout, or a name already registered.
    pub fn register<T: Task>(&mut self, task: T) -> Result<&mut Self, RegisterError> {
        let registered = check(task, self.options.default_timeout)?;
        if self.tasks.contains_key(&registered.name) {
            return Err(RegisterError::Duplicate(registered.name.to_string()));
        }
        tracing::debug!(target: "cron", task = %registered.name, schedule = %registered.expr, "task registered");
        self.tasks.insert(registered.name.clone(), Arc::new(registered));
        Ok(self)
    }

    /// The services tasks receive (e.g. to decide which optional tasks to register).
    pub fn services(&self) -> &TaskServices {
        &self.services
    }

    /// The options in force.
    pub fn options(&self) -> &SchedulerOptions {
        &self.options
    }

    /// Names registered so far, in order.
    pub fn task_names(&self) -> Vec<TaskName> {
        self.tasks.keys().cloned().collect()
    }

    /// The engine over the registered tasks; run it with [`Engine::run`].
    pub fn build(self) -> Arc<Engine> {
        Arc::new(Engine::new(self.tasks, self.ports, self.services, self.options))
    }
}
