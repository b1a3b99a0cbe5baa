//! The running scheduler: one apalis-cron worker per task feeding ticks to the runner, the upkeep loop,
//! and the graceful stop. Never panics on a task's behalf and never stops because a backend is down. It
//! is the [`SchedulerControl`] the operator's use cases drive.

use crate::options::SchedulerOptions;
use crate::ports::SchedulerPorts;
use crate::registry::RegisteredTask;
use crate::runner::{Origin, Runner, RunningRefusal};
use crate::task::TaskServices;
use crate::{ticker, upkeep};
use application::scheduler::{RunNowError, SchedulerControl, TaskDefinition};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::schedule::{LockKey, MisfirePolicy, TaskName};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The scheduler of one process: its tasks and the runner that runs them. Cheap to share (`Arc`).
pub struct Engine {
    tasks: BTreeMap<TaskName, Arc<RegisteredTask>>,
    runner: Arc<Runner>,
}

impl Engine {
    pub(crate) fn new(
        tasks: BTreeMap<TaskName, Arc<RegisteredTask>>,
        ports: SchedulerPorts,
        services: TaskServices,
        options: SchedulerOptions,
    ) -> Self {
        Self { tasks, runner: Arc::new(Runner::new(ports, services, options)) }
    }

    /// The engine as the operator's use cases drive it.
    pub fn control(self: &Arc<Self>) -> Arc<dyn SchedulerControl> {
        Arc::new(Control(self.clone()))
    }

    /// Every registered task, by name.
    pub fn tasks(&self) -> Vec<Arc<RegisteredTask>> {
        self.tasks.values().cloned().collect()
    }

    /// One task.
    pub fn task(&self, name: &TaskName) -> Option<Arc<RegisteredTask>> {
        self.tasks.get(name).cloned()
    }

    /// The ports it runs on.
    pub fn ports(&self) -> &SchedulerPorts {
        &self.runner.ports
    }

    /// The options in force.
    pub fn options(&self) -> &SchedulerOptions {
        &self.runner.options
    }

    /// Runs started by this instance since it started.
    pub fn tasks_run(&self) -> u64 {
        self.runner.tasks_run()
    }

    /// Starts a manual run of `name` on this instance, through the lock port and the run records (trigger
    /// `manual`, not subject to pause); returns the time recorded as its fire time. The locks are taken
    /// before it returns, so a task with overlap `skip` whose previous run is still going is refused here
    /// rather than recorded as skipped later.
    pub async fn run_now(&self, name: &TaskName) -> Result<DateTime<Utc>, RunNowError> {
        let task = self.task(name).ok_or_else(|| RunNowError::UnknownTask(name.to_string()))?;
        let runner = &self.runner;
        if runner.stopping.is_cancelled() {
            return Err(RunNowError::ShuttingDown);
        }
        let running = runner.take_running(&task).await.map_err(|refusal| match refusal {
            RunningRefusal::StillRunning => RunNowError::StillRunning(task.name.to_string()),
            RunningRefusal::Unavailable(e) => RunNowError::Unavailable(e),
        })?;
        let requested = runner.now();
        let key = LockKey::custom(&task.name, &format!("manual-{}", requested.timestamp_micros()));
        let guard = match runner.ports.lock.acquire(&key, runner.options.lock_lease).await {
            Ok(Some(guard)) => guard,
            // The backend failed, or another request took this microsecond's key: free the overlap lock again.
            refused => {
                if let Some(g) = &running {
                    runner.release(g).await;
                }
                return Err(match refused {
                    Err(e) => e.into(),
                    Ok(_) => RunNowError::StillRunning(task.name.to_string()),
                });
            }
        };
        runner.in_flight.spawn(runner.clone().run_locked(task, requested, Origin::Manual, guard, running));
        Ok(requested)
    }

    /// Handles the tick of `name` fired at `fire` as apalis-cron would (lock, pause state, overlap, retries,
    /// records) and returns once it is recorded. For tests and simulations that drive the scheduler with a
    /// manual clock instead of running the workers; a tick later than `cron.misfire_grace_secs` by the
    /// clock is skipped as missed, exactly as in production.
    pub async fn fire_tick(&self, name: &TaskName, fire: DateTime<Utc>) -> Result<(), RunNowError> {
        let task = self.task(name).ok_or_else(|| RunNowError::UnknownTask(name.to_string()))?;
        if self.runner.stopping.is_cancelled() {
            return Err(RunNowError::ShuttingDown);
        }
        self.runner.clone().handle(task, fire, Origin::Tick).await;
        Ok(())
    }

    /// Runs until `stop` is cancelled, then stops gracefully: no new ticks, running tasks get until their
    /// timeout (at most `shutdown_timeout`), then are cancelled and recorded as such.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        let runner = self.runner.clone();
        tracing::info!(
            target: "cron",
            instance = %runner.options.instance_id,
            tasks = self.tasks.len(),
            "scheduler starting"
        );
        upkeep::on_start(&runner).await;
        self.catch_up();
        let workers = ticker::spawn_workers(&runner, self.tasks.values(), stop.clone());
        let keeper = tokio::spawn(upkeep::run(runner.clone(), stop.clone()));

        stop.cancelled().await;
        runner.stopping.cancel();
        let running = runner.in_flight.len();
        tracing::info!(target: "cron", running, "scheduler stopping; waiting for running tasks");
        runner.in_flight.close();
        let bound = runner.options.shutdown_timeout + Duration::from_secs(5);
        if tokio::time::timeout(bound, runner.in_flight.wait()).await.is_err() {
            tracing::warn!(target: "cron", "running tasks did not wind down in time");
        }
        for worker in workers {
            let _ = tokio::time::timeout(Duration::from_secs(2), worker).await;
        }
        let _ = keeper.await;
        upkeep::on_stop(&runner).await;
        tracing::info!(target: "cron", tasks_run = self.tasks_run(), "scheduler stopped");
    }

    /// Ticks missed while every instance was down, for tasks whose misfire policy catches up.
    fn catch_up(&self) {
        for task in self.tasks.values() {
            let MisfirePolicy::RunOnce { window } = task.misfire else { continue };
            let runner = self.runner.clone();
            let task = task.clone();
            self.runner.in_flight.spawn(async move {
                let now = runner.now();
                let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::days(1));
                // Ticks of the last two seconds are the workers' own business.
                let Some(missed) = task.expr.last_at_or_before(now - chrono::Duration::seconds(2), window) else {
                    return;
                };
                match runner.ports.runs.last_fire(&task.name).await {
                    Ok(Some(last)) if last >= missed => {}
                    Ok(_) => {
                        tracing::info!(target: "cron", task = %task.name, fire_time = %missed, "catching up a missed tick");
                        runner.handle(task, missed, Origin::CatchUp).await;
                    }
                    Err(e) => tracing::warn!(target: "cron", task = %task.name, error = %e, "cannot check for missed ticks"),
                }
            });
        }
    }
}

/// The engine behind the [`SchedulerControl`] port.
struct Control(Arc<Engine>);

#[async_trait]
impl SchedulerControl for Control {
    fn tasks(&self) -> Vec<TaskDefinition> {
        self.0.tasks.values().map(|t| t.definition.clone()).collect()
    }

    fn task(&self, name: &TaskName) -> Option<TaskDefinition> {
        self.0.tasks.get(name).map(|t| t.definition.clone())
    }

    async fn run_now(&self, name: &TaskName) -> Result<DateTime<Utc>, RunNowError> {
        self.0.run_now(name).await
    }
}
