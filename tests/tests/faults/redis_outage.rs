//! Redis stops and starts again under a running API: logins and authenticated calls answer 503 with
//! `Retry-After` (never 500), what has a documented fallback keeps working, readiness turns red then green,
//! the scheduler skips and records the ticks it cannot lock, and everything recovers without restarting
//! `exchange`. Also: an instance started while Redis is down.

use crate::{PASSWORD, RECOVERY, check, wait_readiness};
use adapter_sql::SqlOptions;
use chrono::{DateTime, TimeDelta, Utc};
use domain::page::PageRequest;
use domain::schedule::{RunQuery, RunStatus, RunStore, TaskName};
use e2e::cron::read_probe;
use e2e::private::PrivateRedis;
use e2e::{Api, Server, ServerBuilder};
use serde_json::json;

/// Fire times of the probe's ticks recorded as skipped because the lock backend was unavailable.
async fn skipped_for_redis(store: &dyn RunStore) -> Vec<DateTime<Utc>> {
    let query = RunQuery {
        task: Some(TaskName::parse("probe").expect("task name")),
        status: Some(RunStatus::Skipped),
        page: PageRequest::new(1, 100).expect("page"),
        ..Default::default()
    };
    let page = store.list(&query).await.expect("list runs");
    page.items
        .iter()
        .filter(|r| r.error.as_deref().unwrap_or("").starts_with("lock backend unavailable"))
        .map(|r| r.fire_time)
        .collect()
}

/// `exchange cron` on the same Redis, running the probe every second (its own SQLite file for records).
async fn cron_on(redis: &PrivateRedis, probe: &std::path::Path) -> Server {
    ServerBuilder::cron()
        .envs(redis.env("faults:"))
        .env("EXCHANGE__CRON__EXAMPLES", "false")
        .env("EXCHANGE__CRON__PROBE_FILE", probe.display().to_string())
        .env("EXCHANGE__CRON__PROBE_WORK_MS", "10")
        .spawn()
        .await
}

fn login_body(user: &str) -> serde_json::Value {
    json!({"username": user, "password": PASSWORD})
}

