//! The probe: an every-second task that appends one line per execution to a file, so tests and benchmarks
//! count executions (and measure how late they start) without trusting the run store they are checking. Registered only when
//! `cron.probe_file` is set.

use crate::task::{Schedule, Task, TaskContext, TaskError, TaskServices};
use async_trait::async_trait;
use chrono::SecondsFormat;
use domain::schedule::OverlapPolicy;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Appends `<fire time> <task> <instance> <run id> <started, unix µs>` to `file`, then works for `work`.
pub struct ProbeTask {
    name: String,
    file: PathBuf,
    work: Duration,
}

impl ProbeTask {
    /// Probe number `n` (1 is `probe`, then `probe-2`...).
    pub fn new(n: u32, file: PathBuf, work: Duration) -> Self {
        let name = if n <= 1 { "probe".to_owned() } else { format!("probe-{n}") };
        Self { name, file, work }
    }
}

#[async_trait]
impl Task for ProbeTask {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        "Test probe: appends one line per execution to cron.probe_file."
    }

    fn schedule(&self) -> Schedule {
        Schedule::every_seconds(1)
    }

    fn timeout(&self) -> Option<Duration> {
        Some(self.work + Duration::from_secs(10))
    }

    fn overlap(&self) -> OverlapPolicy {
        OverlapPolicy::Allow
    }

    async fn run(&self, ctx: TaskContext, _services: &TaskServices) -> Result<(), TaskError> {
        let started = chrono::Utc::now().timestamp_micros();
        let line = format!(
            "{} {} {} {} {started}\n",
            ctx.fire_time.to_rfc3339_opts(SecondsFormat::Secs, true),
            ctx.task,
            ctx.instance,
            ctx.run_id
        );
        let file = self.file.clone();
        // One write of a short line to an O_APPEND file: lines from several processes never interleave.
        tokio::task::spawn_blocking(move || {
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(file)?;
            f.write_all(line.as_bytes())
        })
        .await
        .map_err(|e| TaskError::new(format!("probe writer: {e}")))??;
        tokio::select! {
            _ = ctx.cancelled() => Err(TaskError::new("cancelled")),
            _ = tokio::time::sleep(self.work) => Ok(()),
        }
    }
}
