//! The engine on the in-memory ports: several engines sharing one lock behave like several instances.
//! Ticks are real (every second), so each check polls for its condition with a deadline.

use adapter_jobs::{
    Engine, MisfirePolicy, OverlapPolicy, RetryPolicy, RunNowError, Schedule, Scheduler, SchedulerOptions,
    SchedulerPorts, Task, TaskContext, TaskError, TaskServices,
};
mod support;

use adapter_memory::{MemoryInstanceRegistry, MemoryLock, MemoryRunStore, MemoryTaskControl};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::InfraError;
use domain::clock::SystemClock;
use domain::page::PageRequest;
use domain::schedule::{
    DistributedLock, LockGuard, LockKey, RunQuery, RunRecord, RunStatus, RunStore, TaskName, Trigger,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::services;
use tokio_util::sync::CancellationToken;

fn ports(lock: Arc<dyn DistributedLock>, runs: Arc<MemoryRunStore>) -> SchedulerPorts {
    SchedulerPorts {
        lock,
        runs,
        instances: Arc::new(MemoryInstanceRegistry::default()),
        control: Arc::new(MemoryTaskControl::default()),
        clock: Arc::new(SystemClock),
    }
}

fn options(instance: &str) -> SchedulerOptions {
    SchedulerOptions {
        instance_id: instance.into(),
        lock_lease: Duration::from_secs(5),
        heartbeat_interval: Duration::from_millis(500),
        shutdown_timeout: Duration::from_secs(1),
        ..SchedulerOptions::default()
    }
}

type Log = Arc<Mutex<Vec<(DateTime<Utc>, String, u32)>>>;

/// Records every execution; behaves as told by `mode`.
struct Probe {
    name: &'static str,
    log: Log,
    mode: Mode,
}

#[derive(Clone, Copy)]
enum Mode {
    Quick,
    Fail,
    Panic,
    Sleep(Duration),
    FailFirst,
}

#[async_trait]
impl Task for Probe {
    fn name(&self) -> &str {
        self.name
    }
    fn description(&self) -> &str {
        "test probe"
    }
    fn schedule(&self) -> Schedule {
        Schedule::every_seconds(1)
    }
    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_millis(600))
    }
    fn retry(&self) -> RetryPolicy {
        match self.mode {
            Mode::FailFirst => RetryPolicy::exponential(2, Duration::from_millis(50)),
            _ => RetryPolicy::NEVER,
        }
    }
    fn overlap(&self) -> OverlapPolicy {
        OverlapPolicy::Allow
    }
    async fn run(&self, ctx: TaskContext, _: &TaskServices) -> Result<(), TaskError> {
        self.log.lock().unwrap().push((ctx.fire_time, ctx.instance.clone(), ctx.attempt));
        match self.mode {
            Mode::Quick => Ok(()),
            Mode::Fail => Err(TaskError::new("it broke: 坏了")),
            Mode::Panic => panic!("task exploded"),
            Mode::Sleep(d) => {
                tokio::select! {
                    _ = ctx.cancelled() => Err(TaskError::new("saw the cancellation")),
                    _ = tokio::time::sleep(d) => Ok(()),
                }
            }
            Mode::FailFirst if ctx.attempt == 1 => Err(TaskError::new("first attempt fails")),
            Mode::FailFirst => Ok(()),
        }
    }
}

fn engine(ports: SchedulerPorts, instance: &str, tasks: Vec<Probe>) -> Arc<Engine> {
    let mut scheduler = Scheduler::new(ports, services(), options(instance));
    for t in tasks {
        scheduler.register(t).expect("register");
    }
    scheduler.build()
}

