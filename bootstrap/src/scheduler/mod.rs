//! The scheduler of this process: its options and ports from the configuration, the one place tasks are
//! registered ([`tasks::register_all`]), and the cron web server ([`CronServer`]).

mod server;
mod tasks;

pub use server::CronServer;
pub use tasks::register_all;

use crate::config::AppConfig;
use crate::wiring::Services;
use adapter_jobs::{Engine, SchedulerOptions, SchedulerPorts, TaskServices};
use application::maintenance::MaintenanceService;
use application::scheduler::{ConsolePorts, CronConsole};
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

/// The scheduler's ports: the locks, heartbeats and pause state the wiring chose for the whole process
/// (Redis when configured, any number of instances; memory otherwise, one instance only) and the run
/// history the dashboard reads too.
pub fn ports(services: &Services) -> SchedulerPorts {
    let p = &services.ports;
    SchedulerPorts {
        lock: p.lock.clone(),
        runs: p.runs.clone(),
        instances: p.instances.clone(),
        control: p.control.clone(),
        clock: p.clock.clone(),
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

/// What tasks receive: the process's services and ports, built once (the daily roll-up writes where the
/// dashboard reads).
pub fn task_services(services: &Services) -> TaskServices {
    let p = &services.ports;
    let maintenance = Arc::new(MaintenanceService::new(
        p.users.clone(),
        p.sessions.clone(),
        p.daily_stats.clone(),
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
