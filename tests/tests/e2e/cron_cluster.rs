//! The scheduler's promise, proven through the real binary: three `exchange cron` processes on one MariaDB
//! and one Redis run every tick of an every-second task exactly once; SIGKILL of the instance in the middle
//! of a run neither duplicates that tick nor stops the following ones on the survivors. Executions are
//! counted from the probe's own file, not from the run store.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use e2e::api::Api;
use e2e::cron::{Cluster, Tally, read_probe};
use std::time::Duration;

const PASSWORD: &str = "Cron-Operator-2026!";

fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::seconds(1)).expect("truncate")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_run_every_tick_once_and_survive_a_sigkill_mid_run() {
    let mut cluster = Cluster::start(3, 1, 800, &[]).await;
    // The window starts once every instance is up, so each tick of it had all three competing.
    let from = whole_second(Utc::now()) + TimeDelta::seconds(2);

    // Let 30 ticks pass, then kill whichever instance starts the next run, 20 ms or so into it.
    let before_kill = cluster.wait_lines(32, Duration::from_secs(60)).await.len();
    let victim_line = cluster.wait_lines(before_kill + 1, Duration::from_secs(10)).await.pop().expect("a line");
    let victim: usize = victim_line.instance.trim_start_matches("node-").parse().expect("node-<n>");
    cluster.kill(victim);
    let killed_tick = victim_line.fire;

    // 35 more ticks on the survivors.
    let after = read_probe(&cluster.probe).len();
    cluster.wait_lines(after + 35, Duration::from_secs(60)).await;
    let to = whole_second(Utc::now()) - TimeDelta::seconds(2);

    // The run store agrees, and the killed run was failed by a survivor once the victim stopped heartbeating.
    let dir = tempfile::tempdir().expect("temp dir");
    let env = cluster.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let out = e2e::run_once(
        dir.path(),
        &["init-admin", "--username", "cron_ops", "--email", "ops@example.com", "--password", PASSWORD],
        &env,
    );
    assert!(out.status.success(), "init-admin: {}", String::from_utf8_lossy(&out.stderr));
    let survivor = if victim == 1 { 2 } else { 1 };
    let api = Api::new(&cluster.node(survivor).base);
    let token = api.login("cron_ops", PASSWORD).await.access;
    let failed_path = format!("/api/v1/cron/runs?task=probe&status=failed&instance=node-{victim}");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let abandoned = loop {
        let r = api.get(&failed_path, Some(&token)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        if let Some(run) = r.body["items"].as_array().and_then(|items| items.first()).cloned() {
            break run;
        }
        assert!(std::time::Instant::now() < deadline, "the killed run was never marked failed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(abandoned["fire_time"].as_str().map(|s| s.parse::<DateTime<Utc>>().unwrap()), Some(killed_tick));
    assert!(abandoned["error"].as_str().unwrap_or("").contains("stopped heartbeating"), "{abandoned}");

    let instances = api.get("/api/v1/cron/instances", Some(&token)).await;
    let listed: Vec<(String, bool)> = instances
        .body
        .as_array()
        .expect("list")
        .iter()
        .map(|i| (i["id"].as_str().unwrap().to_owned(), i["alive"].as_bool().unwrap()))
        .collect();
    assert_eq!(listed.len(), 3, "{listed:?}");
    for (id, alive) in &listed {
        assert_eq!(*alive, *id != format!("node-{victim}"), "{listed:?}");
    }

    let window = format!(
        "from={}&to={}",
        from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        (to + TimeDelta::seconds(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let total = |r: e2e::api::Reply| r.body["total"].as_u64().expect("total");
    let all = total(api.get(&format!("/api/v1/cron/runs?task=probe&size=1&{window}"), Some(&token)).await);
    let skipped =
        total(api.get(&format!("/api/v1/cron/runs?task=probe&size=1&status=skipped&{window}"), Some(&token)).await);
    let recorded = all - skipped;

    cluster.stop().await;
    let lines = read_probe(&cluster.probe);
    let tally = Tally::over(&lines, &["probe".to_owned()], from, to);
    assert!(tally.ticks() >= 60, "only {} ticks in the window {from}..{to}", tally.ticks());
    assert!(tally.duplicates().is_empty(), "ticks run more than once: {:?}", tally.duplicates());
    assert!(tally.misses().is_empty(), "ticks never run: {:?}", tally.misses());
    assert!(
        lines.iter().filter(|l| l.fire == killed_tick).count() == 1,
        "the killed tick ran exactly once (on the victim)"
    );
    let after_kill: Vec<_> = lines.iter().filter(|l| l.fire > killed_tick).collect();
    assert!(after_kill.len() >= 35 && after_kill.iter().all(|l| l.instance != format!("node-{victim}")));
    assert_eq!(recorded, tally.ticks() as u64, "one run record per execution in the window");
}
