//! One tick, start to finish: take the tick's lock (or learn that another instance has it), honour pause
//! and overlap, record the run, run it under its timeout with retries, record the outcome, and keep the
//! tick's lock until no instance can still try it. A panicking or failing task is a failed record, never a
//! crash; a down lock backend is a skipped tick, never an unlocked run.
//!
//! The [`Runner`] owns what a run needs (ports, services, options, the shutdown token and the set of runs
//! in flight); the engine, the tick workers and the upkeep loop hold it, and it knows none of them.

use crate::keeper::Keeper;
use crate::metrics;
use crate::options::SchedulerOptions;
use crate::ports::SchedulerPorts;
use crate::registry::RegisteredTask;
use crate::task::{TaskContext, TaskServices};
use chrono::{DateTime, Utc};
use domain::schedule::{
    LockGuard, LockKey, OverlapPolicy, RunId, RunOutcome, RunRecord, RunStatus, RunStoreError, Trigger,
};
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long a cancelled task gets to notice and return before it is dropped.
const CANCEL_GRACE: Duration = Duration::from_secs(2);

/// Where a tick comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The task's schedule, on time.
    Tick,
    /// A tick missed while every instance was down, caught up at start.
    CatchUp,
    /// "Run now".
    Manual,
}

/// Why the overlap lock of a task could not be taken.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunningRefusal {
    /// The previous run still holds it.
    #[error("previous run still running (overlap policy: skip)")]
    StillRunning,
    /// The lock backend failed.
    #[error("lock backend unavailable: {0}")]
    Unavailable(domain::InfraError),
}

/// What became of one attempt.
enum Attempt {
    /// It ran (or was stopped) and ended in this status.
    Ended(RunStatus),
    /// A newer lock holder owns the tick: stop here.
    Superseded,
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}

fn millis(d: chrono::Duration) -> i64 {
    d.num_milliseconds()
}

/// Runs ticks and manual runs of one scheduler instance. Shared (`Arc`) by the engine, the tick workers
/// and the upkeep loop.
pub(crate) struct Runner {
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

impl Runner {
    /// A runner over `ports`; its start time is the clock's now.
    pub(crate) fn new(ports: SchedulerPorts, services: TaskServices, options: SchedulerOptions) -> Self {
        let started_at = ports.clock.now();
        Self {
            ports,
            services: Arc::new(services),
            options,
            started_at,
            tasks_run: AtomicU64::new(0),
            stopping: CancellationToken::new(),
            in_flight: TaskTracker::new(),
        }
    }

    /// Runs started by this instance since it started.
    pub(crate) fn tasks_run(&self) -> u64 {
        self.tasks_run.load(Ordering::Relaxed)
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.ports.clock.now()
    }

    /// Records a skipped tick (once, whichever instances report it) and counts it.
    async fn skip(&self, task: &RegisteredTask, fire: DateTime<Utc>, reason: &str) {
        metrics::tick(&task.name, "skipped");
        tracing::warn!(target: "cron::runner", task = %task.name, fire_time = %fire, reason, "tick skipped");
        let record = RunRecord::skipped(task.name.clone(), fire, &self.options.instance_id, reason, self.now());
        if let Err(e) = self.ports.runs.record_skip(&record).await {
            tracing::error!(target: "cron::runner", task = %task.name, error = %e, "skipped tick could not be recorded");
        }
    }

    /// Keeps a tick's lock until no instance can still be trying that tick, so it never runs twice.
    async fn hold(&self, guard: &LockGuard) {
        if let Err(e) = self.ports.lock.extend(guard, self.options.tick_hold()).await {
            tracing::warn!(target: "cron::runner", key = %guard.key, error = %e, "cannot keep the tick's lock; it expires with its lease");
        }
    }

