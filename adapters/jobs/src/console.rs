//! The operator's use cases behind the cron web page: tasks with their state and statistics, run history,
//! instances, and the run-now / pause / resume buttons. Admins only (checked on the [`Actor`] the caller
//! resolved through `AdminService::actor`, which re-reads the role); every button press is audited.

use crate::engine::{Engine, RunNowError};
use crate::registry::RegisteredTask;
use application::{Actor, Forbidden, RequestMeta};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use domain::audit::{AuditEntry, AuditLog};
use domain::ids::AuditId;
use domain::page::Page;
use domain::schedule::{InstanceStatus, PauseState, RunQuery, RunRecord, TaskName, TaskStats};
use domain::{Coded, ErrorKind, InfraError};
use serde_json::json;
use std::sync::Arc;

/// Statistics on the page cover this many days.
pub const STATS_DAYS: i64 = 7;

/// Why a console operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Not an admin.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No task has this name (or the name cannot be one).
    #[error("no task named {0}")]
    TaskNotFound(String),
    /// The scheduler is shutting down.
    #[error("the scheduler is shutting down")]
    ShuttingDown,
    /// Run now refused: the task's overlap policy is `skip` and its previous run is still going.
    #[error("{0} is still running")]
    StillRunning(String),
    /// A backend failed.
    #[error(transparent)]
    Infra(#[from] InfraError),
}

impl Coded for ConsoleError {
    fn code(&self) -> &'static str {
        match self {
            Self::Forbidden(e) => e.code(),
            Self::TaskNotFound(_) => "cron.task_not_found",
            Self::ShuttingDown => "cron.shutting_down",
            Self::StillRunning(_) => "cron.task_running",
            Self::Infra(e) => e.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Forbidden(e) => e.kind(),
            Self::TaskNotFound(_) => ErrorKind::NotFound,
            Self::ShuttingDown => ErrorKind::Unavailable,
            Self::StillRunning(_) => ErrorKind::Conflict,
            Self::Infra(e) => e.kind(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::TaskNotFound(name) | Self::StillRunning(name) => vec![("task", name.clone())],
            Self::Infra(e) => e.params(),
            _ => Vec::new(),
        }
    }
}

impl From<RunNowError> for ConsoleError {
    fn from(e: RunNowError) -> Self {
        match e {
            RunNowError::UnknownTask(name) => Self::TaskNotFound(name),
            RunNowError::ShuttingDown => Self::ShuttingDown,
            RunNowError::StillRunning(name) => Self::StillRunning(name),
            RunNowError::Unavailable(e) => Self::Infra(e),
        }
    }
}

/// A task as the page shows it.
#[derive(Clone, Debug)]
pub struct TaskView {
    /// Definition and policies.
    pub task: Arc<RegisteredTask>,
    /// Next fire time.
    pub next_fire: Option<DateTime<Utc>>,
    /// Set when paused.
    pub paused: Option<PauseState>,
    /// Runs of the last [`STATS_DAYS`] days.
    pub stats: TaskStats,
}

/// What the web page's API calls.
pub struct CronConsole {
    engine: Arc<Engine>,
    audit: Arc<dyn AuditLog>,
}

/// The name as the caller sent it, cut to the longest a task name can be, so a 404 does not echo a
/// megabyte back.
fn echo(name: &str) -> String {
    match name.char_indices().nth(TaskName::MAX_LEN) {
        Some((end, _)) => format!("{}…", &name[..end]),
        None => name.to_owned(),
    }
}

fn require_admin(actor: &Actor) -> Result<(), ConsoleError> {
    if actor.role.is_admin() { Ok(()) } else { Err(Forbidden.into()) }
}

impl CronConsole {
    /// The console over a running engine; button presses go to `audit`.
    pub fn new(engine: Arc<Engine>, audit: Arc<dyn AuditLog>) -> Self {
        Self { engine, audit }
    }

