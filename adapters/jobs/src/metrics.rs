//! The scheduler's metrics (Prometheus names): runs by task and status, run durations, how late ticks
//! start, and what each instance did with each tick.

use domain::schedule::{RunStatus, TaskName};
use std::time::Duration;

/// One finished run.
pub(crate) fn run_finished(task: &TaskName, status: RunStatus, took: Duration) {
    let labels = [("task", task.to_string()), ("status", status.as_str().to_owned())];
    metrics::counter!("cron_runs_total", &labels).increment(1);
    metrics::histogram!("cron_run_duration_seconds", "task" => task.to_string()).record(took.as_secs_f64());
}

/// How long after its fire time a scheduled run started (the fire-time jitter).
pub(crate) fn tick_lag(task: &TaskName, lag: Duration) {
    metrics::histogram!("cron_tick_lag_seconds", "task" => task.to_string()).record(lag.as_secs_f64());
}

/// What this instance did with a tick: `won`, `lost` (another instance has it), `paused`, `skipped`.
pub(crate) fn tick(task: &TaskName, outcome: &'static str) {
    metrics::counter!("cron_ticks_total", "task" => task.to_string(), "outcome" => outcome).increment(1);
}
