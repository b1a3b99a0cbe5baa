//! Support for the scheduler's end-to-end tests and benchmarks: a cluster of `exchange cron` processes on
//! shared MariaDB and Redis, and the analysis of the probe file they append to (one line per execution,
//! written by the task itself, independently of the run store under test).

use crate::backends::SharedBackends;
use crate::{Server, ServerBuilder};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One execution, as the probe wrote it: `<fire time> <task> <instance> <run id> <started, unix µs>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeLine {
    /// The tick.
    pub fire: DateTime<Utc>,
    /// Which probe task.
    pub task: String,
    /// Which instance ran it.
    pub instance: String,
    /// When the run started (wall clock of the instance).
    pub started: DateTime<Utc>,
}

/// Every execution recorded so far (a half-written last line is ignored).
pub fn read_probe(path: &Path) -> Vec<ProbeLine> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split(' ');
            let fire = DateTime::parse_from_rfc3339(parts.next()?).ok()?.with_timezone(&Utc);
            let task = parts.next()?.to_owned();
            let instance = parts.next()?.to_owned();
            parts.next()?;
            let started = DateTime::<Utc>::from_timestamp_micros(parts.next()?.parse().ok()?)?;
            Some(ProbeLine { fire, task, instance, started })
        })
        .collect()
}

/// Executions per (task, tick) over a window of whole seconds.
#[derive(Debug, Default)]
pub struct Tally {
    /// How many times each task ran each tick of the window (0 = missed).
    pub per_tick: BTreeMap<(String, DateTime<Utc>), u32>,
}

impl Tally {
    /// Counts `lines` for `tasks` over every second in `from..=to`.
    pub fn over(lines: &[ProbeLine], tasks: &[String], from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        let mut per_tick = BTreeMap::new();
        let mut t = from;
        while t <= to {
            for task in tasks {
                per_tick.insert((task.clone(), t), 0);
            }
            t += chrono::Duration::seconds(1);
        }
        for line in lines {
            if let Some(n) = per_tick.get_mut(&(line.task.clone(), line.fire)) {
                *n += 1;
            }
        }
        Self { per_tick }
    }

    /// Task-ticks in the window.
    pub fn ticks(&self) -> usize {
        self.per_tick.len()
    }

    /// Task-ticks that ran more than once, and how often.
    pub fn duplicates(&self) -> Vec<(&(String, DateTime<Utc>), u32)> {
        self.per_tick.iter().filter(|(_, n)| **n > 1).map(|(k, n)| (k, *n)).collect()
    }

    /// Task-ticks that never ran.
    pub fn misses(&self) -> Vec<&(String, DateTime<Utc>)> {
        self.per_tick.iter().filter(|(_, n)| **n == 0).map(|(k, _)| k).collect()
    }
}

/// Several `exchange cron` processes sharing one database and one Redis prefix, all running the probes.
pub struct Cluster {
    /// The processes; `None` once killed.
    pub nodes: Vec<Option<Server>>,
    /// The file the probes append to.
    pub probe: PathBuf,
    backends: SharedBackends,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts `n` instances named `node-1`..`node-n` with `probe_tasks` probes working `work_ms` each, plus
    /// `extra` settings.
    pub async fn start(n: usize, probe_tasks: u32, work_ms: u64, extra: &[(&str, &str)]) -> Self {
        let backends = SharedBackends::start().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let probe = dir.path().join("probe.log");
        let mut nodes = Vec::new();
        for i in 1..=n {
            let mut builder = backends
                .apply(ServerBuilder::cron())
                .env("EXCHANGE__CRON__INSTANCE_ID", format!("node-{i}"))
                .env("EXCHANGE__CRON__EXAMPLES", "false")
                .env("EXCHANGE__CRON__PROBE_FILE", probe.display().to_string())
                .env("EXCHANGE__CRON__PROBE_TASKS", probe_tasks.to_string())
                .env("EXCHANGE__CRON__PROBE_WORK_MS", work_ms.to_string())
                .env("EXCHANGE__LOG__LEVEL", "info");
            for (k, v) in extra {
                builder = builder.env(k, *v);
            }
            nodes.push(Some(builder.spawn().await));
        }
        Self { nodes, probe, backends, _dir: dir }
    }

    /// Environment for one-shot commands (`init-admin`) against the same backends.
    pub fn env(&self) -> Vec<(String, String)> {
        self.backends.env()
    }

    /// Probe names in use.
    pub fn probe_names(count: u32) -> Vec<String> {
        (1..=count).map(|n| if n == 1 { "probe".to_owned() } else { format!("probe-{n}") }).collect()
    }

    /// The running node named `node-<i>` (1-based).
    pub fn node(&self, i: usize) -> &Server {
        self.nodes[i - 1].as_ref().expect("node is running")
    }

    /// Waits until the probe file has at least `n` lines.
    pub async fn wait_lines(&self, n: usize, limit: Duration) -> Vec<ProbeLine> {
        let deadline = Instant::now() + limit;
        loop {
            let lines = read_probe(&self.probe);
            if lines.len() >= n {
                return lines;
            }
            assert!(Instant::now() < deadline, "only {} probe lines after {limit:?}", lines.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILLs node `i` (1-based).
    pub fn kill(&mut self, i: usize) {
        let server = self.nodes[i - 1].take().expect("node is running");
        server.signal(nix::sys::signal::Signal::SIGKILL);
        drop(server);
    }

    /// SIGTERMs every remaining node and checks each exits 0.
    pub async fn stop(&mut self) {
        for node in self.nodes.iter().flatten() {
            node.signal(nix::sys::signal::Signal::SIGTERM);
        }
        for node in self.nodes.iter_mut().flatten() {
            let status = node.wait_exit(Duration::from_secs(30)).await;
            assert_eq!(status.code(), Some(0), "a node did not stop cleanly:\n{}", node.output());
        }
    }
}

/// Kept here for the scheduler tests that import it from this module; it lives in [`crate::private`].
pub use crate::private::PrivateRedis;
