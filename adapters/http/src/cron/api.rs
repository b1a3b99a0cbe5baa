//! The cron page's JSON API under `/api/v1/cron`. Handlers resolve the caller (admins only, role re-read),
//! translate shapes and call the [`CronConsole`]; nothing else.

use crate::api::AdminAuth;
use crate::api::admin::{PageParam, SizeParam, page_request};
use crate::edge::RequestContext;
use crate::problem::ApiError;
use application::scheduler::{CronConsole, STATS_DAYS, TaskView};
use chrono::{DateTime, Utc};
use domain::schedule::{
    InstanceStatus, MisfirePolicy, OverlapPolicy, RunQuery, RunRecord, RunStatus, TaskName, Trigger,
};
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use std::sync::Arc;

/// Tags of the cron API.
#[derive(Tags)]
enum CronTags {
    /// Tasks, run history and instances of the distributed scheduler (admin or super_admin role).
    Cron,
}

/// The cron operations.
pub struct CronApi {
    console: Arc<CronConsole>,
}

impl CronApi {
    /// Operations over the console.
    pub fn new(console: Arc<CronConsole>) -> Self {
        Self { console }
    }
}

/// How a task retries.
#[derive(Object)]
#[oai(example)]
struct RetryDto {
    /// Retries after the first attempt.
    max_retries: u32,
    /// Wait before the first retry, ms.
    initial_backoff_ms: u64,
    /// Growth factor of the wait.
    multiplier: u32,
    /// Longest wait, ms.
    max_backoff_ms: u64,
}

/// Counters of the last days' runs.
#[derive(Object)]
#[oai(example)]
struct StatsDto {
    /// Days covered.
    days: i64,
    /// Records (skipped ticks included).
    runs: u64,
    /// Succeeded runs.
    succeeded: u64,
    /// Failed runs.
    failed: u64,
    /// Timed-out runs.
    timed_out: u64,
    /// Skipped ticks.
    skipped: u64,
    /// Runs cancelled by a shutdown.
    cancelled: u64,
    /// Runs going on now.
    running: u64,
    /// Succeeded over attempted (0..1); absent with no attempted run.
    #[oai(skip_serializing_if_is_none)]
    success_rate: Option<f64>,
    /// Mean duration of finished runs, ms.
    #[oai(skip_serializing_if_is_none)]
    avg_duration_ms: Option<f64>,
    /// 95th percentile duration of finished runs, ms.
    #[oai(skip_serializing_if_is_none)]
    p95_duration_ms: Option<u64>,
}

/// A task as the page shows it.
#[derive(Object)]
#[oai(example)]
struct TaskDto {
    /// Unique name.
    name: String,
    /// What it does.
    description: String,
    /// Cron expression with seconds (`sec min hour day month weekday`), UTC.
    schedule: String,
    /// Next fire time.
    #[oai(skip_serializing_if_is_none)]
    next_fire: Option<DateTime<Utc>>,
    /// Timeout, seconds.
    timeout_secs: f64,
    /// Retry policy.
    retry: RetryDto,
    /// `skip` (no overlapping runs) or `allow`.
    overlap: String,
    /// `skip`, or `run_once` after downtime.
    misfire: String,
    /// Oldest missed tick still caught up (`run_once` only), seconds.
    #[oai(skip_serializing_if_is_none)]
    misfire_window_secs: Option<u64>,
    /// Paused on every instance.
    paused: bool,
    /// Who paused it.
    #[oai(skip_serializing_if_is_none)]
    paused_by: Option<String>,
    /// When it was paused.
    #[oai(skip_serializing_if_is_none)]
    paused_at: Option<DateTime<Utc>>,
    /// The newest run record.
    #[oai(skip_serializing_if_is_none)]
    last_run: Option<RunDto>,
    /// Statistics of the last days.
    stats: StatsDto,
}

/// Where a run stands (`running` is the only state that changes).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
enum RunStatusDto {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Skipped,
    Cancelled,
}

impl From<RunStatus> for RunStatusDto {
    fn from(s: RunStatus) -> Self {
        match s {
            RunStatus::Running => Self::Running,
            RunStatus::Succeeded => Self::Succeeded,
            RunStatus::Failed => Self::Failed,
            RunStatus::TimedOut => Self::TimedOut,
            RunStatus::Skipped => Self::Skipped,
            RunStatus::Cancelled => Self::Cancelled,
        }
    }
}

