//! Benchmarks of the scheduler (ignored by default; docs/benchmarks.md has the commands and the numbers).
//!
//! `long_run`: `CRON_BENCH_INSTANCES` (3) `exchange cron` processes on MariaDB and Redis, each registering
//! `CRON_BENCH_TASKS` (100) every-second probe tasks, for `CRON_BENCH_SECS` (1000) seconds: duplicates and
//! misses per task-tick, and fire-time jitter (probe start minus fire time) p50/p99/max. With
//! `CRON_BENCH_KILL_AT=<s>`, node-1 is SIGKILLed that many seconds in; misses must then all be ticks
//! node-1 had won in its last second (their lock is held by the dead process), none later.
//! `failover`: 4 processes, one probe working 800 ms per tick; the instance in the middle of a run is
//! SIGKILLed 3 times: time from the kill to the next run starting on a survivor, and duplicates/misses.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use e2e::cron::{Cluster, Tally, read_probe};
use std::collections::BTreeMap;
use std::time::Duration;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::seconds(1)).expect("truncate")
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() as f64) * p / 100.0).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: minutes long; see docs/benchmarks.md"]
async fn long_run() {
    let (instances, tasks, secs) = (
        env_or("CRON_BENCH_INSTANCES", 3) as usize,
        env_or("CRON_BENCH_TASKS", 100) as u32,
        env_or("CRON_BENCH_SECS", 1000),
    );
    let work = env_or("CRON_BENCH_WORK_MS", 50);
    let mut cluster = Cluster::start(instances, tasks, work, &[("EXCHANGE__LOG__LEVEL", "warn")]).await;
    let from = whole_second(Utc::now()) + TimeDelta::seconds(3);
    let to = from + TimeDelta::seconds(secs as i64 - 1);
    let kill_at = std::env::var("CRON_BENCH_KILL_AT").ok().and_then(|v| v.parse::<i64>().ok());
    let mut killed: Option<DateTime<Utc>> = None;
    while Utc::now() < to + TimeDelta::seconds(3) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(at) = kill_at
            && killed.is_none()
            && Utc::now() >= from + TimeDelta::seconds(at)
        {
            cluster.kill(1);
            killed = Some(Utc::now());
            eprintln!("[bench] SIGKILLed node-1 at {}", killed.unwrap_or_default());
        }
        if Utc::now().timestamp() % 5 != 0 {
            continue;
        }
        let done = (Utc::now() - from).num_seconds().max(0);
        eprintln!("[bench] {done}/{secs} s, {} executions so far", read_probe(&cluster.probe).len());
    }
    cluster.stop().await;

    let lines = read_probe(&cluster.probe);
    let names = Cluster::probe_names(tasks);
    let tally = Tally::over(&lines, &names, from, to);
    let mut jitter: Vec<i64> = lines
        .iter()
        .filter(|l| l.fire >= from && l.fire <= to)
        .map(|l| (l.started - l.fire).num_microseconds().unwrap_or(i64::MAX))
        .collect();
    jitter.sort_unstable();
    let mut share: BTreeMap<&str, usize> = BTreeMap::new();
    for l in lines.iter().filter(|l| l.fire >= from && l.fire <= to) {
        *share.entry(l.instance.as_str()).or_default() += 1;
    }
    eprintln!(
        "[bench] instances={instances} tasks={tasks} secs={secs} task_ticks={} duplicates={} misses={}",
        tally.ticks(),
        tally.duplicates().len(),
        tally.misses().len()
    );
    eprintln!(
        "[bench] jitter_ms p50={:.1} p99={:.1} max={:.1}; runs per instance {share:?}",
        percentile(&jitter, 50.0) as f64 / 1000.0,
        percentile(&jitter, 99.0) as f64 / 1000.0,
        jitter.last().copied().unwrap_or(0) as f64 / 1000.0
    );
    if !tally.misses().is_empty() {
        eprintln!("[bench] first misses: {:?}", tally.misses().iter().take(10).collect::<Vec<_>>());
    }
    assert!(tally.duplicates().is_empty(), "duplicates: {:?}", tally.duplicates().iter().take(10).collect::<Vec<_>>());
    match killed {
        None => assert!(tally.misses().is_empty(), "misses: {}", tally.misses().len()),
        Some(at) => {
            let window = whole_second(at) - TimeDelta::seconds(1)..=whole_second(at) + TimeDelta::seconds(1);
            let outside: Vec<_> = tally.misses().into_iter().filter(|(_, fire)| !window.contains(fire)).collect();
            eprintln!(
                "[bench] misses around the kill: {}, elsewhere: {}",
                tally.misses().len() - outside.len(),
                outside.len()
            );
            assert!(outside.is_empty(), "misses away from the kill: {outside:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: about a minute; see docs/benchmarks.md"]
async fn failover() {
    let mut cluster = Cluster::start(4, 1, 800, &[]).await;
    let from = whole_second(Utc::now()) + TimeDelta::seconds(2);
    let mut gaps = Vec::new();
    for _ in 0..3 {
        let seen = cluster.wait_lines(read_probe(&cluster.probe).len() + 8, Duration::from_secs(30)).await.len();
        let line = cluster.wait_lines(seen + 1, Duration::from_secs(10)).await.pop().expect("a line");
        let victim: usize = line.instance.trim_start_matches("node-").parse().expect("node-<n>");
        let killed_at = Utc::now();
        cluster.kill(victim);
        let next = loop {
            if let Some(l) = read_probe(&cluster.probe).into_iter().find(|l| l.started > killed_at) {
                break l;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let gap = (next.started - killed_at).num_milliseconds();
        eprintln!(
            "[bench] killed node-{victim} {} ms into the run of {}; next run started {gap} ms later on {}",
            (killed_at - line.started).num_milliseconds(),
            line.fire,
            next.instance
        );
        gaps.push(gap);
    }
    cluster.wait_lines(read_probe(&cluster.probe).len() + 5, Duration::from_secs(30)).await;
    let to = whole_second(Utc::now()) - TimeDelta::seconds(2);
    cluster.stop().await;
    let tally = Tally::over(&read_probe(&cluster.probe), &["probe".to_owned()], from, to);
    eprintln!(
        "[bench] failover gaps ms {gaps:?}; ticks={} duplicates={} misses={}",
        tally.ticks(),
        tally.duplicates().len(),
        tally.misses().len()
    );
    assert!(tally.duplicates().is_empty() && tally.misses().is_empty());
}
