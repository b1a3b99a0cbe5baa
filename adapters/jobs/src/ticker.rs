//! apalis-cron turns each task's expression into ticks; every tick goes to the runner, which decides through
//! the lock whether this instance runs it. apalis-cron itself knows nothing of other instances.

use crate::registry::RegisteredTask;
use crate::runner::{Origin, Runner};
use apalis::prelude::{BoxDynError, Data, WorkerBuilder};
use apalis_cron::{CronScheduler, Tick};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What a worker's handler needs: the runner and its task.
#[derive(Clone)]
struct Target {
    runner: Arc<Runner>,
    task: Arc<RegisteredTask>,
}

/// Hands the tick to the runner on a task of its own and returns at once, so a long run never delays the
/// next tick of the same task.
async fn on_tick(tick: Tick, target: Data<Target>) -> Result<(), BoxDynError> {
    let secs = i64::try_from(tick.get_timestamp()).unwrap_or(i64::MAX);
    let Some(fire) = DateTime::<Utc>::from_timestamp(secs, 0) else {
        return Err(format!("tick {secs} out of range").into());
    };
    let runner = target.runner.clone();
    if runner.stopping.is_cancelled() {
        return Ok(());
    }
    runner.in_flight.spawn(runner.clone().handle(target.task.clone(), fire, Origin::Tick));
    Ok(())
}

/// One apalis worker per task, each stopping when `stop` is cancelled.
pub(crate) fn spawn_workers<'a>(
    runner: &Arc<Runner>,
    tasks: impl Iterator<Item = &'a Arc<RegisteredTask>>,
    stop: CancellationToken,
) -> Vec<JoinHandle<()>> {
    tasks
        .map(|task| {
            let worker = WorkerBuilder::new(task.name.as_str())
                .backend(CronScheduler::new(task.expr.schedule().clone()))
                .data(Target { runner: runner.clone(), task: task.clone() })
                .build(on_tick);
            let stop = stop.clone();
            let name = task.name.clone();
            tokio::spawn(async move {
                let signal = async move {
                    stop.cancelled().await;
                    Ok::<(), std::io::Error>(())
                };
                if let Err(e) = worker.run_until(signal).await {
                    tracing::error!(target: "cron", task = %name, error = %e, "tick worker stopped with an error");
                }
            })
        })
        .collect()
}
