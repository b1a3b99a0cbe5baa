//! Redis going away under `exchange cron`: ticks are skipped and recorded in SQL with the reason, nothing
//! runs unlocked, and the scheduler resumes by itself when Redis is back. The outage is a private
//! `redis-server` killed by its handle; the shared server is never touched.

use adapter_sql::SqlOptions;
use chrono::{DateTime, TimeDelta, Utc};
use domain::page::PageRequest;
use domain::schedule::{RunQuery, RunStatus, RunStore, TaskName};
use e2e::ServerBuilder;
use e2e::cron::{PrivateRedis, read_probe};
use std::time::{Duration, Instant};

async fn skipped(store: &dyn RunStore) -> Vec<DateTime<Utc>> {
    let query = RunQuery {
        task: Some(TaskName::parse("probe").unwrap()),
        status: Some(RunStatus::Skipped),
        page: PageRequest::new(1, 100).unwrap(),
        ..Default::default()
    };
    let page = store.list(&query).await.expect("list runs");
    for r in &page.items {
        assert!(r.error.as_deref().unwrap_or("").starts_with("lock backend unavailable"), "{r:?}");
    }
    page.items.iter().map(|r| r.fire_time).collect()
}

#[tokio::test]
async fn ticks_are_skipped_and_recorded_while_redis_is_down_and_resume_after() {
    let mut redis = PrivateRedis::new();
    redis.start().await;
    let probe_dir = tempfile::tempdir().expect("temp dir");
    let probe = probe_dir.path().join("probe.log");
    let mut server = ServerBuilder::cron()
        .env("EXCHANGE__REDIS__HOST", "127.0.0.1")
        .env("EXCHANGE__REDIS__PORT", redis.port.to_string())
        .env("EXCHANGE__CRON__EXAMPLES", "false")
        .env("EXCHANGE__CRON__PROBE_FILE", probe.display().to_string())
        .env("EXCHANGE__CRON__PROBE_WORK_MS", "10")
        .spawn()
        .await;
    let wait_until = async |what: &str, limit: Duration, mut check: Box<dyn FnMut() -> bool + '_>| {
        let deadline = Instant::now() + limit;
        while !check() {
            assert!(Instant::now() < deadline, "{what} did not happen within {limit:?}\n{}", server.output());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    wait_until("three runs", Duration::from_secs(20), Box::new(|| read_probe(&probe).len() >= 3)).await;

    redis.stop();
    let down = Utc::now();
    let db = adapter_sql::connect(&SqlOptions::sqlite(server.dir().join("data/test.db"))).await.expect("open SQLite");
    let store = db.run_store();
    let deadline = Instant::now() + Duration::from_secs(20);
    while skipped(&store).await.len() < 3 {
        assert!(Instant::now() < deadline, "skipped ticks were not recorded\n{}", server.output());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    redis.start().await;
    let up = Utc::now();
    wait_until(
        "runs after Redis came back",
        Duration::from_secs(20),
        Box::new(|| read_probe(&probe).iter().filter(|l| l.fire > up + TimeDelta::seconds(1)).count() >= 2),
    )
    .await;

    let lines = read_probe(&probe);
    let unlocked: Vec<_> =
        lines.iter().filter(|l| l.fire > down + TimeDelta::seconds(1) && l.fire < up - TimeDelta::seconds(1)).collect();
    assert!(unlocked.is_empty(), "runs while Redis was down: {unlocked:?}");
    let skips = skipped(&store).await;
    let mut unique = skips.clone();
    unique.dedup();
    assert_eq!(unique.len(), skips.len(), "one record per skipped tick");
    assert!(skips.iter().all(|t| *t >= down - TimeDelta::seconds(1) && *t <= up + TimeDelta::seconds(2)), "{skips:?}");

    server.signal(nix::sys::signal::Signal::SIGTERM);
    let status = server.wait_exit(Duration::from_secs(30)).await;
    assert_eq!(status.code(), Some(0), "{}", server.output());
}
