//! What every instance does besides running ticks: heartbeat, fail the running records of instances that
//! died, forget long-dead instances, and delete history past retention.

use crate::engine::Engine;
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

fn info(engine: &Engine) -> InstanceInfo {
    InstanceInfo {
        id: engine.options.instance_id.clone(),
        host: engine.options.host.clone(),
        pid: std::process::id(),
        version: engine.options.version.clone(),
        started_at: engine.started_at,
        last_seen: engine.ports.clock.now(),
        tasks_run: engine.tasks_run(),
    }
}

async fn heartbeat(engine: &Engine) {
    if let Err(e) = engine.ports.instances.heartbeat(&info(engine), engine.options.instance_ttl).await {
        tracing::warn!(target: "cron", error = %e, "heartbeat failed");
    }
}

/// At start: runs a previous process with the same instance id left running are failed, then the first
/// heartbeat.
pub(crate) async fn on_start(engine: &Engine) {
    let now = engine.ports.clock.now();
    let id = &engine.options.instance_id;
    let reason = format!("instance {id} restarted while the run was going");
    match engine.ports.runs.abandon(id, engine.started_at, &reason, now).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::warn!(target: "cron", abandoned = n, "runs left running by this instance's previous life marked failed")
        }
        Err(e) => tracing::warn!(target: "cron", error = %e, "cannot check for runs left by a previous life"),
    }
    heartbeat(engine).await;
}

/// At stop: say so, so the instance shows as stopped at once instead of after the TTL.
pub(crate) async fn on_stop(engine: &Engine) {
    if let Err(e) = engine.ports.instances.leave(&engine.options.instance_id, engine.ports.clock.now()).await {
        tracing::warn!(target: "cron", error = %e, "cannot mark this instance as stopped");
    }
}

/// Fails the running records of every instance that died since the last look (each dead instance once; one
/// that comes back to life is watched again).
async fn reap(engine: &Engine, reaped: &mut HashSet<String>) {
    let now = engine.ports.clock.now();
    let instances = match engine.ports.instances.list(now).await {
        Ok(list) => list,
        Err(e) => {
            tracing::debug!(target: "cron", error = %e, "cannot list instances");
            return;
        }
    };
    reaped.retain(|id| instances.iter().any(|i| i.info.id == *id && !i.alive));
    for dead in instances.iter().filter(|i| !i.alive && i.info.id != engine.options.instance_id) {
        if reaped.contains(&dead.info.id) {
            continue;
        }
        let reason = format!("instance {} stopped heartbeating while the run was going", dead.info.id);
        match engine.ports.runs.abandon(&dead.info.id, now, &reason, now).await {
            Ok(n) => {
                if n > 0 {
                    tracing::warn!(target: "cron", instance = %dead.info.id, failed = n, "runs of a dead instance marked failed");
                }
                reaped.insert(dead.info.id.clone());
            }
            Err(e) => tracing::warn!(target: "cron", error = %e, "cannot fail a dead instance's runs"),
        }
    }
    if let Err(e) = engine.ports.instances.forget_before(now - FORGET_AFTER).await {
        tracing::debug!(target: "cron", error = %e, "cannot forget old instances");
    }
}

async fn purge(engine: &Engine) {
    let retention = ChronoDuration::from_std(engine.options.retention).unwrap_or(ChronoDuration::days(30));
    match engine.ports.runs.purge_before(engine.ports.clock.now() - retention).await {
        Ok(n) => tracing::info!(target: "cron", deleted = n, "run history past retention deleted"),
        Err(e) => tracing::warn!(target: "cron", error = %e, "cannot delete old run history"),
    }
}

/// The loop: heartbeat and reap every `heartbeat_interval`, purge hourly, until `stop`.
pub(crate) async fn run(engine: Arc<Engine>, stop: CancellationToken) {
    let mut last_purge: Option<tokio::time::Instant> = None;
    let mut reaped = HashSet::new();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(engine.options.heartbeat_interval) => {}
        }
        heartbeat(&engine).await;
        reap(&engine, &mut reaped).await;
        if last_purge.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
            purge(&engine).await;
            last_purge = Some(tokio::time::Instant::now());
        }
    }
}