    /// Handles one tick of `task` fired at `fire` (on time, or caught up at start).
    pub(crate) async fn handle(self: Arc<Self>, task: Arc<RegisteredTask>, fire: DateTime<Utc>, origin: Origin) {
        if self.stopping.is_cancelled() {
            return;
        }
        if origin == Origin::Tick {
            let late = self.now() - fire;
            let grace = chrono::Duration::from_std(self.options.misfire_grace).unwrap_or(chrono::Duration::MAX);
            if late > grace {
                let reason =
                    format!("missed: this instance fired it {} ms late (cron.misfire_grace_secs)", millis(late));
                self.skip(&task, fire, &reason).await;
                return;
            }
        }
        let lease = self.options.lock_lease;
        let guard = match self.ports.lock.acquire(&LockKey::tick(&task.name, fire), lease).await {
            Ok(Some(guard)) => guard,
            Ok(None) => {
                metrics::tick(&task.name, "lost");
                tracing::debug!(target: "cron::runner", task = %task.name, fire_time = %fire, "another instance has this tick");
                return;
            }
            Err(e) => {
                self.skip(&task, fire, &format!("lock backend unavailable: {e}")).await;
                return;
            }
        };
        metrics::tick(&task.name, "won");
        match self.ports.control.is_paused(&task.name).await {
            Ok(false) => {}
            Ok(true) => {
                metrics::tick(&task.name, "paused");
                tracing::info!(target: "cron::runner", task = %task.name, fire_time = %fire, "task paused; tick not run");
                self.hold(&guard).await;
                return;
            }
            Err(e) => {
                self.skip(&task, fire, &format!("pause state unavailable: {e}")).await;
                self.hold(&guard).await;
                return;
            }
        }
        let running = match self.take_running(&task).await {
            Ok(running) => running,
            Err(refusal) => {
                self.skip(&task, fire, &refusal.to_string()).await;
                self.after(origin, &guard).await;
                return;
            }
        };
        self.run_locked(task, fire, origin, guard, running).await;
    }

    /// Takes the lock that keeps runs of an overlap-`skip` task from overlapping (none for `allow`); the
    /// error is the reason to record when it cannot be taken.
    pub(crate) async fn take_running(&self, task: &RegisteredTask) -> Result<Option<LockGuard>, RunningRefusal> {
        match task.overlap {
            OverlapPolicy::Allow => Ok(None),
            OverlapPolicy::Skip => {
                match self.ports.lock.acquire(&LockKey::running(&task.name), self.options.lock_lease).await {
                    Ok(Some(g)) => Ok(Some(g)),
                    Ok(None) => Err(RunningRefusal::StillRunning),
                    Err(e) => Err(RunningRefusal::Unavailable(e)),
                }
            }
        }
    }

