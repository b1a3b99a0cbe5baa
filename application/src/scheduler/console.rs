//! The operator's use cases behind the cron web page: tasks with their state and statistics, run history,
//! instances, and the run-now / pause / resume buttons. Admins only (checked on the [`Actor`] the caller
//! resolved through `AdminService::actor`, which re-reads the role); every button press is audited.

use super::control::{RunNowError, SchedulerControl, TaskDefinition};
use crate::audit::AuditRecorder;
use crate::{Actor, Forbidden, RequestMeta};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use domain::audit::{AuditAction, AuditLog, AuditTarget};
use domain::clock::Clock;
use domain::page::Page;
use domain::schedule::{
    InstanceRegistry, InstanceStatus, PauseState, RunQuery, RunRecord, RunStore, TaskControl, TaskName, TaskStats,
};
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
    pub task: TaskDefinition,
    /// Next fire time.
    pub next_fire: Option<DateTime<Utc>>,
    /// Set when paused.
    pub paused: Option<PauseState>,
    /// Runs of the last [`STATS_DAYS`] days.
    pub stats: TaskStats,
}

/// The driven ports the console reads and writes besides the scheduler itself.
#[derive(Clone)]
pub struct ConsolePorts {
    /// Run history and statistics.
    pub runs: Arc<dyn RunStore>,
    /// Scheduler instances.
    pub instances: Arc<dyn InstanceRegistry>,
    /// Paused tasks.
    pub control: Arc<dyn TaskControl>,
    /// Where button presses are recorded.
    pub audit: Arc<dyn AuditLog>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// What the web page's API calls.
pub struct CronConsole {
    scheduler: Arc<dyn SchedulerControl>,
    ports: ConsolePorts,
    recorder: AuditRecorder,
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
    /// The console over a running scheduler and its ports.
    pub fn new(scheduler: Arc<dyn SchedulerControl>, ports: ConsolePorts) -> Self {
        let recorder = AuditRecorder::new(ports.audit.clone(), ports.clock.clone());
        Self { scheduler, ports, recorder }
    }

    fn lookup(&self, name: &str) -> Result<TaskDefinition, ConsoleError> {
        TaskName::parse(name)
            .ok()
            .and_then(|n| self.scheduler.task(&n))
            .ok_or_else(|| ConsoleError::TaskNotFound(echo(name)))
    }

    async fn view(&self, task: TaskDefinition, paused: Option<PauseState>) -> Result<TaskView, ConsoleError> {
        let now = self.ports.clock.now();
        let stats = self.ports.runs.stats(&task.name, now - ChronoDuration::days(STATS_DAYS)).await?;
        Ok(TaskView { next_fire: task.expr.next_after(now), paused, stats, task })
    }

    /// Every task with its next fire time, pause state and statistics.
    pub async fn tasks(&self, actor: &Actor) -> Result<Vec<TaskView>, ConsoleError> {
        require_admin(actor)?;
        let paused = self.ports.control.paused().await?;
        let mut views = Vec::new();
        for task in self.scheduler.tasks() {
            let p = paused.iter().find(|p| p.task == task.name).cloned();
            views.push(self.view(task, p).await?);
        }
        Ok(views)
    }

    /// One task.
    pub async fn task(&self, actor: &Actor, name: &str) -> Result<TaskView, ConsoleError> {
        require_admin(actor)?;
        let task = self.lookup(name)?;
        let paused = self.ports.control.paused().await?.into_iter().find(|p| p.task == task.name);
        self.view(task, paused).await
    }

    /// A page of run history.
    pub async fn runs(&self, actor: &Actor, query: &RunQuery) -> Result<Page<RunRecord>, ConsoleError> {
        require_admin(actor)?;
        if let Some(task) = &query.task {
            self.lookup(task.as_str())?;
        }
        Ok(self.ports.runs.list(query).await?)
    }

    /// Every scheduler instance with its liveness.
    pub async fn instances(&self, actor: &Actor) -> Result<Vec<InstanceStatus>, ConsoleError> {
        require_admin(actor)?;
        Ok(self.ports.instances.list(self.ports.clock.now()).await?)
    }

    /// Starts a manual run on this instance; returns its recorded fire time.
    pub async fn run_now(&self, actor: &Actor, name: &str, meta: &RequestMeta) -> Result<DateTime<Utc>, ConsoleError> {
        require_admin(actor)?;
        let task = self.lookup(name)?;
        let at = self.scheduler.run_now(&task.name).await?;
        self.record(actor, meta, AuditAction::CronRunNow, &task.name).await;
        Ok(at)
    }

    /// Pauses a task on every instance.
    pub async fn pause(&self, actor: &Actor, name: &str, meta: &RequestMeta) -> Result<TaskView, ConsoleError> {
        require_admin(actor)?;
        let task = self.lookup(name)?;
        let now = self.ports.clock.now();
        if self.ports.control.pause(&task.name, &actor.username, now).await? {
            self.record(actor, meta, AuditAction::CronPause, &task.name).await;
        }
        self.task(actor, name).await
    }

