//! The running scheduler: one apalis-cron worker per task feeding ticks to the runner, the housekeeping
//! loop, and the graceful stop. Never panics on a task's behalf and never stops because a backend is down.

use crate::housekeeping;
use crate::options::SchedulerOptions;
use crate::registry::RegisteredTask;
use crate::runner::{Origin, RunningRefusal};
use crate::scheduler::SchedulerPorts;
use crate::task::TaskServices;
use crate::ticker;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::schedule::{LockKey, MisfirePolicy, TaskName};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Why a manual run was refused.
#[derive(Debug, thiserror::Error)]
pub enum RunNowError {
    /// No task has this name.
    #[error("no task named {0}")]
    UnknownTask(String),
    /// The scheduler is shutting down.
    #[error("the scheduler is shutting down")]
    ShuttingDown,
    /// The task's overlap policy is `skip` and its previous run is still going.
    #[error("{0} is still running")]
    StillRunning(String),
    /// The lock backend failed, so the run could not be started safely.
    #[error(transparent)]
    Unavailable(#[from] InfraError),
}

/// The scheduler of one process. Cheap to share (`Arc`); the web page holds it too.
pub struct Engine {
    pub(crate) tasks: BTreeMap<TaskName, Arc<RegisteredTask>>,
    pub(crate) ports: SchedulerPorts,
    pub(crate) services: Arc<TaskServices>,
    pub(crate) options: SchedulerOptions,
    pub(crate) started_at: DateTime<Utc>,
    pub(crate) tasks_run: AtomicU64,
    /// Cancelled when shutdown begins: no new ticks or retries; running tasks start their last countdown.
    pub(crate) stopping: CancellationToken,
    /// Every tick being handled, so shutdown can wait for them (and their records).
    pub(crate) in_flight: TaskTracker,
}

impl Engine {
    pub(crate) fn new(
        tasks: BTreeMap<TaskName, Arc<RegisteredTask>>,
        ports: SchedulerPorts,
        services: TaskServices,
        options: SchedulerOptions,
    ) -> Self {
        let started_at = ports.clock.now();
        Self {
            tasks,
            ports,
            services: Arc::new(services),
            options,
            started_at,
            tasks_run: AtomicU64::new(0),
            stopping: CancellationToken::new(),
            in_flight: TaskTracker::new(),
        }
    }

    /// Every registered task, by name.
    pub fn tasks(&self) -> Vec<Arc<RegisteredTask>> {
        self.tasks.values().cloned().collect()
    }

    /// One task.
    pub fn task(&self, name: &TaskName) -> Option<Arc<RegisteredTask>> {
        self.tasks.get(name).cloned()
    }

    /// The ports, for the web page's reads.
    pub fn ports(&self) -> &SchedulerPorts {
        &self.ports
    }

    /// The options in force.
    pub fn options(&self) -> &SchedulerOptions {
        &self.options
    }

    /// Runs started by this instance since it started.
    pub fn tasks_run(&self) -> u64 {
        self.tasks_run.load(Ordering::Relaxed)
    }

    /// Starts a manual run of `name` on this instance, through the lock port and the run records (trigger
    /// `manual`, not subject to pause); returns the time recorded as its fire time. The locks are taken
    /// before it returns, so a task with overlap `skip` whose previous run is still going is refused here
    /// rather than recorded as skipped later.
    pub async fn run_now(self: &Arc<Self>, name: &TaskName) -> Result<DateTime<Utc>, RunNowError> {
        let task = self.task(name).ok_or_else(|| RunNowError::UnknownTask(name.to_string()))?;
        if self.stopping.is_cancelled() {
            return Err(RunNowError::ShuttingDown);
        }
        let running = self.take_running(&task).await.map_err(|refusal| match refusal {
            RunningRefusal::StillRunning => RunNowError::StillRunning(task.name.to_string()),
            RunningRefusal::Unavailable(e) => RunNowError::Unavailable(e),
        })?;
        let requested = self.ports.clock.now();
        let key = LockKey::custom(&task.name, &format!("manual-{}", requested.timestamp_micros()));
        let guard = match self.ports.lock.acquire(&key, self.options.lock_lease).await {
            Ok(Some(guard)) => guard,
            // The backend failed, or another request took this microsecond's key: free the overlap lock again.
            refused => {
                if let Some(g) = &running {
                    self.release(g).await;
                }
                return Err(match refused {
                    Err(e) => e.into(),
                    Ok(_) => RunNowError::StillRunning(task.name.to_string()),
                });
            }
        };
        self.in_flight.spawn(self.clone().run_locked(task, requested, Origin::Manual, guard, running));
        Ok(requested)
    }