    /// Runs a tick (or manual run) whose locks are taken: keeps them alive, records each attempt, retries
    /// with backoff, then lets go of them.
    pub(crate) async fn run_locked(
        self: Arc<Self>,
        task: Arc<RegisteredTask>,
        fire: DateTime<Utc>,
        origin: Origin,
        guard: LockGuard,
        running: Option<LockGuard>,
    ) {
        let lease = self.options.lock_lease;
        let guards: Vec<LockGuard> = std::iter::once(guard.clone()).chain(running.clone()).collect();
        let keeper = Keeper::start(self.ports.lock.clone(), guards, lease);
        let first = if origin == Origin::Manual { Trigger::Manual } else { Trigger::Schedule };
        let mut attempt = 1;
        loop {
            let trigger = if attempt > 1 { Trigger::Retry } else { first };
            let status = match self.attempt(&task, fire, trigger, attempt, guard.fencing, &keeper).await {
                Attempt::Ended(status) => status,
                Attempt::Superseded => break,
            };
            let failed = matches!(status, RunStatus::Failed | RunStatus::TimedOut);
            let Some(wait) = task.retry.backoff_before(attempt + 1).filter(|_| failed && !keeper.lost()) else {
                break;
            };
            tracing::info!(target: "cron::runner", task = %task.name, attempt, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::select! {
                _ = tokio::time::sleep(wait) => attempt += 1,
                _ = self.stopping.cancelled() => break,
            }
        }
        keeper.stop().await;
        if let Some(g) = &running {
            self.release(g).await;
        }
        self.after(origin, &guard).await;
    }

    /// Frees a lock this instance holds; one it cannot free expires with its lease, so that is only logged.
    pub(crate) async fn release(&self, guard: &LockGuard) {
        if let Err(e) = self.ports.lock.release(guard).await {
            tracing::warn!(target: "cron::runner", key = %guard.key, error = %e, "cannot release a lock; it expires with its lease");
        }
    }

    /// What happens to the tick's own lock afterwards: manual runs free it, ticks keep it.
    async fn after(&self, origin: Origin, guard: &LockGuard) {
        match origin {
            Origin::Manual => self.release(guard).await,
            Origin::Tick | Origin::CatchUp => self.hold(guard).await,
        }
    }

    /// One attempt: record the start, run, record the end.
    async fn attempt(
        &self,
        task: &Arc<RegisteredTask>,
        fire: DateTime<Utc>,
        trigger: Trigger,
        attempt: u32,
        fencing: u64,
        keeper: &Keeper,
    ) -> Attempt {
        let started = self.now();
        let record =
            RunRecord::started(task.name.clone(), fire, trigger, attempt, &self.options.instance_id, fencing, started);
        let recorded = match self.ports.runs.start(&record).await {
            Ok(()) => true,
            Err(RunStoreError::Stale) => {
                tracing::warn!(target: "cron::runner", task = %task.name, fire_time = %fire, fencing, "a newer lock holder owns this tick; not running");
                return Attempt::Superseded;
            }
            Err(RunStoreError::Infra(e)) => {
                tracing::error!(target: "cron::runner", task = %task.name, error = %e, "run record could not be stored; running anyway (the lock is held)");
                false
            }
        };
        self.tasks_run.fetch_add(1, Ordering::Relaxed);
        if trigger == Trigger::Schedule {
            metrics::tick_lag(&task.name, (started - fire).to_std().unwrap_or_default());
        }
        tracing::info!(target: "cron::runner", task = %task.name, fire_time = %fire, %trigger, attempt, run_id = %record.id, "run started");
        let token = CancellationToken::new();
        let ctx = TaskContext {
            task: task.name.clone(),
            run_id: record.id,
            fire_time: fire,
            attempt,
            trigger,
            instance: self.options.instance_id.clone(),
            token: token.clone(),
        };
        let clock = std::time::Instant::now();
        let (status, error) = self.execute(task, ctx, token, keeper.lost_token()).await;
        metrics::run_finished(&task.name, status, clock.elapsed());
        let outcome = RunOutcome { status, finished_at: self.now(), error: error.clone() };
        tracing::info!(
            target: "cron::runner",
            task = %task.name,
            fire_time = %fire,
            %trigger,
            attempt,
            run_id = %record.id,
            status = status.as_str(),
            duration_ms = clock.elapsed().as_millis() as u64,
            error = error.as_deref().unwrap_or(""),
            "run finished"
        );
        if recorded {
            self.finish(record.id, fencing, &outcome, task).await;
        }
        Attempt::Ended(status)
    }

    async fn finish(&self, id: RunId, fencing: u64, outcome: &RunOutcome, task: &RegisteredTask) {
        match self.ports.runs.finish(id, fencing, outcome).await {
            Ok(()) => {}
            Err(RunStoreError::Stale) => {
                tracing::warn!(target: "cron::runner", task = %task.name, run_id = %id, "run record was taken over; outcome not recorded")
            }
            Err(RunStoreError::Infra(e)) => {
                tracing::error!(target: "cron::runner", task = %task.name, run_id = %id, error = %e, "run outcome could not be recorded")
            }
        }
    }

    /// Runs the task until it returns, times out, the lock is lost, or shutdown stops waiting.
    async fn execute(
        &self,
        task: &Arc<RegisteredTask>,
        ctx: TaskContext,
        token: CancellationToken,
        lost: CancellationToken,
    ) -> (RunStatus, Option<String>) {
        let (job, services) = (task.task.clone(), self.services.clone());
        let fut = AssertUnwindSafe(async move { job.run(ctx, &services).await }).catch_unwind();
        let mut fut = std::pin::pin!(fut);
        let timeout_at = Instant::now() + task.timeout;
        let mut deadline = timeout_at;
        let mut stopping_seen = false;
        let stopped: (RunStatus, String) = loop {
            tokio::select! {
                result = &mut fut => {
                    return match result {
                        Ok(Ok(())) => (RunStatus::Succeeded, None),
                        Ok(Err(e)) => (RunStatus::Failed, Some(e.message().to_owned())),
                        Err(panic) => (RunStatus::Failed, Some(format!("panicked: {}", panic_message(&*panic)))),
                    };
                }
                _ = tokio::time::sleep_until(deadline) => {
                    break if deadline < timeout_at {
                        (RunStatus::Cancelled, "cancelled: the scheduler shut down before the run ended (cron.shutdown_timeout_secs)".to_owned())
                    } else {
                        (RunStatus::TimedOut, format!("timed out after {} s", task.timeout.as_secs_f64()))
                    };
                }
                _ = self.stopping.cancelled(), if !stopping_seen => {
                    stopping_seen = true;
                    deadline = deadline.min(Instant::now() + self.options.shutdown_timeout);
                }
                _ = lost.cancelled() => {
                    break (RunStatus::Failed, "lock lost while running (lease expired)".to_owned());
                }
            }
        };
        token.cancel();
        if tokio::time::timeout(CANCEL_GRACE, &mut fut).await.is_err() {
            tracing::warn!(target: "cron::runner", task = %task.name, "task ignored cancellation; dropped");
        }
        (stopped.0, Some(stopped.1))
    }
}
