//! The public task API: what a task is ([`Task`]), what it receives ([`TaskContext`], [`TaskServices`]) and
//! how it fails ([`TaskError`]). See docs/cron.md for a complete example.

use application::admin::AdminService;
use application::chat::ChatService;
use application::conversations::ConversationService;
use application::groups::GroupService;
use application::maintenance::MaintenanceService;
use application::settings::SettingsService;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::ValidationError;
use domain::audit::AuditLog;
use domain::bus::EventBus;
use domain::cache::Cache;
use domain::clock::Clock;
use domain::schedule::{CronExpr, MisfirePolicy, OverlapPolicy, RetryPolicy, RunId, TaskName, Trigger};
use domain::session::SessionStore;
use domain::user::UserRepository;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// When a task fires: a cron expression with seconds, or one of the helpers. Checked at registration, so a
/// typo is refused with the task's name before anything runs.
#[derive(Clone, Debug)]
pub struct Schedule(Result<CronExpr, ValidationError>);

impl Schedule {
    /// Any expression `sec min hour day-of-month month day-of-week [year]`, UTC (e.g. `0 30 3 * * *`).
    pub fn cron(expr: &str) -> Self {
        Self(CronExpr::parse(expr))
    }

    /// Every `n` seconds (1..=59).
    pub fn every_seconds(n: u32) -> Self {
        Self(CronExpr::every_seconds(n))
    }

    /// Every `n` minutes at second 0 (1..=59).
    pub fn every_minutes(n: u32) -> Self {
        Self(CronExpr::every_minutes(n))
    }

    /// Every hour at minute `m`.
    pub fn hourly_at(m: u32) -> Self {
        Self(CronExpr::hourly_at(m))
    }

    /// Every day at `h:m` UTC.
    pub fn daily_at(h: u32, m: u32) -> Self {
        Self(CronExpr::daily_at(h, m))
    }

    /// The parsed expression, or why it is not one.
    pub fn expr(&self) -> Result<&CronExpr, &ValidationError> {
        self.0.as_ref()
    }
}

/// A task failure: the message is what operators see in the run history.
///
/// Any error converts into it with `?` (its whole cause chain becomes the message), so a task reads like
/// any other async function.
pub struct TaskError {
    message: String,
}

impl TaskError {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }

    /// The message recorded in the run history.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for TaskError {
    fn from(err: E) -> Self {
        let mut message = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self { message }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskError({:?})", self.message)
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What a run knows about itself, and how it learns that it must stop.
///
/// A run is cancelled when it exceeds the task's timeout, when the scheduler shuts down and cannot wait any
/// longer, or when its lock was lost. Long tasks should `select!` on [`TaskContext::cancelled`] or check
/// [`TaskContext::is_cancelled`] between units of work; a task that ignores it is dropped after a short grace.
#[derive(Clone, Debug)]
pub struct TaskContext {
    /// The task running.
    pub task: TaskName,
    /// This run's record id.
    pub run_id: RunId,
    /// The tick this run belongs to (for manual runs, when it was requested).
    pub fire_time: DateTime<Utc>,
    /// 1 for the first attempt, 2 for the first retry...
    pub attempt: u32,
    /// Why it runs.
    pub trigger: Trigger,
    /// The scheduler instance running it.
    pub instance: String,
    pub(crate) token: CancellationToken,
}

impl TaskContext {
    /// Resolves once the run must stop.
    pub async fn cancelled(&self) {
        self.token.cancelled().await;
    }

    /// True once the run must stop.
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }

    /// A context for calling a task's `run` directly (unit tests of tasks).
    pub fn for_test(task: &str) -> Self {
        Self {
            task: TaskName::parse(task).unwrap_or_else(|_| TaskName::parse("test").expect("static name")),
            run_id: RunId::new(),
            fire_time: Utc::now(),
            attempt: 1,
            trigger: Trigger::Manual,
            instance: "test".into(),
            token: CancellationToken::new(),
        }
    }

    /// Cancels this context (tests of cancellation-aware tasks).
    pub fn cancel(&self) {
        self.token.cancel();
    }
}

/// The application as tasks see it: services and ports built once by the process, so a task never opens a
/// connection of its own.
#[derive(Clone)]
pub struct TaskServices {
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Accounts.
    pub users: Arc<dyn UserRepository>,
    /// Sessions and refresh-token families.
    pub sessions: Arc<dyn SessionStore>,
    /// Settings (typed snapshot with operator overrides).
    pub settings: Arc<SettingsService>,
    /// Admin use cases (audited user management).
    pub admin: Arc<AdminService>,
    /// The audit log.
    pub audit: Arc<dyn AuditLog>,
    /// Housekeeping: purges, session expiry, daily statistics.
    pub maintenance: Arc<MaintenanceService>,
    /// Real-time chat: system messages and pushes, presence (sweeps announce users going offline).
    pub chat: Arc<ChatService>,
    /// Groups and their members.
    pub groups: Arc<GroupService>,
    /// Conversation lists, message history, read positions.
    pub conversations: Arc<ConversationService>,
    /// Short-lived cache.
    pub cache: Arc<dyn Cache>,
    /// Cross-instance events.
    pub bus: Arc<dyn EventBus>,
}

/// A task defined in code: a name, a description, a schedule and what to do.
///
/// Register it once with [`crate::Scheduler::register`]; every instance that registers it runs its ticks,
/// and each tick runs on exactly one of them.
#[async_trait]
pub trait Task: Send + Sync + 'static {
    /// Unique name: lower-case letters, digits, `-` and `_`, starting with a letter (shown in the page, URLs,
    /// lock keys and metrics).
    fn name(&self) -> &str;

    /// One sentence for operators.
    fn description(&self) -> &str;

    /// When it fires.
    fn schedule(&self) -> Schedule;

    /// Longest a run may take before it is cancelled and recorded `timed_out`; `None` uses
    /// `cron.default_timeout_secs`.
    fn timeout(&self) -> Option<Duration> {
        None
    }

    /// Retries of a failed or timed-out run within the same tick (default: none).
    fn retry(&self) -> RetryPolicy {
        RetryPolicy::NEVER
    }

    /// Whether a tick may start while the previous run is still going (default: skip it).
    fn overlap(&self) -> OverlapPolicy {
        OverlapPolicy::Skip
    }

    /// What to do about ticks missed while every instance was down (default: forget them).
    fn misfire(&self) -> MisfirePolicy {
        MisfirePolicy::Skip
    }

    /// Does the work. Return `Err` (or panic) to record the run as failed with the message.
    async fn run(&self, ctx: TaskContext, services: &TaskServices) -> Result<(), TaskError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_error_becomes_a_message_with_its_causes() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] std::io::Error);
        let err: TaskError = Outer(std::io::Error::other("inner")).into();
        assert_eq!(err.message(), "outer: inner");
        assert!(Schedule::cron("61 * * * * *").expr().is_err());
        assert_eq!(Schedule::daily_at(3, 0).expr().map(|e| e.as_str().to_owned()).ok().as_deref(), Some("0 0 3 * * *"));
    }
}