impl From<RunStatusDto> for RunStatus {
    fn from(s: RunStatusDto) -> Self {
        match s {
            RunStatusDto::Running => Self::Running,
            RunStatusDto::Succeeded => Self::Succeeded,
            RunStatusDto::Failed => Self::Failed,
            RunStatusDto::TimedOut => Self::TimedOut,
            RunStatusDto::Skipped => Self::Skipped,
            RunStatusDto::Cancelled => Self::Cancelled,
        }
    }
}

/// Why a run happened.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
enum TriggerDto {
    Schedule,
    Manual,
    Retry,
}

impl From<Trigger> for TriggerDto {
    fn from(t: Trigger) -> Self {
        match t {
            Trigger::Schedule => Self::Schedule,
            Trigger::Manual => Self::Manual,
            Trigger::Retry => Self::Retry,
        }
    }
}

impl From<TriggerDto> for Trigger {
    fn from(t: TriggerDto) -> Self {
        match t {
            TriggerDto::Schedule => Self::Schedule,
            TriggerDto::Manual => Self::Manual,
            TriggerDto::Retry => Self::Retry,
        }
    }
}

/// One run (or skipped tick).
#[derive(Object)]
#[oai(example)]
struct RunDto {
    /// Record id.
    id: String,
    /// Task name.
    task: String,
    /// The tick's fire time (manual runs: when requested).
    fire_time: DateTime<Utc>,
    /// Schedule tick, operator's run now, or retry of a failed attempt.
    trigger: TriggerDto,
    /// 1 for the first attempt of a tick.
    attempt: u32,
    /// The instance that ran or skipped it.
    instance: String,
    /// The lock's fencing token (0 for skipped ticks).
    fencing: u64,
    /// Where the run stands.
    status: RunStatusDto,
    /// Start (or skip) time.
    started_at: DateTime<Utc>,
    /// End time.
    #[oai(skip_serializing_if_is_none)]
    finished_at: Option<DateTime<Utc>>,
    /// Duration, ms.
    #[oai(skip_serializing_if_is_none)]
    duration_ms: Option<u64>,
    /// Error, timeout or skip reason.
    #[oai(skip_serializing_if_is_none)]
    error: Option<String>,
}

impl From<RunRecord> for RunDto {
    fn from(r: RunRecord) -> Self {
        Self {
            id: r.id.to_string(),
            task: r.task.to_string(),
            fire_time: r.fire_time,
            trigger: r.trigger.into(),
            attempt: r.attempt,
            instance: r.instance,
            fencing: r.fencing,
            status: r.status.into(),
            started_at: r.started_at,
            finished_at: r.finished_at,
            duration_ms: r.duration_ms,
            error: r.error,
        }
    }
}

impl From<TaskView> for TaskDto {
    fn from(v: TaskView) -> Self {
        let t = &v.task;
        let (misfire, window) = match t.misfire {
            MisfirePolicy::Skip => ("skip", None),
            MisfirePolicy::RunOnce { window } => ("run_once", Some(window.as_secs())),
        };
        let s = &v.stats;
        Self {
            name: t.name.to_string(),
            description: t.description.clone(),
            schedule: t.expr.to_string(),
            next_fire: v.next_fire,
            timeout_secs: t.timeout.as_secs_f64(),
            retry: RetryDto {
                max_retries: t.retry.max_retries,
                initial_backoff_ms: t.retry.initial_backoff.as_millis() as u64,
                multiplier: t.retry.multiplier,
                max_backoff_ms: t.retry.max_backoff.as_millis() as u64,
            },
            overlap: match t.overlap {
                OverlapPolicy::Skip => "skip",
                OverlapPolicy::Allow => "allow",
            }
            .to_owned(),
            misfire: misfire.to_owned(),
            misfire_window_secs: window,
            paused: v.paused.is_some(),
            paused_by: v.paused.as_ref().map(|p| p.paused_by.clone()),
            paused_at: v.paused.as_ref().map(|p| p.paused_at),
            last_run: s.last.clone().map(RunDto::from),
            stats: StatsDto {
                days: STATS_DAYS,
                runs: s.runs,
                succeeded: s.succeeded,
                failed: s.failed,
                timed_out: s.timed_out,
                skipped: s.skipped,
                cancelled: s.cancelled,
                running: s.running,
                success_rate: s.success_rate(),
                avg_duration_ms: s.avg_duration_ms,
                p95_duration_ms: s.p95_duration_ms,
            },
        }
    }
}