async fn eventually(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "{what} did not happen within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn records(runs: &MemoryRunStore, task: &str) -> Vec<RunRecord> {
    let query = RunQuery {
        task: Some(TaskName::parse(task).unwrap()),
        page: PageRequest::new(1, 100).unwrap(),
        ..Default::default()
    };
    runs.list(&query).await.unwrap().items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_engines_on_one_lock_run_each_tick_once() {
    let lock: Arc<dyn DistributedLock> = Arc::new(MemoryLock::default());
    let runs = Arc::new(MemoryRunStore::default());
    let log: Log = Arc::default();
    let stop = CancellationToken::new();
    let mut handles = Vec::new();
    for i in 0..3 {
        let e = engine(
            ports(lock.clone(), runs.clone()),
            &format!("inst-{i}"),
            vec![Probe { name: "tick", log: log.clone(), mode: Mode::Quick }],
        );
        handles.push(tokio::spawn(e.run(stop.clone())));
    }
    eventually("five ticks", Duration::from_secs(15), async || {
        let fires: std::collections::HashSet<_> = log.lock().unwrap().iter().map(|e| e.0).collect();
        fires.len() >= 5
    })
    .await;
    stop.cancel();
    for h in handles {
        h.await.unwrap();
    }
    let mut per_tick: HashMap<DateTime<Utc>, u32> = HashMap::new();
    for (fire, _, _) in log.lock().unwrap().iter() {
        *per_tick.entry(*fire).or_default() += 1;
    }
    assert!(per_tick.values().all(|n| *n == 1), "every tick exactly once: {per_tick:?}");
    let recorded = records(&runs, "tick").await;
    assert_eq!(recorded.len(), per_tick.len(), "one record per executed tick");
    assert!(recorded.iter().all(|r| r.status == RunStatus::Succeeded && r.fencing > 0), "{recorded:?}");
}

#[tokio::test]
async fn failures_panics_timeouts_and_retries_are_recorded_and_the_scheduler_goes_on() {
    let runs = Arc::new(MemoryRunStore::default());
    let log: Log = Arc::default();
    let probe = |name, mode| Probe { name, log: log.clone(), mode };
    let e = engine(
        ports(Arc::new(MemoryLock::default()), runs.clone()),
        "solo",
        vec![
            probe("fails", Mode::Fail),
            probe("panics", Mode::Panic),
            probe("slow", Mode::Sleep(Duration::from_secs(5))),
            probe("flaky", Mode::FailFirst),
        ],
    );
    let stop = CancellationToken::new();
    let handle = tokio::spawn(e.run(stop.clone()));
    let finished = |rs: &[RunRecord], status| rs.iter().filter(|r| r.status == status).count();
    eventually("two failed runs of each failing task", Duration::from_secs(15), async || {
        finished(&records(&runs, "fails").await, RunStatus::Failed) >= 2
            && finished(&records(&runs, "panics").await, RunStatus::Failed) >= 2
            && finished(&records(&runs, "slow").await, RunStatus::TimedOut) >= 1
            && records(&runs, "flaky")
                .await
                .iter()
                .any(|r| r.trigger == Trigger::Retry && r.status == RunStatus::Succeeded)
    })
    .await;
    stop.cancel();
    handle.await.unwrap();

    let failed = records(&runs, "fails").await;
    assert!(
        failed.iter().filter(|r| r.status == RunStatus::Failed).all(|r| r.error.as_deref() == Some("it broke: 坏了"))
    );
    let panicked = records(&runs, "panics").await;
    let msg = panicked.iter().find(|r| r.status == RunStatus::Failed).and_then(|r| r.error.clone()).unwrap();
    assert_eq!(msg, "panicked: task exploded");
    let slow = records(&runs, "slow").await;
    let timed_out = slow.iter().find(|r| r.status == RunStatus::TimedOut).unwrap();
    assert!(timed_out.error.as_deref().unwrap().starts_with("timed out after 0.6"), "{timed_out:?}");
    assert!(timed_out.duration_ms.unwrap() >= 600);
    let flaky = records(&runs, "flaky").await;
    let retry = flaky.iter().find(|r| r.trigger == Trigger::Retry && r.status == RunStatus::Succeeded).unwrap();
    let first = flaky.iter().find(|r| r.fire_time == retry.fire_time && r.attempt == 1).unwrap();
    assert_eq!((first.status, first.trigger, retry.attempt), (RunStatus::Failed, Trigger::Schedule, 2));
    assert_eq!(first.fencing, retry.fencing, "a retry runs under the tick's lock");
}

#[tokio::test]
async fn paused_tasks_skip_ticks_but_run_now_still_works() {
    let runs = Arc::new(MemoryRunStore::default());
    let log: Log = Arc::default();
    let p = ports(Arc::new(MemoryLock::default()), runs.clone());
    let control = p.control.clone();
    let name = TaskName::parse("paused").unwrap();
    control.pause(&name, "ops", Utc::now()).await.unwrap();
    let e = engine(p, "solo", vec![Probe { name: "paused", log: log.clone(), mode: Mode::Quick }]);
    let stop = CancellationToken::new();
    let handle = tokio::spawn(e.clone().run(stop.clone()));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(log.lock().unwrap().is_empty(), "a paused task does not run on ticks");
    e.run_now(&name).await.unwrap();
    eventually("the manual run", Duration::from_secs(5), async || {
        records(&runs, "paused").await.iter().any(|r| r.trigger == Trigger::Manual && r.status == RunStatus::Succeeded)
    })
    .await;
    assert!(e.run_now(&TaskName::parse("nope").unwrap()).await.is_err(), "unknown tasks are refused");
    control.resume(&name).await.unwrap();
    eventually("ticks after resume", Duration::from_secs(5), async || {
        records(&runs, "paused").await.iter().any(|r| r.trigger == Trigger::Schedule)
    })
    .await;
    stop.cancel();
    handle.await.unwrap();
}

/// A lock whose backend is down.
struct DownLock;
#[async_trait]
impl DistributedLock for DownLock {
    async fn acquire(&self, _: &LockKey, _: Duration) -> Result<Option<LockGuard>, InfraError> {
        Err(InfraError::unavailable("redis", std::io::Error::other("connection refused")))
    }
    async fn extend(&self, _: &LockGuard, _: Duration) -> Result<bool, InfraError> {
        Err(InfraError::unavailable("redis", std::io::Error::other("connection refused")))
    }
    async fn release(&self, _: &LockGuard) -> Result<bool, InfraError> {
        Err(InfraError::unavailable("redis", std::io::Error::other("connection refused")))
    }
}

#[tokio::test]
async fn a_down_lock_backend_skips_ticks_once_each_and_never_runs_unlocked() {
    let runs = Arc::new(MemoryRunStore::default());
    let log: Log = Arc::default();
    let stop = CancellationToken::new();
    let mut handles = Vec::new();
    for i in 0..2 {
        let e = engine(
            ports(Arc::new(DownLock), runs.clone()),
            &format!("inst-{i}"),
            vec![Probe { name: "locked", log: log.clone(), mode: Mode::Quick }],
        );
        handles.push(tokio::spawn(e.run(stop.clone())));
    }
    eventually("two skipped ticks", Duration::from_secs(10), async || records(&runs, "locked").await.len() >= 2).await;
    stop.cancel();
    for h in handles {
        h.await.unwrap();
    }
    assert!(log.lock().unwrap().is_empty(), "nothing ran unlocked");
    let skipped = records(&runs, "locked").await;
    let mut fires: Vec<_> = skipped.iter().map(|r| r.fire_time).collect();
    fires.dedup();
    assert_eq!(fires.len(), skipped.len(), "one record per tick, however many instances skipped it");
    for r in &skipped {
        assert_eq!(r.status, RunStatus::Skipped);
        assert!(r.error.as_deref().unwrap().starts_with("lock backend unavailable"), "{r:?}");
    }
}

#[tokio::test]
async fn shutdown_waits_then_cancels_and_records_it() {
    let runs = Arc::new(MemoryRunStore::default());
    let log: Log = Arc::default();
    let mut scheduler =
        Scheduler::new(ports(Arc::new(MemoryLock::default()), runs.clone()), services(), options("solo"));
    struct Long(Log);
    #[async_trait]
    impl Task for Long {
        fn name(&self) -> &str {
            "long"
        }
        fn description(&self) -> &str {
            "runs for a minute unless cancelled"
        }
        fn schedule(&self) -> Schedule {
            Schedule::every_seconds(1)
        }
        fn timeout(&self) -> Option<Duration> {
            Some(Duration::from_secs(60))
        }
        async fn run(&self, ctx: TaskContext, _: &TaskServices) -> Result<(), TaskError> {
            self.0.lock().unwrap().push((ctx.fire_time, ctx.instance.clone(), ctx.attempt));
            ctx.cancelled().await;
            Err(TaskError::new("stopped"))
        }
    }
    scheduler.register(Long(log.clone())).unwrap();
    let e = scheduler.build();
    let stop = CancellationToken::new();
    let handle = tokio::spawn(e.run(stop.clone()));
    eventually("the long run to start", Duration::from_secs(5), async || !log.lock().unwrap().is_empty()).await;
    let started = Instant::now();
    stop.cancel();
    handle.await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900), "waited for the shutdown timeout");
    assert!(started.elapsed() < Duration::from_secs(10));
    let recorded = records(&runs, "long").await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].status, RunStatus::Cancelled);
    assert!(recorded[0].error.as_deref().unwrap().contains("shut down"));
}

