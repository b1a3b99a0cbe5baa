//! Instance upkeep, what every instance does besides running ticks: heartbeat, fail the running records of
//! instances that died, forget long-dead instances, and delete history past retention. (The housekeeping
//! *tasks*, which tidy the platform's own data, are in `tasks/housekeeping.rs`.)

use crate::runner::Runner;
use chrono::Duration as ChronoDuration;
use domain::schedule::InstanceInfo;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Dead instances are listed this long after their last heartbeat, then forgotten.
const FORGET_AFTER: ChronoDuration = ChronoDuration::hours(24);
/// How often history past retention is deleted.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

fn info(runner: &Runner) -> InstanceInfo {
    InstanceInfo {
        id: runner.options.instance_id.clone(),
        host: runner.options.host.clone(),
        pid: std::process::id(),
        version: runner.options.version.clone(),
        started_at: runner.started_at,
        last_seen: runner.ports.clock.now(),
        tasks_run: runner.tasks_run(),
    }
}

async fn heartbeat(runner: &Runner) {
    if let Err(e) = runner.ports.instances.heartbeat(&info(runner), runner.options.instance_ttl).await {
        tracing::warn!(target: "cron", error = %e, "heartbeat failed");
    }
}

/// At start: runs a previous process with the same instance id left running are failed, then the first
/// heartbeat.
pub(crate) async fn on_start(runner: &Runner) {
    let now = runner.ports.clock.now();
    let id = &runner.options.instance_id;
    let reason = format!("instance {id} restarted while the run was going");
    match runner.ports.runs.abandon(id, runner.started_at, &reason, now).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::warn!(target: "cron", abandoned = n, "runs left running by this instance's previous life marked failed")
        }
        Err(e) => tracing::warn!(target: "cron", error = %e, "cannot check for runs left by a previous life"),
    }
    heartbeat(runner).await;
}

/// At stop: say so, so the instance shows as stopped at once instead of after the TTL.
pub(crate) async fn on_stop(runner: &Runner) {
    if let Err(e) = runner.ports.instances.leave(&runner.options.instance_id, runner.ports.clock.now()).await {
        tracing::warn!(target: "cron", error = %e, "cannot mark this instance as stopped");
    }
}

/// Fails the running records of every instance that died since the last look (each dead instance once; one
/// that comes back to life is watched again).
async fn reap(runner: &Runner, reaped: &mut HashSet<String>) {
    let now = runner.ports.clock.now();
    let instances = match runner.ports.instances.list(now).await {
        Ok(list) => list,
        Err(e) => {
            tracing::debug!(target: "cron", error = %e, "cannot list instances");
            return;
        }
    };
    reaped.retain(|id| instances.iter().any(|i| i.info.id == *id && !i.alive));
    for dead in instances.iter().filter(|i| !i.alive && i.info.id != runner.options.instance_id) {
        if reaped.contains(&dead.info.id) {
            continue;
        }
        let reason = format!("instance {} stopped heartbeating while the run was going", dead.info.id);
        match runner.ports.runs.abandon(&dead.info.id, now, &reason, now).await {
            Ok(n) => {
                if n > 0 {
                    tracing::warn!(target: "cron", instance = %dead.info.id, failed = n, "runs of a dead instance marked failed");
                }
                reaped.insert(dead.info.id.clone());
            }
            Err(e) => tracing::warn!(target: "cron", error = %e, "cannot fail a dead instance's runs"),
        }
    }
    if let Err(e) = runner.ports.instances.forget_before(now - FORGET_AFTER).await {
        tracing::debug!(target: "cron", error = %e, "cannot forget old instances");
    }
}

async fn purge(runner: &Runner) {
    let retention = ChronoDuration::from_std(runner.options.retention).unwrap_or(ChronoDuration::days(30));
    match runner.ports.runs.purge_before(runner.ports.clock.now() - retention).await {
        Ok(n) => tracing::info!(target: "cron", deleted = n, "run history past retention deleted"),
        Err(e) => tracing::warn!(target: "cron", error = %e, "cannot delete old run history"),
    }
}

/// The loop: heartbeat and reap every `heartbeat_interval`, purge hourly, until `stop`.
pub(crate) async fn run(runner: Arc<Runner>, stop: CancellationToken) {
    let mut last_purge: Option<tokio::time::Instant> = None;
    let mut reaped = HashSet::new();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(runner.options.heartbeat_interval) => {}
        }
        heartbeat(&runner).await;
        reap(&runner, &mut reaped).await;
        if last_purge.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
            purge(&runner).await;
            last_purge = Some(tokio::time::Instant::now());
        }
    }
}