/// A page of runs, newest fire time first.
#[derive(Object)]
#[oai(example)]
struct RunPageDto {
    /// Runs on this page.
    items: Vec<RunDto>,
    /// Runs matching the filters.
    total: u64,
    /// Page number.
    page: u32,
    /// Page size.
    size: u32,
}

/// A scheduler instance.
#[derive(Object)]
#[oai(example)]
struct InstanceDto {
    /// Instance id.
    id: String,
    /// Host name.
    host: String,
    /// Process id.
    pid: u32,
    /// exchange version.
    version: String,
    /// When it started.
    started_at: DateTime<Utc>,
    /// Last heartbeat.
    last_seen: DateTime<Utc>,
    /// Runs it started.
    tasks_run: u64,
    /// Heartbeating (and not stopped).
    alive: bool,
    /// When it stopped gracefully.
    #[oai(skip_serializing_if_is_none)]
    left_at: Option<DateTime<Utc>>,
}

impl From<InstanceStatus> for InstanceDto {
    fn from(s: InstanceStatus) -> Self {
        Self {
            id: s.info.id,
            host: s.info.host,
            pid: s.info.pid,
            version: s.info.version,
            started_at: s.info.started_at,
            last_seen: s.info.last_seen,
            tasks_run: s.info.tasks_run,
            alive: s.alive,
            left_at: s.left_at,
        }
    }
}

/// A manual run was started.
#[derive(Object)]
#[oai(example)]
struct RunRequestedDto {
    /// The task.
    task: String,
    /// Recorded as the run's fire time; the run appears in the history with trigger `manual`.
    requested_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum RunRequested {
    /// The run started on this instance; it appears in the history with trigger `manual`.
    #[oai(status = 202)]
    Accepted(Json<RunRequestedDto>),
}

#[OpenApi(prefix_path = "/api/v1/cron", tag = "CronTags::Cron")]
impl CronApi {
    /// Every task: schedule, next run, pause state, last run and statistics of the last 7 days.
    #[oai(path = "/tasks", method = "get", operation_id = "cron_list_tasks")]
    async fn tasks(&self, auth: AdminAuth) -> Result<Json<Vec<TaskDto>>, ApiError> {
        let actor = auth.0;
        Ok(Json(self.console.tasks(&actor).await?.into_iter().map(TaskDto::from).collect()))
    }

    /// One task; 404 `cron.task_not_found` for an unknown name.
    #[oai(path = "/tasks/:name", method = "get", operation_id = "cron_get_task")]
    async fn task(&self, auth: AdminAuth, name: Path<String>) -> Result<Json<TaskDto>, ApiError> {
        let actor = auth.0;
        Ok(Json(self.console.task(&actor, &name.0).await?.into()))
    }

    /// Runs the task now on this instance, through the lock port (trigger `manual`), even while it is
    /// paused; 409 `cron.task_running` when its overlap policy is `skip` and its previous run is still going.
    #[oai(path = "/tasks/:name/run", method = "post", operation_id = "cron_run_now")]
    async fn run_now(&self, req: &Request, auth: AdminAuth, name: Path<String>) -> Result<RunRequested, ApiError> {
        let actor = auth.0;
        let meta = RequestContext::of(req).meta();
        let at = self.console.run_now(&actor, &name.0, &meta).await?;
        Ok(RunRequested::Accepted(Json(RunRequestedDto { task: name.0, requested_at: at })))
    }

    /// Pauses the task on every instance: its ticks are not run until resumed. Pausing twice is harmless.
    #[oai(path = "/tasks/:name/pause", method = "post", operation_id = "cron_pause")]
    async fn pause(&self, req: &Request, auth: AdminAuth, name: Path<String>) -> Result<Json<TaskDto>, ApiError> {
        let actor = auth.0;
        let meta = RequestContext::of(req).meta();
        Ok(Json(self.console.pause(&actor, &name.0, &meta).await?.into()))
    }

    /// Resumes a paused task on every instance.
    #[oai(path = "/tasks/:name/resume", method = "post", operation_id = "cron_resume")]
    async fn resume(&self, req: &Request, auth: AdminAuth, name: Path<String>) -> Result<Json<TaskDto>, ApiError> {
        let actor = auth.0;
        let meta = RequestContext::of(req).meta();
        Ok(Json(self.console.resume(&actor, &name.0, &meta).await?.into()))
    }