#[test]
fn registration_refuses_bad_names_schedules_and_duplicates() {
    struct Bad(&'static str, &'static str);
    #[async_trait]
    impl Task for Bad {
        fn name(&self) -> &str {
            self.0
        }
        fn description(&self) -> &str {
            "bad"
        }
        fn schedule(&self) -> Schedule {
            Schedule::cron(self.1)
        }
        async fn run(&self, _: TaskContext, _: &TaskServices) -> Result<(), TaskError> {
            Ok(())
        }
    }
    let mut s = Scheduler::new(ports(Arc::new(MemoryLock::default()), Arc::default()), services(), options("x"));
    let err = s.register(Bad("nightly", "0 0 3 * *")).err().unwrap();
    assert!(err.to_string().contains("task `nightly` has an invalid schedule"), "{err}");
    let err = s.register(Bad("Bad Name", "* * * * * *")).err().unwrap();
    assert!(err.to_string().contains("\"Bad Name\""), "{err}");
    s.register(Bad("twice", "* * * * * *")).unwrap();
    let err = s.register(Bad("twice", "0 * * * * *")).err().unwrap();
    assert_eq!(err.to_string(), "task `twice` is registered twice");
    assert_eq!(s.task_names().len(), 1);
}

#[tokio::test]
async fn overlap_skip_keeps_one_run_at_a_time_and_records_the_skips() {
    let runs = Arc::new(MemoryRunStore::default());
    let log: Log = Arc::default();
    struct Slow(Log);
    #[async_trait]
    impl Task for Slow {
        fn name(&self) -> &str {
            "slow"
        }
        fn description(&self) -> &str {
            "takes 1.5 s, fires every second"
        }
        fn schedule(&self) -> Schedule {
            Schedule::every_seconds(1)
        }
        async fn run(&self, ctx: TaskContext, _: &TaskServices) -> Result<(), TaskError> {
            self.0.lock().unwrap().push((ctx.fire_time, ctx.instance.clone(), ctx.attempt));
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Ok(())
        }
    }
    let mut scheduler =
        Scheduler::new(ports(Arc::new(MemoryLock::default()), runs.clone()), services(), options("solo"));
    scheduler.register(Slow(log.clone())).unwrap();
    let e = scheduler.build();
    let stop = CancellationToken::new();
    let handle = tokio::spawn(e.clone().run(stop.clone()));
    eventually("a skipped tick", Duration::from_secs(10), async || {
        records(&runs, "slow").await.iter().any(|r| r.status == RunStatus::Skipped)
    })
    .await;
    // Run now while a run is going is refused at once (the console answers 409), not recorded as skipped.
    let name = TaskName::parse("slow").unwrap();
    eventually(
        "run now refused while a run is going",
        Duration::from_secs(5),
        async || matches!(e.run_now(&name).await, Err(RunNowError::StillRunning(n)) if n == "slow"),
    )
    .await;
    stop.cancel();
    handle.await.unwrap();
    let all = records(&runs, "slow").await;
    for r in all.iter().filter(|r| r.status == RunStatus::Skipped) {
        assert_eq!(r.error.as_deref(), Some("previous run still running (overlap policy: skip)"));
        assert_eq!(r.trigger, Trigger::Schedule, "refused manual runs leave no record");
    }
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = all
        .iter()
        .filter(|r| r.status != RunStatus::Skipped)
        .map(|r| (r.started_at, r.finished_at.unwrap_or(r.started_at)))
        .collect();
    spans.sort();
    assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0), "runs never overlap: {spans:?}");
}

