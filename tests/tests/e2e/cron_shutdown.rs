//! SIGTERM to `exchange cron`: a running task may finish within `cron.shutdown_timeout_secs` (3 s in the
//! test configuration); one that would take longer is cancelled and recorded `cancelled`; the process exits 0.

use adapter_sql::SqlOptions;
use domain::page::PageRequest;
use domain::schedule::{RunQuery, RunRecord, RunStore, TaskName};
use e2e::ServerBuilder;
use e2e::cron::read_probe;
use std::time::{Duration, Instant};

/// Starts `exchange cron` with the probe working `work_ms`, SIGTERMs it right after a run started, and
/// returns that run's record once the process exited.
async fn stop_during_a_run(work_ms: u64) -> (RunRecord, Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let probe = dir.path().join("probe.log");
    let mut server = ServerBuilder::cron()
        .env("EXCHANGE__CRON__EXAMPLES", "false")
        .env("EXCHANGE__CRON__PROBE_FILE", probe.display().to_string())
        .env("EXCHANGE__CRON__PROBE_WORK_MS", work_ms.to_string())
        .spawn()
        .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let line = loop {
        if let Some(line) = read_probe(&probe).pop() {
            break line;
        }
        assert!(Instant::now() < deadline, "no run started\n{}", server.output());
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let signalled = Instant::now();
    server.signal(nix::sys::signal::Signal::SIGTERM);
    let status = server.wait_exit(Duration::from_secs(30)).await;
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(0), "{}", server.output());

    let db = adapter_sql::connect(&SqlOptions::sqlite(server.dir().join("data/test.db"))).await.expect("SQLite");
    let query = RunQuery {
        task: Some(TaskName::parse("probe").unwrap()),
        from: Some(line.fire),
        to: Some(line.fire + chrono::TimeDelta::seconds(1)),
        page: PageRequest::new(1, 10).unwrap(),
        ..Default::default()
    };
    let runs = db.run_store().list(&query).await.expect("runs").items;
    assert_eq!(runs.len(), 1, "{runs:?}");
    (runs[0].clone(), took)
}

#[tokio::test]
async fn a_short_run_finishes_and_a_long_one_is_cancelled_and_recorded() {
    let (finished, _) = stop_during_a_run(1_000).await;
    assert_eq!(finished.status.as_str(), "succeeded", "{finished:?}");

    let (cancelled, took) = stop_during_a_run(60_000).await;
    assert_eq!(cancelled.status.as_str(), "cancelled", "{cancelled:?}");
    assert!(cancelled.error.as_deref().unwrap_or("").contains("shut down"), "{cancelled:?}");
    assert!(took >= Duration::from_secs(2), "waited for cron.shutdown_timeout_secs first: {took:?}");
    assert!(took < Duration::from_secs(20), "did not wait for the task's own timeout: {took:?}");
}