#[tokio::test]
async fn a_redis_outage_answers_503_with_retry_after_and_recovers_without_a_restart() {
    let mut redis = PrivateRedis::new();
    redis.start().await;
    let server = ServerBuilder::new().envs(redis.env("faults:")).spawn().await;
    let probe_dir = tempfile::tempdir().expect("temp dir");
    let probe = probe_dir.path().join("probe.log");
    let mut cron = cron_on(&redis, &probe).await;
    let api = Api::new(&server.base).lang("en");
    api.register("outage_user", "outage@example.com", PASSWORD).await;
    let before = api.login("outage_user", PASSWORD).await;
    assert_eq!(api.get("/api/v1/users/me", Some(&before.access)).await.status, 200);
    assert_eq!(check(&wait_readiness(&api, 200, RECOVERY).await, "redis")["status"], "up");

    e2e::wait::until("probe runs", RECOVERY, || async {
        let n = read_probe(&probe).len();
        if n >= 2 { Ok(()) } else { Err(format!("{n} runs")) }
    })
    .await;

    redis.stop();
    let down = Utc::now();
    let red = wait_readiness(&api, 503, RECOVERY).await;
    assert_eq!(red["code"], "health.not_ready", "{red}");
    assert_eq!(check(&red, "redis")["status"], "down", "{red}");
    assert_eq!(check(&red, "database")["status"], "up", "only Redis is named: {red}");

    // Sessions live in Redis: signing in and using a session are refused with a clear, retryable 503.
    let login = api.post("/api/v1/auth/login", None, login_body("outage_user")).await;
    assert_eq!((login.status, login.code()), (503, "backend.unavailable"), "{:?}", login.body);
    assert_eq!(login.body["details"]["backend"], "redis");
    assert!(login.body["message"].as_str().unwrap_or("").contains("redis"), "{:?}", login.body);
    assert_eq!(login.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    let me = api.get("/api/v1/users/me", Some(&before.access)).await;
    assert_eq!((me.status, me.code()), (503, "backend.unavailable"), "{:?}", me.body);
    assert!(me.headers.contains_key("retry-after"));
    let refresh = api.post("/api/v1/auth/refresh", None, json!({"refresh_token": before.refresh})).await;
    assert_eq!((refresh.status, refresh.code()), (503, "backend.unavailable"), "{:?}", refresh.body);
    assert!(refresh.headers.contains_key("retry-after"));
    // What needs only the database keeps working: the rate limiter fails open (docs/api.md).
    let registered = api
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": "during_outage", "email": "during@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    assert_eq!(api.get("/ping", None).await.status, 200);

    // The scheduler skips the ticks it cannot lock and records each once; nothing runs unlocked.
    let runs = adapter_sql::connect(&SqlOptions::sqlite(cron.dir().join("data/test.db"))).await.expect("SQLite");
    let store = runs.run_store();
    e2e::wait::until("skipped ticks recorded", RECOVERY, || async {
        let n = skipped_for_redis(&store).await.len();
        if n >= 2 { Ok(()) } else { Err(format!("{n} skipped ticks")) }
    })
    .await;

    redis.start().await;
    let up = Utc::now();
    let green = wait_readiness(&api, 200, RECOVERY).await;
    assert_eq!(check(&green, "redis")["status"], "up", "{green}");
    // The same process serves again. This Redis keeps nothing on disk, so the old session is gone and its
    // access token is refused; a new login works (docs/operations.md: run Redis with persistence).
    let after = api.login("during_outage", PASSWORD).await;
    assert_eq!(api.get("/api/v1/users/me", Some(&after.access)).await.status, 200);
    let old = api.get("/api/v1/users/me", Some(&before.access)).await;
    assert_eq!(old.status, 401, "{:?}", old.body);
    let old_refresh = api.post("/api/v1/auth/refresh", None, json!({"refresh_token": before.refresh})).await;
    assert_eq!(old_refresh.status, 401, "{:?}", old_refresh.body);
    let again = api.login("outage_user", PASSWORD).await;
    assert_eq!(api.get("/api/v1/users/me", Some(&again.access)).await.status, 200);

    // The same cron process runs ticks again; none ran while Redis was down; each skip recorded once.
    e2e::wait::until("probe runs after the outage", RECOVERY, || async {
        let n = read_probe(&probe).iter().filter(|l| l.fire > up + TimeDelta::seconds(1)).count();
        if n >= 2 { Ok(()) } else { Err(format!("{n} runs")) }
    })
    .await;
    let unlocked: Vec<_> = read_probe(&probe)
        .into_iter()
        .filter(|l| l.fire > down + TimeDelta::seconds(1) && l.fire < up - TimeDelta::seconds(1))
        .collect();
    assert!(unlocked.is_empty(), "runs while Redis was down: {unlocked:?}");
    let skips = skipped_for_redis(&store).await;
    let mut unique = skips.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), skips.len(), "one record per skipped tick: {skips:?}");
    cron.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(cron.wait_exit(RECOVERY).await.code(), Some(0), "{}", cron.output());
}

#[tokio::test]
async fn an_instance_started_while_redis_is_down_comes_up_not_ready_and_recovers() {
    let mut redis = PrivateRedis::new();
    let server = ServerBuilder::new().envs(redis.env("faults:")).spawn().await;
    let api = Api::new(&server.base);
    assert_eq!(api.get("/health/live", None).await.status, 200, "the process is alive");
    let red = wait_readiness(&api, 503, RECOVERY).await;
    assert_eq!(check(&red, "redis")["status"], "down", "{red}");
    let login = api.post("/api/v1/auth/login", None, login_body("nobody_yet")).await;
    assert_eq!(login.status, 503, "{:?}", login.body);
    assert!(login.headers.contains_key("retry-after"));

    redis.start().await;
    wait_readiness(&api, 200, RECOVERY).await;
    api.register("late_redis", "late@example.com", PASSWORD).await;
    let tokens = api.login("late_redis", PASSWORD).await;
    assert_eq!(api.get("/api/v1/users/me", Some(&tokens.access)).await.status, 200);
}