/// A task whose schedule, policies and length a test chooses; logs every execution.
struct Job {
    name: &'static str,
    schedule: Schedule,
    work: Duration,
    overlap: OverlapPolicy,
    misfire: MisfirePolicy,
    log: Log,
}

impl Job {
    fn new(name: &'static str, schedule: Schedule, log: &Log) -> Self {
        let (overlap, misfire) = (OverlapPolicy::Allow, MisfirePolicy::Skip);
        Self { name, schedule, work: Duration::ZERO, overlap, misfire, log: log.clone() }
    }
}

#[async_trait]
impl Task for Job {
    fn name(&self) -> &str {
        self.name
    }
    fn description(&self) -> &str {
        "test job"
    }
    fn schedule(&self) -> Schedule {
        self.schedule.clone()
    }
    fn timeout(&self) -> Option<Duration> {
        Some(Duration::from_secs(30))
    }
    fn overlap(&self) -> OverlapPolicy {
        self.overlap
    }
    fn misfire(&self) -> MisfirePolicy {
        self.misfire
    }
    async fn run(&self, ctx: TaskContext, _: &TaskServices) -> Result<(), TaskError> {
        self.log.lock().unwrap().push((ctx.fire_time, ctx.instance.clone(), ctx.attempt));
        tokio::time::sleep(self.work).await;
        Ok(())
    }
}