    /// Resumes a task on every instance.
    pub async fn resume(&self, actor: &Actor, name: &str, meta: &RequestMeta) -> Result<TaskView, ConsoleError> {
        require_admin(actor)?;
        let task = self.lookup(name)?;
        if self.ports.control.resume(&task.name).await? {
            self.record(actor, meta, AuditAction::CronResume, &task.name).await;
        }
        self.task(actor, name).await
    }

    async fn record(&self, actor: &Actor, meta: &RequestMeta, action: AuditAction, task: &TaskName) {
        let after = Some(json!({ "task": task.as_str() }));
        self.recorder.record(actor, meta, action, AuditTarget::Task(task.clone()), None, after).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adapter_memory::{MemoryAuditLog, MemoryInstanceRegistry, MemoryRunStore, MemoryTaskControl};
    use async_trait::async_trait;
    use domain::audit::AuditQuery;
    use domain::clock::SystemClock;
    use domain::ids::UserId;
    use domain::page::PageRequest;
    use domain::schedule::{CronExpr, MisfirePolicy, OverlapPolicy, RetryPolicy};
    use domain::user::Role;
    use std::sync::Mutex;
    use std::time::Duration;

    /// A scheduler with one task whose manual runs are counted.
    struct OneTask(TaskDefinition, Mutex<u32>);

    #[async_trait]
    impl SchedulerControl for OneTask {
        fn tasks(&self) -> Vec<TaskDefinition> {
            vec![self.0.clone()]
        }

        fn task(&self, name: &TaskName) -> Option<TaskDefinition> {
            (name == &self.0.name).then(|| self.0.clone())
        }

        async fn run_now(&self, _: &TaskName) -> Result<DateTime<Utc>, RunNowError> {
            *self.1.lock().map_err(|_| RunNowError::ShuttingDown)? += 1;
            Ok(Utc::now())
        }
    }

    fn console() -> (CronConsole, Arc<OneTask>, Arc<MemoryAuditLog>) {
        let definition = TaskDefinition {
            name: TaskName::parse("nightly").expect("name"),
            description: "test".into(),
            expr: CronExpr::parse("0 0 3 * * *").expect("expr"),
            timeout: Duration::from_secs(1),
            retry: RetryPolicy::NEVER,
            overlap: OverlapPolicy::Skip,
            misfire: MisfirePolicy::Skip,
        };
        let scheduler = Arc::new(OneTask(definition, Mutex::new(0)));
        let audit = Arc::new(MemoryAuditLog::default());
        let ports = ConsolePorts {
            runs: Arc::new(MemoryRunStore::default()),
            instances: Arc::new(MemoryInstanceRegistry::default()),
            control: Arc::new(MemoryTaskControl::default()),
            audit: audit.clone(),
            clock: Arc::new(SystemClock),
        };
        (CronConsole::new(scheduler.clone(), ports), scheduler, audit)
    }

    fn actor(role: Role) -> Actor {
        Actor { id: UserId::new(), username: "ops".into(), role }
    }

    #[tokio::test]
    async fn only_admins_drive_the_scheduler_and_every_press_is_audited() {
        let (console, scheduler, audit) = console();
        let user = actor(Role::User);
        assert!(matches!(console.tasks(&user).await, Err(ConsoleError::Forbidden(_))));
        assert!(matches!(
            console.run_now(&user, "nightly", &RequestMeta::default()).await,
            Err(ConsoleError::Forbidden(_))
        ));
        let admin = actor(Role::Admin);
        console.run_now(&admin, "nightly", &RequestMeta::default()).await.expect("run now");
        let paused = console.pause(&admin, "nightly", &RequestMeta::default()).await.expect("pause");
        assert!(paused.paused.is_some());
        assert_eq!(*scheduler.1.lock().expect("count"), 1);
        let query = AuditQuery { page: PageRequest::default(), ..AuditQuery::default() };
        let actions: Vec<String> =
            audit.list(&query).await.expect("audit").items.into_iter().map(|e| e.action).collect();
        assert_eq!(actions.len(), 2, "{actions:?}");
        assert!(actions.contains(&"cron.run_now".to_owned()) && actions.contains(&"cron.pause".to_owned()));
    }

    #[tokio::test]
    async fn an_unknown_task_is_not_found_and_its_name_is_cut_short() {
        let (console, _, _) = console();
        let long = "x".repeat(1000);
        match console.task(&actor(Role::Admin), &long).await {
            Err(ConsoleError::TaskNotFound(echoed)) => assert_eq!(echoed.chars().count(), TaskName::MAX_LEN + 1),
            other => panic!("{other:?}"),
        }
    }
}