    /// Handles the tick of `name` fired at `fire` as apalis-cron would (lock, pause state, overlap, retries,
    /// records) and returns once it is recorded. For tests and simulations that drive the scheduler with a
    /// manual clock instead of running the workers; a tick later than `cron.misfire_grace_secs` by the
    /// clock is skipped as missed, exactly as in production.
    pub async fn fire_tick(self: &Arc<Self>, name: &TaskName, fire: DateTime<Utc>) -> Result<(), RunNowError> {
        let task = self.task(name).ok_or_else(|| RunNowError::UnknownTask(name.to_string()))?;
        if self.stopping.is_cancelled() {
            return Err(RunNowError::ShuttingDown);
        }
        self.clone().handle(task, fire, Origin::Tick).await;
        Ok(())
    }

    /// Runs until `stop` is cancelled, then stops gracefully: no new ticks, running tasks get until their
    /// timeout (at most `shutdown_timeout`), then are cancelled and recorded as such.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        tracing::info!(
            target: "cron",
            instance = %self.options.instance_id,
            tasks = self.tasks.len(),
            "scheduler starting"
        );
        housekeeping::on_start(&self).await;
        self.catch_up();
        let workers = ticker::spawn_workers(&self, stop.clone());
        let keeper = tokio::spawn(housekeeping::run(self.clone(), stop.clone()));

        stop.cancelled().await;
        self.stopping.cancel();
        let running = self.in_flight.len();
        tracing::info!(target: "cron", running, "scheduler stopping; waiting for running tasks");
        self.in_flight.close();
        let bound = self.options.shutdown_timeout + Duration::from_secs(5);
        if tokio::time::timeout(bound, self.in_flight.wait()).await.is_err() {
            tracing::warn!(target: "cron", "running tasks did not wind down in time");
        }
        for worker in workers {
            let _ = tokio::time::timeout(Duration::from_secs(2), worker).await;
        }
        let _ = keeper.await;
        housekeeping::on_stop(&self).await;
        tracing::info!(target: "cron", tasks_run = self.tasks_run(), "scheduler stopped");
    }

    /// Ticks missed while every instance was down, for tasks whose misfire policy catches up.
    fn catch_up(self: &Arc<Self>) {
        for task in self.tasks.values() {
            let MisfirePolicy::RunOnce { window } = task.misfire else { continue };
            let engine = self.clone();
            let task = task.clone();
            self.in_flight.spawn(async move {
                let now = engine.ports.clock.now();
                let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::days(1));
                // Ticks of the last two seconds are the workers' own business.
                let Some(missed) = task.expr.last_at_or_before(now - chrono::Duration::seconds(2), window) else {
                    return;
                };
                match engine.ports.runs.last_fire(&task.name).await {
                    Ok(Some(last)) if last >= missed => {}
                    Ok(_) => {
                        tracing::info!(target: "cron", task = %task.name, fire_time = %missed, "catching up a missed tick");
                        engine.handle(task, missed, Origin::CatchUp).await;
                    }
                    Err(e) => tracing::warn!(target: "cron", task = %task.name, error = %e, "cannot check for missed ticks"),
                }
            });
        }
    }
}