fn build(ports: SchedulerPorts, options: SchedulerOptions, jobs: Vec<Job>) -> Arc<Engine> {
    let mut scheduler = Scheduler::new(ports, services(), options);
    for job in jobs {
        scheduler.register(job).expect("register");
    }
    scheduler.build()
}

#[tokio::test]
async fn run_now_is_refused_while_an_overlap_skip_run_is_going_and_allowed_after() {
    let runs = Arc::new(MemoryRunStore::default());
    let log: Log = Arc::default();
    let job = Job {
        work: Duration::from_millis(800),
        overlap: OverlapPolicy::Skip,
        ..Job::new("long", Schedule::daily_at(3, 0), &log)
    };
    let e = build(ports(Arc::new(MemoryLock::default()), runs.clone()), options("solo"), vec![job]);
    let name = TaskName::parse("long").unwrap();
    e.run_now(&name).await.expect("nothing is running yet");
    let err = e.run_now(&name).await.expect_err("the first run is still going");
    assert!(matches!(&err, RunNowError::StillRunning(n) if n == "long"), "{err:?}");
    eventually("the first run finished", Duration::from_secs(5), async || {
        records(&runs, "long").await.iter().any(|r| r.status == RunStatus::Succeeded)
    })
    .await;
    e.run_now(&name).await.expect("allowed again once the run has finished");
    eventually("the second run finished", Duration::from_secs(5), async || {
        records(&runs, "long").await.iter().filter(|r| r.status == RunStatus::Succeeded).count() == 2
    })
    .await;
    let all = records(&runs, "long").await;
    assert!(all.iter().all(|r| r.trigger == Trigger::Manual), "{all:?}");
    assert_eq!(log.lock().unwrap().len(), 2, "the refused request ran nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_missed_while_every_instance_was_down_runs_once_late_only_with_run_once() {
    let lock: Arc<dyn DistributedLock> = Arc::new(MemoryLock::default());
    let runs = Arc::new(MemoryRunStore::default());
    let log: Log = Arc::default();
    let started = Utc::now();
    let jobs = |log: &Log| {
        let window = Duration::from_secs(120);
        vec![
            Job { misfire: MisfirePolicy::RunOnce { window }, ..Job::new("catch-up", Schedule::every_minutes(1), log) },
            Job::new("forget", Schedule::every_minutes(1), log),
        ]
    };
    // The minute tick before start (at least 2 s before it) is the one every instance slept through.
    let missed = Schedule::every_minutes(1)
        .expr()
        .unwrap()
        .last_at_or_before(started - chrono::Duration::seconds(2), chrono::Duration::seconds(120))
        .unwrap();
    let stop = CancellationToken::new();
    let first = tokio::spawn(build(ports(lock.clone(), runs.clone()), options("a"), jobs(&log)).run(stop.clone()));
    eventually("the missed tick caught up", Duration::from_secs(5), async || {
        records(&runs, "catch-up").await.iter().any(|r| r.fire_time == missed && r.status == RunStatus::Succeeded)
    })
    .await;
    // A second instance starting later sees the tick done and does not catch it up again.
    let second = tokio::spawn(build(ports(lock, runs.clone()), options("b"), jobs(&log)).run(stop.clone()));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.cancel();
    first.await.unwrap();
    second.await.unwrap();

    let entries = log.lock().unwrap().clone();
    let caught: Vec<_> = entries.iter().filter(|(fire, _, _)| *fire == missed).collect();
    assert_eq!(caught.len(), 1, "caught up exactly once across both instances: {entries:?}");
    assert_eq!(caught[0].1, "a");
    let forget = records(&runs, "forget").await;
    assert!(
        forget.iter().all(|r| r.fire_time >= started),
        "misfire skip never runs a tick from before start: {forget:?}"
    );
}

#[tokio::test]
async fn a_tick_fired_later_than_the_misfire_grace_is_recorded_as_missed_not_run() {
    let runs = Arc::new(MemoryRunStore::default());
    let log: Log = Arc::default();
    let e = build(
        ports(Arc::new(MemoryLock::default()), runs.clone()),
        options("late"),
        vec![Job::new("late", Schedule::every_seconds(1), &log)],
    );
    let fire = Utc::now() - chrono::Duration::seconds(10);
    e.fire_tick(&TaskName::parse("late").unwrap(), fire).await.unwrap();
    let recorded = records(&runs, "late").await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].status, RunStatus::Skipped);
    assert!(recorded[0].error.as_deref().unwrap().starts_with("missed: this instance fired it 10"), "{recorded:?}");
    assert!(log.lock().unwrap().is_empty(), "a missed tick does not run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_longer_than_its_lease_keeps_its_tick_from_other_instances() {
    let lock: Arc<dyn DistributedLock> = Arc::new(MemoryLock::default());
    let runs = Arc::new(MemoryRunStore::default());
    let log: Log = Arc::default();
    let short_lease = |instance| SchedulerOptions { lock_lease: Duration::from_secs(1), ..options(instance) };
    let job = |log: &Log| vec![Job { work: Duration::from_secs(3), ..Job::new("long", Schedule::daily_at(3, 0), log) }];
    let a = build(ports(lock.clone(), runs.clone()), short_lease("a"), job(&log));
    let b = build(ports(lock, runs.clone()), short_lease("b"), job(&log));
    let name = TaskName::parse("long").unwrap();
    let fire = Utc::now();
    let first = tokio::spawn({
        let (a, name) = (a.clone(), name.clone());
        async move { a.fire_tick(&name, fire).await }
    });
    // Twice the lease later the run is still going: without renewal its lock would have expired.
    tokio::time::sleep(Duration::from_secs(2)).await;
    b.fire_tick(&name, fire).await.unwrap();
    first.await.unwrap().unwrap();
    let entries = log.lock().unwrap().clone();
    assert_eq!(entries.len(), 1, "one run of the tick: {entries:?}");
    assert_eq!(entries[0].1, "a");
    let recorded = records(&runs, "long").await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].status, RunStatus::Succeeded, "the lease was kept: {recorded:?}");
}
