//! The task of docs/cron.md's "Writing a task", compiled and run here so the public example never rots.

use adapter_jobs::{MisfirePolicy, OverlapPolicy, RetryPolicy, Schedule, Task, TaskContext, TaskError, TaskServices};
use async_trait::async_trait;
use chrono::Duration as ChronoDuration;
use std::time::Duration;

// ---- the example, as in docs/cron.md ----

/// Disables accounts that never signed in within 90 days of their creation.
pub struct DisableDormantAccounts;

#[async_trait]
impl Task for DisableDormantAccounts {
    fn name(&self) -> &str {
        "disable-dormant-accounts" // lower-case letters, digits, `-`, `_`; unique
    }

    fn description(&self) -> &str {
        "Disables accounts that never signed in within 90 days of their creation."
    }

    fn schedule(&self) -> Schedule {
        Schedule::daily_at(4, 30) // or Schedule::cron("0 30 4 * * *")
    }

    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(600)) // default: cron.default_timeout_secs
    }

    fn retry(&self) -> RetryPolicy {
        RetryPolicy::exponential(3, Duration::from_secs(30)) // 30 s, 60 s, 120 s; default: no retry
    }

    fn overlap(&self) -> OverlapPolicy {
        OverlapPolicy::Skip // default: never two runs at once, cluster-wide
    }

    fn misfire(&self) -> MisfirePolicy {
        MisfirePolicy::RunOnce { window: Duration::from_secs(6 * 3600) } // default: Skip
    }

    async fn run(&self, ctx: TaskContext, services: &TaskServices) -> Result<(), TaskError> {
        let cutoff = services.clock.now() - ChronoDuration::days(90);
        let mut query = domain::user::UserQuery::default();
        loop {
            if ctx.is_cancelled() {
                // timeout, shutdown or lost lock: stop between units of work
                return Err(TaskError::new("cancelled; the next tick continues"));
            }
            let page = services.users.list(&query).await?; // any error converts with `?`
            for user in page.items.iter().filter(|u| u.last_login_at.is_none() && u.created_at < cutoff) {
                tracing::info!(target: "cron::dormant", user = %user.id, "would disable");
            }
            if page.items.len() < page.size as usize {
                return Ok(());
            }
            query.page = domain::page::PageRequest::new(query.page.page() + 1, query.page.size())?;
        }
    }
}

// ---- running it ----

mod support;
use support::services;

#[tokio::test]
async fn the_documented_task_runs_and_stops_when_cancelled() {
    let task = DisableDormantAccounts;
    assert_eq!(task.schedule().expr().map(|e| e.to_string()).ok().as_deref(), Some("0 30 4 * * *"));
    let services = services();
    task.run(TaskContext::for_test("disable-dormant-accounts"), &services).await.expect("runs on an empty store");
    let ctx = TaskContext::for_test("disable-dormant-accounts");
    ctx.cancel();
    let err = task.run(ctx, &services).await.expect_err("a cancelled context stops the task");
    assert_eq!(err.message(), "cancelled; the next tick continues");
}
