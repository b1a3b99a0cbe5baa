//! The scheduler's knobs, from the `cron` config section; bootstrap fills them in.

use std::path::PathBuf;
use std::time::Duration;

/// How the scheduler behaves.
#[derive(Clone, Debug)]
pub struct SchedulerOptions {
    /// This instance's id in run records and the instance list.
    pub instance_id: String,
    /// Host name shown in the instance list.
    pub host: String,
    /// exchange version shown in the instance list.
    pub version: String,
    /// How long a tick lock is held without extension; a running task extends it every third of this.
    pub lock_lease: Duration,
    /// Longest an instance may fire a tick late and still try it (covers clock drift and busy moments);
    /// later than that, the tick is recorded as missed instead.
    pub misfire_grace: Duration,
    /// How often each instance heartbeats.
    pub heartbeat_interval: Duration,
    /// An instance silent for this long is shown dead and its running records are failed.
    pub instance_ttl: Duration,
    /// Timeout of tasks that name none.
    pub default_timeout: Duration,
    /// Longest a graceful shutdown waits for running tasks before cancelling them.
    pub shutdown_timeout: Duration,
    /// Run history older than this is deleted.
    pub retention: Duration,
    /// When set, `probe_tasks` every-second probe tasks append `<fire time> <task> <instance>` lines here
    /// (exactly-once tests and benchmarks count executions this way, independently of the run store).
    pub probe_file: Option<PathBuf>,
    /// Number of probe tasks (`probe`, `probe-2`, ...).
    pub probe_tasks: u32,
    /// How long each probe run works, so instances can be killed in the middle of one.
    pub probe_work: Duration,
}

impl Default for SchedulerOptions {
    fn default() -> Self {
        Self {
            instance_id: "local".into(),
            host: "localhost".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            lock_lease: Duration::from_secs(30),
            misfire_grace: Duration::from_secs(5),
            heartbeat_interval: Duration::from_secs(5),
            instance_ttl: Duration::from_secs(15),
            default_timeout: Duration::from_secs(300),
            shutdown_timeout: Duration::from_secs(25),
            retention: Duration::from_secs(30 * 86_400),
            probe_file: None,
            probe_tasks: 1,
            probe_work: Duration::from_millis(300),
        }
    }
}

impl SchedulerOptions {
    /// How long a finished tick's lock is kept: long enough that no instance can still be trying that tick
    /// (it fires at most `misfire_grace` late), so a slow instance can never run it a second time.
    pub fn tick_hold(&self) -> Duration {
        self.misfire_grace + Duration::from_secs(60)
    }
}