    /// Run history, newest fire time first, with page/size pagination (size at most 100) and filters.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/runs", method = "get", operation_id = "cron_list_runs")]
    async fn runs(
        &self,
        auth: AdminAuth,
        /// Only this task.
        task: Query<Option<String>>,
        /// Only this status.
        status: Query<Option<RunStatusDto>>,
        /// Only this trigger.
        trigger: Query<Option<TriggerDto>>,
        /// Only runs of this instance.
        instance: Query<Option<String>>,
        /// Fire time at or after (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Fire time before (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// Page number, from 1.
        page: Query<Option<PageParam>>,
        /// Page size, 1 to 100 (default 20).
        size: Query<Option<SizeParam>>,
    ) -> Result<Json<RunPageDto>, ApiError> {
        let actor = auth.0;
        let task = match task.0.filter(|t| !t.is_empty()) {
            None => None,
            Some(raw) => Some(
                TaskName::parse(&raw)
                    .map_err(|_| ApiError::from(application::scheduler::ConsoleError::TaskNotFound(raw.clone())))?,
            ),
        };
        let query = RunQuery {
            task,
            status: status.0.map(Into::into),
            trigger: trigger.0.map(Into::into),
            instance: instance.0.filter(|s| !s.is_empty()),
            from: from.0,
            to: to.0,
            page: page_request(page.0, size.0)?,
        };
        let found = self.console.runs(&actor, &query).await?;
        Ok(Json(RunPageDto {
            total: found.total,
            page: found.page,
            size: found.size,
            items: found.items.into_iter().map(RunDto::from).collect(),
        }))
    }

    /// Every scheduler instance: alive while it heartbeats, dead after `cron.instance_ttl_secs` of silence.
    #[oai(path = "/instances", method = "get", operation_id = "cron_list_instances")]
    async fn instances(&self, auth: AdminAuth) -> Result<Json<Vec<InstanceDto>>, ApiError> {
        let actor = auth.0;
        Ok(Json(self.console.instances(&actor).await?.into_iter().map(InstanceDto::from).collect()))
    }
}

// ---- examples for the document (what a healthy `example-hello` looks like) ----

fn example_time(secs: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 5, secs).single().unwrap_or_default()
}

impl Example for RetryDto {
    fn example() -> Self {
        Self { max_retries: 2, initial_backoff_ms: 1000, multiplier: 2, max_backoff_ms: 60_000 }
    }
}

impl Example for StatsDto {
    fn example() -> Self {
        Self {
            days: STATS_DAYS,
            runs: 10_080,
            succeeded: 10_070,
            failed: 4,
            timed_out: 1,
            skipped: 5,
            cancelled: 0,
            running: 0,
            success_rate: Some(0.9999),
            avg_duration_ms: Some(12.5),
            p95_duration_ms: Some(31),
        }
    }
}

impl Example for RunDto {
    fn example() -> Self {
        Self {
            id: "01a2100d-e98e-71e1-adc3-dd4f8dd2e4a5".into(),
            task: "example-hello".into(),
            fire_time: example_time(0),
            trigger: TriggerDto::Schedule,
            attempt: 1,
            instance: "cron-1".into(),
            fencing: 1207,
            status: RunStatusDto::Succeeded,
            started_at: example_time(0),
            finished_at: Some(example_time(0)),
            duration_ms: Some(14),
            error: None,
        }
    }
}

impl Example for TaskDto {
    fn example() -> Self {
        Self {
            name: "example-hello".into(),
            description: "Example: logs how many accounts exist and how many signed in during the last day.".into(),
            schedule: "0 * * * * *".into(),
            next_fire: Some(example_time(0) + chrono::Duration::minutes(1)),
            timeout_secs: 30.0,
            retry: RetryDto::example(),
            overlap: "skip".into(),
            misfire: "skip".into(),
            misfire_window_secs: None,
            paused: false,
            paused_by: None,
            paused_at: None,
            last_run: Some(RunDto::example()),
            stats: StatsDto::example(),
        }
    }
}

impl Example for RunPageDto {
    fn example() -> Self {
        Self { items: vec![RunDto::example()], total: 1, page: 1, size: 20 }
    }
}

impl Example for InstanceDto {
    fn example() -> Self {
        Self {
            id: "cron-1".into(),
            host: "app-01".into(),
            pid: 4242,
            version: env!("CARGO_PKG_VERSION").into(),
            started_at: example_time(0),
            last_seen: example_time(5),
            tasks_run: 8640,
            alive: true,
            left_at: None,
        }
    }
}

impl Example for RunRequestedDto {
    fn example() -> Self {
        Self { task: "example-hello".into(), requested_at: example_time(3) }
    }
}
