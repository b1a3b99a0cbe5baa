//! MariaDB restarts while clients log in and read their profile: requests in the gap answer 503 with
//! `Retry-After` (never 500), readiness names the database, and the pool reconnects by itself: the same
//! `exchange` process serves again once MariaDB is back. A cron instance on the same database keeps running
//! each tick once (the lock is in Redis) and carries on after the restart.

use crate::{PASSWORD, RECOVERY, check, wait_readiness};
use adapter_redis::testing::TestRedis;
use chrono::{DurationRound, TimeDelta, Utc};
use e2e::cron::{Tally, read_probe};
use e2e::private::PrivateMariaDb;
use e2e::{Api, ServerBuilder};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What the load saw: `(status, code, has Retry-After)` -> count, and the successes in order.
#[derive(Default)]
struct Seen {
    answers: BTreeMap<(u16, String, bool), u32>,
    ok: u64,
}

/// One client: log in, read the profile, repeat, until `stop`.
async fn client(api: Api, user: String, seen: Arc<Mutex<Seen>>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::SeqCst) {
        let login = api.post("/api/v1/auth/login", None, json!({"username": user, "password": PASSWORD})).await;
        let mut replies = vec![(login.status, login.code().to_owned(), login.headers.contains_key("retry-after"))];
        if login.status == 200 {
            let token = login.body["access_token"].as_str().unwrap_or_default().to_owned();
            let me = api.get("/api/v1/users/me", Some(&token)).await;
            replies.push((me.status, me.code().to_owned(), me.headers.contains_key("retry-after")));
        }
        {
            let mut seen = seen.lock().expect("lock");
            for reply in replies {
                seen.ok += u64::from(reply.0 == 200);
                *seen.answers.entry(reply).or_default() += 1;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_mariadb_restart_under_load_answers_503_and_the_pool_reconnects_by_itself() {
    let mut db = PrivateMariaDb::install();
    db.start().await;
    let redis = TestRedis::start().await;
    let server = ServerBuilder::new()
        .envs(db.env("exchange_faults"))
        .envs(e2e::backends::redis_env(&redis))
        .env("EXCHANGE__DATABASE__CONNECT_TIMEOUT_SECS", "2")
        .spawn()
        .await;
    let probe_dir = tempfile::tempdir().expect("temp dir");
    let probe = probe_dir.path().join("probe.log");
    let mut cron = ServerBuilder::cron()
        .envs(db.env("exchange_faults"))
        .envs(e2e::backends::redis_env(&redis))
        .env("EXCHANGE__DATABASE__CONNECT_TIMEOUT_SECS", "2")
        .env("EXCHANGE__CRON__EXAMPLES", "false")
        .env("EXCHANGE__CRON__PROBE_FILE", probe.display().to_string())
        .env("EXCHANGE__CRON__PROBE_WORK_MS", "10")
        .spawn()
        .await;
    let from = Utc::now().duration_trunc(TimeDelta::seconds(1)).expect("truncate") + TimeDelta::seconds(2);
    let api = Api::new(&server.base).lang("en");
    let users: Vec<String> = (0..3).map(|i| format!("loaded_{i}")).collect();
    for u in &users {
        api.register(u, &format!("{u}@example.com"), PASSWORD).await;
    }
    let (seen, stop) = (Arc::new(Mutex::new(Seen::default())), Arc::new(AtomicBool::new(false)));
    let load: Vec<_> =
        users.iter().map(|u| tokio::spawn(client(api.clone(), u.clone(), seen.clone(), stop.clone()))).collect();
    let ok = || seen.lock().expect("lock").ok;
    e2e::wait::until("the load succeeds", RECOVERY, || async {
        if ok() >= 10 { Ok(()) } else { Err(format!("{} successes", ok())) }
    })
    .await;

    db.stop();
    let red = wait_readiness(&api, 503, RECOVERY).await;
    assert_eq!(check(&red, "database")["status"], "down", "{red}");
    assert_eq!(check(&red, "redis")["status"], "up", "{red}");
    let failed = || seen.lock().expect("lock").answers.keys().filter(|(s, ..)| *s == 503).count();
    e2e::wait::until("the load sees 503s", RECOVERY, || async {
        if failed() > 0 { Ok(()) } else { Err("no 503 yet".to_owned()) }
    })
    .await;

    db.start().await;
    wait_readiness(&api, 200, RECOVERY).await;
    let back = Utc::now();
    let before = ok();
    e2e::wait::until("the load succeeds again", RECOVERY, || async {
        if ok() >= before + 10 { Ok(()) } else { Err(format!("{} successes since the restart", ok() - before)) }
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.expect("load task");
    }

    let answers = std::mem::take(&mut seen.lock().expect("lock").answers);
    for ((status, code, retry_after), n) in &answers {
        match status {
            200 => {}
            503 => {
                assert!(*retry_after, "{n} × 503 {code} without Retry-After: {answers:?}");
                assert!(
                    ["backend.unavailable", "request.timeout"].contains(&code.as_str()),
                    "{n} × 503 {code}: {answers:?}"
                );
            }
            _ => panic!("{n} × {status} {code} during the restart (only 200 and 503 are acceptable): {answers:?}"),
        }
    }

    // The scheduler went on through the restart: ticks after it run, and no tick ran twice.
    e2e::wait::until("probe runs after the restart", RECOVERY, || async {
        let n = read_probe(&probe).iter().filter(|l| l.fire > back + TimeDelta::seconds(1)).count();
        if n >= 3 { Ok(()) } else { Err(format!("{n} runs")) }
    })
    .await;
    let to = Utc::now().duration_trunc(TimeDelta::seconds(1)).expect("truncate") - TimeDelta::seconds(2);
    let tally = Tally::over(&read_probe(&probe), &["probe".to_owned()], from, to);
    assert!(tally.duplicates().is_empty(), "ticks run twice: {:?}", tally.duplicates());
    eprintln!("answers during the restart: {answers:?}; ticks missed: {:?}", tally.misses());
    cron.signal(nix::sys::signal::Signal::SIGTERM);
    let status = cron.wait_exit(RECOVERY).await;
    assert_eq!(status.code(), Some(0), "the cron instance stops cleanly after the outage\n{}", cron.output());
    drop(server);
    drop(db);
}
