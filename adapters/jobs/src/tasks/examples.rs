//! Two examples of the task API, registered when `cron.examples` is on: a minimal task, and one that shows
//! timeouts, retries and cancellation.

use crate::task::{Schedule, Task, TaskContext, TaskError, TaskServices};
use async_trait::async_trait;
use chrono::Duration as ChronoDuration;
use domain::schedule::{OverlapPolicy, RetryPolicy};
use std::time::Duration;

/// The smallest useful task: reads from a service and logs a line every minute.
pub struct HelloExample;

#[async_trait]
impl Task for HelloExample {
    fn name(&self) -> &str {
        "example-hello"
    }

    fn description(&self) -> &str {
        "Example: logs how many accounts exist and how many signed in during the last day."
    }

    fn schedule(&self) -> Schedule {
        Schedule::every_minutes(1)
    }

    async fn run(&self, ctx: TaskContext, services: &TaskServices) -> Result<(), TaskError> {
        let now = services.clock.now();
        let stats = services.users.stats(now, now - ChronoDuration::days(1)).await?;
        tracing::info!(
            target: "cron::example",
            fire_time = %ctx.fire_time,
            users = stats.total,
            active_last_day = stats.active_since,
            "hello from the scheduler"
        );
        Ok(())
    }
}

/// Works in steps, stops between steps when cancelled, fails its first attempt of every tick on purpose and
/// succeeds on the retry: the history shows a `failed` run followed by a `retry` run that succeeded.
pub struct FlakyExample;

#[async_trait]
impl Task for FlakyExample {
    fn name(&self) -> &str {
        "example-flaky"
    }

    fn description(&self) -> &str {
        "Example: works in cancellable steps; fails its first attempt on purpose and succeeds when retried."
    }

    fn schedule(&self) -> Schedule {
        Schedule::every_minutes(5)
    }

    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(20))
    }

    fn retry(&self) -> RetryPolicy {
        RetryPolicy::exponential(2, Duration::from_secs(1))
    }

    fn overlap(&self) -> OverlapPolicy {
        OverlapPolicy::Skip
    }

    async fn run(&self, ctx: TaskContext, _services: &TaskServices) -> Result<(), TaskError> {
        for step in 1..=5 {
            tokio::select! {
                _ = ctx.cancelled() => return Err(TaskError::new(format!("cancelled at step {step}"))),
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
        if ctx.attempt == 1 {
            return Err(TaskError::new("the first attempt fails on purpose; the retry will succeed"));
        }
        Ok(())
    }
}