    /// The engine (for the web page's own checks).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    fn lookup(&self, name: &str) -> Result<Arc<RegisteredTask>, ConsoleError> {
        TaskName::parse(name)
            .ok()
            .and_then(|n| self.engine.task(&n))
            .ok_or_else(|| ConsoleError::TaskNotFound(echo(name)))
    }

    async fn view(&self, task: Arc<RegisteredTask>, paused: Option<PauseState>) -> Result<TaskView, ConsoleError> {
        let now = self.engine.ports().clock.now();
        let stats = self.engine.ports().runs.stats(&task.name, now - ChronoDuration::days(STATS_DAYS)).await?;
        Ok(TaskView { next_fire: task.expr.next_after(now), paused, stats, task })
    }

    /// Every task with its next fire time, pause state and statistics.
    pub async fn tasks(&self, actor: &Actor) -> Result<Vec<TaskView>, ConsoleError> {
        require_admin(actor)?;
        let paused = self.engine.ports().control.paused().await?;
        let mut views = Vec::new();
        for task in self.engine.tasks() {
            let p = paused.iter().find(|p| p.task == task.name).cloned();
            views.push(self.view(task, p).await?);
        }
        Ok(views)
    }

    /// One task.
    pub async fn task(&self, actor: &Actor, name: &str) -> Result<TaskView, ConsoleError> {
        require_admin(actor)?;
        let task = self.lookup(name)?;
        let paused = self.engine.ports().control.paused().await?.into_iter().find(|p| p.task == task.name);
        self.view(task, paused).await
    }

    /// A page of run history.
    pub async fn runs(&self, actor: &Actor, query: &RunQuery) -> Result<Page<RunRecord>, ConsoleError> {
        require_admin(actor)?;
        if let Some(task) = &query.task {
            self.lookup(task.as_str())?;
        }
        Ok(self.engine.ports().runs.list(query).await?)
    }

    /// Every scheduler instance with its liveness.
    pub async fn instances(&self, actor: &Actor) -> Result<Vec<InstanceStatus>, ConsoleError> {
        require_admin(actor)?;
        Ok(self.engine.ports().instances.list(self.engine.ports().clock.now()).await?)
    }

    /// Starts a manual run on this instance; returns its recorded fire time.
    pub async fn run_now(&self, actor: &Actor, name: &str, meta: &RequestMeta) -> Result<DateTime<Utc>, ConsoleError> {
        require_admin(actor)?;
        let task = self.lookup(name)?;
        let at = self.engine.run_now(&task.name).await?;
        self.record(actor, meta, "cron.run_now", &task.name).await;
        Ok(at)
    }

    /// Pauses a task on every instance.
    pub async fn pause(&self, actor: &Actor, name: &str, meta: &RequestMeta) -> Result<TaskView, ConsoleError> {
        require_admin(actor)?;
        let task = self.lookup(name)?;
        let now = self.engine.ports().clock.now();
        if self.engine.ports().control.pause(&task.name, &actor.username, now).await? {
            self.record(actor, meta, "cron.pause", &task.name).await;
        }
        self.task(actor, name).await
    }

    /// Resumes a task on every instance.
    pub async fn resume(&self, actor: &Actor, name: &str, meta: &RequestMeta) -> Result<TaskView, ConsoleError> {
        require_admin(actor)?;
        let task = self.lookup(name)?;
        if self.engine.ports().control.resume(&task.name).await? {
            self.record(actor, meta, "cron.resume", &task.name).await;
        }
        self.task(actor, name).await
    }

    async fn record(&self, actor: &Actor, meta: &RequestMeta, action: &str, task: &TaskName) {
        let entry = AuditEntry {
            id: AuditId::new(),
            actor_id: (!actor.is_system()).then_some(actor.id),
            actor_name: actor.username.clone(),
            action: action.to_owned(),
            target: format!("task:{task}"),
            before: None,
            after: Some(json!({ "task": task.as_str() })),
            request_id: meta.request_id.clone(),
            ip: meta.ip.clone(),
            at: self.engine.ports().clock.now(),
        };
        if let Err(e) = self.audit.append(&entry).await {
            tracing::error!(target: "cron", error = %e, action, "audit entry could not be stored");
        }
    }
}
