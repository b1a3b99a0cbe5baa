//! The scheduler of this process: its options and ports from the configuration, the one place tasks are
//! registered ([`tasks::register_all`]), and the cron web server ([`CronServer`]).

mod server;
mod tasks;

pub use server::CronServer;
pub use tasks::register_all;

use crate::config::AppConfig;
use crate::wiring::{Backends, Services};
use adapter_jobs::{Engine, SchedulerOptions, SchedulerPorts, TaskServices};
use adapter_memory::{MemoryInstanceRegistry, MemoryLock, MemoryRunStore, MemoryTaskControl};
use application::maintenance::MaintenanceService;
use application::scheduler::{ConsolePorts, CronConsole};
use domain::stats::DailyStatsStore;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The machine's host name, for the instance list and the default instance id.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Scheduler options from the `cron` section; an empty `cron.instance_id` becomes `<host>-<pid>`.
pub fn options(config: &AppConfig) -> SchedulerOptions {
    let c = &config.cron;
    let host = host_name();
    let instance_id =
        if c.instance_id.is_empty() { format!("{host}-{}", std::process::id()) } else { c.instance_id.clone() };
    SchedulerOptions {
        instance_id,
        host,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        lock_lease: Duration::from_secs(c.lock_lease_secs),
        misfire_grace: Duration::from_secs(c.misfire_grace_secs),
        heartbeat_interval: Duration::from_secs(c.heartbeat_interval_secs),
        instance_ttl: Duration::from_secs(c.instance_ttl_secs),
        default_timeout: Duration::from_secs(c.default_timeout_secs),
        shutdown_timeout: Duration::from_secs(c.shutdown_timeout_secs),
        retention: Duration::from_secs(u64::from(c.run_retention_days) * 86_400),
        probe_file: (!c.probe_file.is_empty()).then(|| PathBuf::from(&c.probe_file)),
        probe_tasks: c.probe_tasks,
        probe_work: Duration::from_millis(c.probe_work_ms),
    }
}

/// Locks, heartbeats and pause state in Redis when configured (any number of instances), in process memory
/// otherwise (one instance only); run history always in SQL.
pub fn ports(backends: &Backends, services: &Services) -> SchedulerPorts {
    let clock = services.ports.clock.clone();
    let runs = Arc::new(backends.sql.run_store());
    match &backends.redis {
        Some(redis) => SchedulerPorts {
            lock: Arc::new(redis.distributed_lock()),
            runs,
            instances: Arc::new(redis.instance_registry()),
            control: Arc::new(redis.task_control()),
            clock,
        },
        None => {
            tracing::warn!(target: "cron", "no redis section: tick locks live in this process; run one scheduler instance only");
            SchedulerPorts {
                lock: Arc::new(MemoryLock::default()),
                runs,
                instances: Arc::new(MemoryInstanceRegistry::default()),
                control: Arc::new(MemoryTaskControl::default()),
                clock,
            }
        }
    }
}

/// Every scheduler port in process memory (`exchange openapi --cron`, in-process tests).
pub fn memory_ports(services: &Services) -> SchedulerPorts {
    SchedulerPorts {
        lock: Arc::new(MemoryLock::default()),
        runs: Arc::new(MemoryRunStore::default()),
        instances: Arc::new(MemoryInstanceRegistry::default()),
        control: Arc::new(MemoryTaskControl::default()),
        clock: services.ports.clock.clone(),
    }
}

/// The operator's use cases over a built engine: its control port, the scheduler's ports, and the audit log
/// button presses go to.
pub fn console(engine: &Arc<Engine>, services: &Services) -> Arc<CronConsole> {
    let ports = engine.ports();
    Arc::new(CronConsole::new(
        engine.control(),
        ConsolePorts {
            runs: ports.runs.clone(),
            instances: ports.instances.clone(),
            control: ports.control.clone(),
            audit: services.ports.audit.clone(),
            clock: ports.clock.clone(),
        },
    ))
}

/// What tasks receive: the process's services and ports, built once (`daily_stats` is the SQL store in
/// production).
pub fn task_services(daily_stats: Arc<dyn DailyStatsStore>, services: &Services) -> TaskServices {
    let p = &services.ports;
    let maintenance = Arc::new(MaintenanceService::new(
        p.users.clone(),
        p.sessions.clone(),
        daily_stats,
        services.settings.clone(),
        p.clock.clone(),
    ));
    TaskServices {
        clock: p.clock.clone(),
        users: p.users.clone(),
        sessions: p.sessions.clone(),
        settings: services.settings.clone(),
        admin: services.admin.clone(),
        audit: p.audit.clone(),
        maintenance,
        chat: services.chat.clone(),
        groups: services.groups.clone(),
        conversations: services.conversations.clone(),
        cache: p.cache.clone(),
        bus: p.bus.clone(),
    }
}
